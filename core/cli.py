"""`mesdoctor` command line: a thin layer over core.analysis, the merge gate (core.gate) and the report formats.

`mesdoctor check` analyses and prints a report; `mesdoctor diff` compares two inputs (core.report.diff);
`mesdoctor migrate` turns legacy ExternalServices into MeshExternalService YAML (core.migrate);
`mesdoctor codes` lists the finding codes.

Exit codes: 0 nothing reaches the --fail-on threshold, 1 something does, 2 usage error or
unreadable input (a bad configuration file or baseline included).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from core import __version__
from core.analysis import analyse
from core.cli_render import emit, is_tty, render_codes
from core.live.errors import LiveSourceError
from core.model import LoadResult, Report, Severity
from core.options import (
    DEFAULT_EXPIRY_WARNING_DAYS,
    DEFAULT_SYSTEM_NAMESPACE,
    DEFAULT_ZONE,
    AnalysisOptions,
    Limits,
)
from core.sample_names import DEFAULT_SAMPLE, SAMPLES
from core.sources import Source, UnreadablePath, sources_from_paths
from core.versions import SUPPORTED

if TYPE_CHECKING:
    from core.gate.config import GateConfig

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
MIB = 1024 * 1024
FORMATS = ("table", "json", "markdown", "sarif", "junit", "codequality")
FAIL_ON = ("error", "warning", "new", "never")


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
    check.add_argument("--sample", nargs="?", const=DEFAULT_SAMPLE, default=None, metavar="NAME",
                       help="analyse a bundled sample, dated relative to now: incident (the default: one zone's "
                       "2.9 cascade) or gallery (every failure mode)")
    check.add_argument("--format", "-f", choices=FORMATS, default="table", help="output format (default: table)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    add_analysis_arguments(check)
    check.add_argument("--fail-on", choices=FAIL_ON, default="error",
                       help="exit 1 when a finding of this severity or worse counts (default: error); new: any "
                       "warning or error not in --baseline. Suppressed findings never count; with --baseline only "
                       "new ones do")
    check.add_argument("--baseline", metavar="REPORT.json",
                       help="a previous JSON report: only findings not in it (matched by code, resource and path) "
                       "count for --fail-on; the report says which are new, unchanged and resolved")
    add_config_arguments(check)
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour in table output (default: auto = only on a terminal)")
    from core.live.cli_args import add_arguments as add_live_arguments

    add_live_arguments(check)

    check.add_argument("--report-url", metavar="URL",
                       help="show the last report of a MES Doctor watcher (`mesdoctor watch`: its base URL, or a "
                       "snapshot file's URL) instead of analysing: no cluster credentials needed")

    from core.cli_diff import add_diff_parser

    add_diff_parser(sub, add_common=add_analysis_arguments)

    from core.migrate.cli import add_parser as add_migrate_parser

    add_migrate_parser(sub)

    from core.cli_watch import add_watch_parser

    add_watch_parser(sub, add_common=add_analysis_arguments)

    codes = sub.add_parser("codes", help="list every finding code with its explanation")
    codes.add_argument("--format", "-f", choices=("table", "json", "markdown"), default="table")
    return parser


def add_analysis_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of an analysis (`check` and `diff`): target, zone, clock, limits."""
    parser.add_argument("--kuma-version", default="auto", metavar="VERSION",
                        help=f"target control plane: auto (default) or one of {', '.join(SUPPORTED)}")
    parser.add_argument("--zone", default=None,
                        help="zone whose egress is modelled (default: detected from the input: the control plane, "
                        f"ZoneEgresses, the kuma.io/zone labels of zone-created MES; else {DEFAULT_ZONE})")
    parser.add_argument("--system-namespace", default=DEFAULT_SYSTEM_NAMESPACE,
                        help=f"Kuma system namespace on Kubernetes (default: {DEFAULT_SYSTEM_NAMESPACE})")
    parser.add_argument("--expiry-warning-days", type=int, default=DEFAULT_EXPIRY_WARNING_DAYS, metavar="N",
                        help="certificates expiring within N days are a warning "
                        f"(default: {DEFAULT_EXPIRY_WARNING_DAYS})")
    parser.add_argument("--now", metavar="ISO-8601", help="evaluate dates as of this instant (default: current time)")
    parser.add_argument("--federated", action="store_true",
                        help="the zone is connected to a Global control plane (origin label rules apply)")
    parser.add_argument("--complete", action="store_true",
                        help="the input holds every Secret, ZoneEgress, MeshIdentity and Dataplane of the zone: "
                        "their absence is reported as a problem, not as a coverage note (live sources set this per "
                        "kind they listed)")
    defaults = Limits()
    parser.add_argument("--max-file-size", type=float, default=defaults.max_file_bytes / MIB, metavar="MB",
                        help="skip (with finding MES003) any file or archive member larger than this "
                        f"(MiB, default: {defaults.max_file_bytes / MIB:g})")
    parser.add_argument("--max-total-size", type=float, default=defaults.max_total_bytes / MIB, metavar="MB",
                        help="stop reading (with finding MES003) once the input adds up to more than this "
                        f"(MiB, default: {defaults.max_total_bytes / MIB:g})")


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
    if args.command not in ("check", "diff", "migrate", "watch"):
        parser.print_help(out)
        return EXIT_USAGE
    from core.gate.apply import BaselineError
    from core.gate.config import ConfigError
    from core.gate.git import GitError

    try:
        if args.command == "diff":
            from core.cli_diff import run_diff

            return run_diff(args, out, err)
        if args.command == "migrate":
            from core.migrate.cli import run_migrate

            return run_migrate(args, out, err)
        if args.command == "watch":
            from core.cli_watch import run_watch

            return run_watch(args, out, err)
        code = run_check(args, out, err)
        _ENDS_AT_ONCE.append(True)
        return code
    except (UsageError, ConfigError, BaselineError, GitError) as exc:
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
    except MemoryError:  # the loader's limits keep inputs well below this; a message, never a traceback
        err.write("mesdoctor: error: the machine ran out of memory analysing this input; split it or lower "
                  "--max-file-size / --max-total-size (docs/deploy.md, \"Memory and time limits\")\n")
        return EXIT_USAGE


def entry() -> None:
    """The `mesdoctor` command (and `python -m core`): `main()`, then exit with its code.

    A `check` ends without tearing its heap down: once its output is written and flushed, `os._exit`. Freeing an
    analysis' millions of objects one by one at interpreter exit takes 0.1-0.2 s per 3,000 MES (about 7 % of the
    command) and does nothing a process exit does not: `check` registers no exit hooks, closes its output file
    itself and removes its temporary directories as it goes. The other commands (a watcher's threads, diff,
    migrate) exit the ordinary way, and so does a run under a profiler or tracer (cProfile, coverage), which
    writes its results at exit."""
    code = main()
    if _ENDS_AT_ONCE and sys.getprofile() is None and sys.gettrace() is None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: the ordinary exit ignores it too
                stream.flush()
        os._exit(code)
    sys.exit(code)


_ENDS_AT_ONCE: list[bool] = []  # non-empty once a `check` has run to its end (see `entry`)


def run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    options = options_from_args(args)
    sample_name(args)
    if args.fail_on == "new" and not args.baseline:
        raise UsageError("--fail-on new needs --baseline REPORT.json (the report new findings are compared with)")
    baseline = None
    if args.baseline:
        from core.gate.apply import load_baseline

        baseline = load_baseline(args.baseline)
    config = gate_config(args, args.paths)
    if args.report_url:
        report = read_report_url(args, err)
        return finish_check(report, args, config, baseline, out, err)
    sources: list[Source] = []
    if args.sample:
        from core.sample import sample_sources

        sources.extend(sample_sources(options.resolved_now(), args.sample))
    if args.paths:
        sources.extend(sources_from_paths(args.paths, max_file_bytes=options.limits.max_file_bytes))
    live = read_live(args, options, err)
    if not sources and not args.sample and live is None:
        raise UsageError("nothing to check: give PATHs (files, directories, - for stdin), --sample, or a live "
                         "source (--kube, --kube-context, --in-cluster, --kuma-url, --url)")
    report = analyse(sources, options, preloaded=live)
    return finish_check(report, args, config, baseline, out, err)


def finish_check(report: Report, args: argparse.Namespace, config: GateConfig, baseline: Any, out: TextIO,
                 err: TextIO) -> int:
    """The gate, the notes, the output and the exit code of `check` for an analysed (or a watcher's) report."""
    from core.gate.apply import apply_gate, baseline_note

    apply_gate(report, config, baseline)
    if args.format == "table" and not report.version_detected and report.version_source != "chosen":
        err.write(f"mesdoctor: note: {version_note(report)}\n")
    note = baseline_note(baseline, report) if baseline is not None else None
    if note:
        err.write(f"mesdoctor: note: {note}\n")
    colour = args.color == "always" or (args.color == "auto" and is_tty(out) and not args.output)
    write_output(lambda stream: emit(report, args.format, stream, colour=colour), args.output, out)
    return exit_code(report, args.fail_on)


def read_report_url(args: argparse.Namespace, err: TextIO) -> Report:
    """`--report-url`: a watcher's last report (core/watch/client.py), instead of an analysis."""
    from core.live.cli_args import policy_from_args
    from core.watch.client import WatcherSpec, fetch_report

    given = [flag for flag, value in (("PATH", args.paths), ("--sample", args.sample), ("--kube", args.kube),
                                      ("--kube-context", args.kube_context), ("--in-cluster", args.in_cluster),
                                      ("--kuma-url", args.kuma_url), ("--url", args.url)) if value]
    if given:
        raise UsageError(f"--report-url shows a watcher's report: it cannot be combined with {given[0]}")
    analysis = [flag for flag, value in (("--kuma-version", args.kuma_version != "auto"), ("--zone", args.zone),
                                         ("--now", args.now)) if value]
    if analysis:
        err.write(f"mesdoctor: note: {analysis[0]} does not apply to a watcher's report (it was analysed with the "
                  "watcher's options)\n")
    try:
        policy = policy_from_args(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    found = fetch_report(WatcherSpec(args.report_url, timeout=args.live_timeout), policy=policy)
    if found.stale:
        err.write(f"mesdoctor: note: {found.label}: the watcher's last read failed; this is its last good analysis "
                  f"(of {found.report.now:%Y-%m-%d %H:%M} UTC)\n")
    return found.report


def write_output(text: str | Callable[[TextIO], object], output: str | None, out: TextIO) -> None:
    """Write `text` (or what the writer `text` writes to the stream it is given) to the file `output`, else `out`."""
    def write(stream: TextIO) -> None:
        if callable(text):
            text(stream)
        else:
            stream.write(text)

    if output:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                write(fh)
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
    else:
        write(out)


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--config", metavar="FILE",
                       help="the gate's configuration (suppressions); default: .mesdoctor.yaml found upwards from "
                       "the inputs, up to the repository root")
    group.add_argument("--no-config", action="store_true", help="read no .mesdoctor.yaml (annotations still apply)")


def gate_config(args: argparse.Namespace, paths: list[str]) -> GateConfig:
    """The configuration file named by --config, else found from the inputs (none with --no-config)."""
    from core.gate.config import GateConfig, find_config, load_config

    if args.no_config:
        return GateConfig()
    if args.config:
        if not os.path.isfile(args.config):
            raise UsageError(f"--config {args.config}: no such file")
        return load_config(args.config)
    found = find_config(list(paths))
    return load_config(found) if found else GateConfig()


def sample_name(args: argparse.Namespace) -> None:
    """`--sample` takes an optional sample name, so `--sample manifests/` reads as `--sample` and a PATH (the
    sample with a what-if overlay) when that PATH exists; any other word must name a sample."""
    name = args.sample
    if name is None or name in SAMPLES:
        return
    if name == "-" or os.path.exists(name):
        args.paths = [name, *args.paths]
        args.sample = DEFAULT_SAMPLE
        return
    raise UsageError(f"--sample: no sample called {name!r} (choose {' or '.join(SAMPLES)}; a PATH that exists is "
                     "read as input)")


def version_note(report: Report) -> str:
    """The one-line question when the kuma-cp version was not detected (a plain kubectl export)."""
    return (f"kuma-cp version not detected: analysed as {report.kuma_version}; pass --kuma-version 2.9 if the zone "
            "runs 2.9.x")


def read_live(args: argparse.Namespace, options: AnalysisOptions, err: TextIO) -> LoadResult | None:
    """Read the live sources the options name (LiveSourceError on failure); notes go to stderr."""
    from core.live import fetch_all
    from core.live.cli_args import policy_from_args, specs_from_args

    try:
        specs = specs_from_args(args, options.system_namespace)
        policy = policy_from_args(args)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if not specs:
        return None
    # fetched_at is the real time of the read, whatever --now says about evaluating dates
    result = fetch_all(specs, limits=options.limits, system_namespace=options.system_namespace, policy=policy)
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


def exit_code(report: Report, fail_on: str) -> int:
    """1 when a finding that counts (not suppressed; with a baseline, new) reaches the threshold. `new` is
    `warning` against a baseline."""
    if fail_on == "never":
        return EXIT_OK
    threshold = {"error": Severity.ERROR.rank, "warning": Severity.WARNING.rank, "new": Severity.WARNING.rank}[fail_on]
    counted = report.gate.counted(report.findings) if report.gate is not None else report.findings
    return EXIT_FAIL if any(f.severity.rank <= threshold for f in counted) else EXIT_OK
