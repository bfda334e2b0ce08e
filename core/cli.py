"""`mesdoctor` command line: a thin layer over core.analysis and the report formats.

Exit codes: 0 nothing reaches the --fail-on threshold, 1 something does, 2 usage error or
unreadable input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TextIO

from core import __version__
from core.analysis import analyse
from core.catalogue import CATALOGUE
from core.live.errors import LiveSourceError
from core.model import LoadResult, Report, Severity
from core.options import (
    DEFAULT_EXPIRY_WARNING_DAYS,
    DEFAULT_SYSTEM_NAMESPACE,
    DEFAULT_ZONE,
    AnalysisOptions,
    Limits,
)
from core.sources import Source, UnreadablePath, sources_from_paths
from core.versions import SUPPORTED

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
MIB = 1024 * 1024
FORMATS = ("table", "json", "markdown", "sarif", "junit")


class UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mesdoctor",
        description="Diagnose Kuma MeshExternalService configuration: validation, secret references, "
        "certificates, and the egress endpoint map (including what a 2.9.x control plane drops).",
    )
    parser.add_argument("--version", action="version", version=f"mesdoctor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser("check", help="analyse manifests and print the report",
                           description="Analyse Kubernetes / Universal manifests (files, directories, archives, "
                           "`-` for stdin) and print the report.")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (recursive); - reads stdin")
    check.add_argument("--sample", action="store_true",
                       help="analyse the bundled sample data, with its certificates re-issued relative to now")
    check.add_argument("--format", "-f", choices=FORMATS, default="table", help="output format (default: table)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--kuma-version", default="auto", metavar="VERSION",
                       help=f"target control plane: auto (default) or one of {', '.join(SUPPORTED)}")
    check.add_argument("--zone", default=DEFAULT_ZONE, help=f"zone whose egress is modelled (default: {DEFAULT_ZONE})")
    check.add_argument("--system-namespace", default=DEFAULT_SYSTEM_NAMESPACE,
                       help=f"Kuma system namespace on Kubernetes (default: {DEFAULT_SYSTEM_NAMESPACE})")
    check.add_argument("--expiry-warning-days", type=int, default=DEFAULT_EXPIRY_WARNING_DAYS, metavar="N",
                       help="certificates expiring within N days are a warning "
                       f"(default: {DEFAULT_EXPIRY_WARNING_DAYS})")
    check.add_argument("--now", metavar="ISO-8601", help="evaluate dates as of this instant (default: current time)")
    check.add_argument("--fail-on", choices=("error", "warning", "never"), default="error",
                       help="exit 1 when a finding of this severity or worse exists (default: error)")
    check.add_argument("--federated", action="store_true",
                       help="the zone is connected to a Global control plane (origin label rules apply)")
    check.add_argument("--complete", action="store_true",
                       help="the input holds every Secret, ZoneEgress, MeshIdentity and Dataplane of the zone: "
                       "their absence is reported as a problem, not as a coverage note (live sources set this per "
                       "kind they listed)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour in table output (default: auto = only on a terminal)")
    defaults = Limits()
    check.add_argument("--max-file-size", type=float, default=defaults.max_file_bytes / MIB, metavar="MB",
                       help="skip (with finding MES003) any file or archive member larger than this "
                       f"(MiB, default: {defaults.max_file_bytes / MIB:g})")
    check.add_argument("--max-total-size", type=float, default=defaults.max_total_bytes / MIB, metavar="MB",
                       help="stop reading (with finding MES003) once the input adds up to more than this "
                       f"(MiB, default: {defaults.max_total_bytes / MIB:g})")
    from core.live.cli_args import add_arguments as add_live_arguments

    add_live_arguments(check)

    from core.migrate.cli import add_parser as add_migrate_parser

    add_migrate_parser(sub)

    codes = sub.add_parser("codes", help="list every finding code with its explanation")
    codes.add_argument("--format", "-f", choices=("table", "json", "markdown"), default="table")
    return parser


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its own message
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    if args.command == "codes":
        out.write(render_codes(args.format))
        return EXIT_OK
    if args.command not in ("check", "migrate"):
        parser.print_help(out)
        return EXIT_USAGE
    try:
        if args.command == "migrate":
            from core.migrate.cli import run_migrate

            return run_migrate(args, out, err)
        return run_check(args, out, err)
    except UsageError as exc:
        err.write(f"mesdoctor: error: {exc}\n")
        return EXIT_USAGE
    except UnreadablePath as exc:
        err.write(f"mesdoctor: cannot read {exc}\n")
        return EXIT_USAGE
    except LiveSourceError as exc:
        err.write(f"mesdoctor: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("mesdoctor: interrupted\n")
        return EXIT_USAGE


def run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    options = options_from_args(args)
    sources: list[Source] = []
    if args.sample:
        from core.sample import sample_sources

        sources.extend(sample_sources(options.resolved_now()))
    if args.paths:
        sources.extend(sources_from_paths(args.paths, max_file_bytes=options.limits.max_file_bytes))
    live = read_live(args, options, err)
    if not sources and not args.sample and live is None:
        raise UsageError("nothing to check: give PATHs (files, directories, - for stdin), --sample, or a live "
                         "source (--kube, --kube-context, --in-cluster, --kuma-url, --url)")
    report = analyse(sources, options, preloaded=live)
    colour = args.color == "always" or (args.color == "auto" and _is_tty(out) and not args.output)
    text = render(report, args.format, colour=colour)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    else:
        out.write(text)
    return exit_code(report, args.fail_on)


def read_live(args: argparse.Namespace, options: AnalysisOptions, err: TextIO) -> LoadResult | None:
    """Read the live sources the options name (LiveSourceError on failure); notes go to stderr."""
    from core.live import fetch_all
    from core.live.cli_args import specs_from_args

    try:
        specs = specs_from_args(args, options.system_namespace)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if not specs:
        return None
    # fetched_at is the real time of the read, whatever --now says about evaluating dates
    result = fetch_all(specs, limits=options.limits, system_namespace=options.system_namespace)
    for note in result.notes:
        err.write(f"mesdoctor: note: {note}\n")
    return result.load


def options_from_args(args: argparse.Namespace) -> AnalysisOptions:
    from core.versions import KumaVersion

    if args.kuma_version != "auto":
        try:
            KumaVersion.parse(args.kuma_version)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    if args.expiry_warning_days < 0:
        raise UsageError("--expiry-warning-days must be 0 or more")
    for flag, value in (("--max-file-size", args.max_file_size), ("--max-total-size", args.max_total_size)):
        if not value > 0 or value * MIB > 2**62:  # also refuses nan
            raise UsageError(f"{flag} must be a positive number of MiB")
    return AnalysisOptions(
        kuma_version=args.kuma_version,
        zone=args.zone,
        system_namespace=args.system_namespace,
        expiry_warning_days=args.expiry_warning_days,
        now=parse_now(args.now) if args.now else None,
        federated=args.federated,
        complete=args.complete,
        limits=Limits(max_file_bytes=max(1, int(args.max_file_size * MIB)),
                      max_total_bytes=max(1, int(args.max_total_size * MIB))),
    )


def parse_now(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"--now: not an ISO-8601 date/time: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def render(report: Report, fmt: str, *, colour: bool = False) -> str:
    if fmt == "json":
        from core.report.json_report import to_json

        return to_json(report) + "\n"
    if fmt == "markdown":
        from core.report.markdown import to_markdown

        return to_markdown(report)
    if fmt == "sarif":
        from core.report.sarif import to_sarif

        return to_sarif(report) + "\n"
    if fmt == "junit":
        from core.report.junit import to_junit

        return to_junit(report)
    from core.report.table import to_table

    return to_table(report, colour=colour, width=_terminal_width())


def exit_code(report: Report, fail_on: str) -> int:
    if fail_on == "never":
        return EXIT_OK
    threshold = {"error": Severity.ERROR.rank, "warning": Severity.WARNING.rank}[fail_on]
    return EXIT_FAIL if any(f.severity.rank <= threshold for f in report.findings) else EXIT_OK


def render_codes(fmt: str) -> str:
    entries = list(CATALOGUE.values())
    if fmt == "json":
        import json

        return json.dumps([
            {"code": c.code, "title": c.title, "severity": c.severity.value, "stage": c.stage.value,
             "category": c.category, "versions": c.versions, "explanation": c.explanation, "example": c.example,
             "exampleComplete": c.example_complete}
            for c in entries
        ], indent=2) + "\n"
    if fmt == "markdown":
        from core.report.text import md

        lines = ["| Code | Severity | Stage | Title | Versions |", "|---|---|---|---|---|"]
        lines += [
            f"| {c.code} | {c.severity.value} | {c.stage.value} | {md(c.title)} | {c.versions} |" for c in entries
        ]
        return "\n".join(lines) + "\n"
    return "".join(f"{c.code}  {c.severity.value:<7}  {c.stage.value:<13}  {c.title}\n" for c in entries)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("NO_COLOR") is None
    except (AttributeError, ValueError):
        return False


def _terminal_width() -> int:
    try:
        return max(100, os.get_terminal_size().columns)
    except OSError:
        return 160
