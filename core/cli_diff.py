"""`mesdoctor diff`: what a change does to the mesh, from two inputs.

BEFORE and AFTER are each a manifest path (file, directory, archive, `-` for stdin) or a saved JSON report;
with `--git-base REV` they are the same PATHs at that revision and in the working tree (or `--git-head`).
Both sides are analysed with the same options and clock and compared with the one report diff
(core.report.diff.diff_reports, the same the dashboard's what-if uses)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from core.analysis import analyse
from core.cli import EXIT_FAIL, EXIT_OK, UsageError, add_config_arguments, gate_config, options_from_args, write_output
from core.gate.apply import BaselineError, apply_gate, check_report
from core.gate.config import GateConfig
from core.options import AnalysisOptions
from core.report.json_report import report_dict
from core.sources import Source, sources_from_paths

if TYPE_CHECKING:  # the diff's modules are imported by `mesdoctor diff` only, not by every `mesdoctor` start
    from core.report.diff_text import DiffSide

DIFF_FORMATS = ("table", "markdown", "json")
DIFF_FAIL_ON = ("never", "new", "error", "warning")
MAX_REPORT_BYTES = 512 * 1024 * 1024


def add_diff_parser(sub: Any, add_common: Callable[[argparse.ArgumentParser], None]) -> None:
    diff = sub.add_parser(
        "diff", help="what a change does: compare two inputs, two reports, or a path at a git revision",
        description="Compare BEFORE and AFTER (manifest paths, - for stdin, or JSON reports), or with --git-base "
        "the PATHs at a git revision and in the working tree: MES that change status or endpoint-map inclusion "
        "(target version and 2.9.x), new 2.9 cascade culprits and their victims, new and resolved findings, "
        "secret references, certificates added, removed, rotated or moved.")
    diff.add_argument("inputs", nargs="*", metavar="INPUT",
                      help="BEFORE AFTER; with --git-base: the PATHs to compare (default: .)")
    diff.add_argument("--git-base", metavar="REV",
                      help="BEFORE is the PATHs at this git revision (e.g. origin/main); AFTER the working tree")
    diff.add_argument("--git-head", metavar="REV", help="with --git-base: AFTER is the PATHs at this revision")
    diff.add_argument("--format", "-f", choices=DIFF_FORMATS, default="table",
                      help="table (default), markdown (a pull-request comment) or json")
    diff.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    diff.add_argument("--fail-on", choices=DIFF_FAIL_ON, default="never",
                      help="exit 1 when the change adds a finding (not suppressed) of this severity or worse; new: "
                      "a warning or an error (default: never)")
    add_common(diff)
    add_config_arguments(diff)


def run_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from core.report.diff import diff_reports
    from core.report.diff_text import new_counted, to_diff_json, to_diff_markdown, to_diff_table

    options = options_from_args(args)
    options = replace(options, now=options.resolved_now())  # one clock for both sides
    if args.git_head and not args.git_base:
        raise UsageError("--git-head needs --git-base")
    if args.git_base:
        before, after = _git_sides(args, options)
    else:
        if len(args.inputs) != 2:
            raise UsageError("diff needs BEFORE and AFTER (two paths or JSON reports), or --git-base REV [PATH...]")
        if args.inputs == ["-", "-"]:
            raise UsageError("only one side can be read from stdin (-)")
        before = _side(args.inputs[0], args, options)
        after = _side(args.inputs[1], args, options)
    diff = diff_reports(before.report, after.report)
    if args.format == "json":
        text = to_diff_json(diff, before, after)
    elif args.format == "markdown":
        text = to_diff_markdown(diff, before, after)
    else:
        text = to_diff_table(diff, before, after)
    write_output(text, args.output, out)
    return EXIT_FAIL if new_counted(diff, args.fail_on) else EXIT_OK


def _git_sides(args: argparse.Namespace, options: AnalysisOptions) -> tuple[DiffSide, DiffSide]:
    from core.gate.git import sources_at_revision
    from core.report.diff_text import DiffSide

    paths = args.inputs or ["."]
    cap = options.limits.max_file_bytes
    config = gate_config(args, paths)  # today's suppressions judge both sides
    shown = " ".join(paths)
    before = sources_at_revision(args.git_base, paths, max_file_bytes=cap)
    if args.git_head:
        after = sources_at_revision(args.git_head, paths, max_file_bytes=cap)
        after_label = f"{args.git_head}:{shown}"
    else:
        after = sources_from_paths(paths, max_file_bytes=cap)
        after_label = shown
    return (DiffSide(f"{args.git_base}:{shown}", _analysed(before, options, config)),
            DiffSide(after_label, _analysed(after, options, config)))


def _side(path: str, args: argparse.Namespace, options: AnalysisOptions) -> DiffSide:
    from core.report.diff_text import DiffSide

    report = _saved_report(path)
    if report is not None:
        return DiffSide(path, report)
    sources = sources_from_paths([path], max_file_bytes=options.limits.max_file_bytes)
    return DiffSide("stdin" if path == "-" else path, _analysed(sources, options, gate_config(args, [path])))


def _analysed(sources: list[Source], options: AnalysisOptions, config: GateConfig) -> dict[str, Any]:
    report = analyse(sources, options)
    apply_gate(report, config)
    return report_dict(report)


def _saved_report(path: str) -> dict[str, Any] | None:
    """A MES Doctor JSON report at `path`, else None (the path is read as manifests). A `.json` file that
    parses as an object with `schemaVersion` and `services` is a report; a Kubernetes List is not."""
    if path == "-" or not path.lower().endswith(".json") or not Path(path).is_file():
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_REPORT_BYTES + 1)
        value = json.loads(data.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # read as manifests: the loader reports what is wrong with it
    if not isinstance(value, dict) or "schemaVersion" not in value or "services" not in value:
        return None
    try:
        check_report(value, path)
    except BaselineError as exc:
        raise UsageError(str(exc)) from None
    return value
