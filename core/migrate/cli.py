"""The `migrate` subcommand's arguments and run: a thin layer over `core.migrate.migrate`."""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from core.options import DEFAULT_SYSTEM_NAMESPACE, AnalysisOptions
from core.versions import NEWEST_CURRENT, SUPPORTED, KumaVersion

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "migrate", help="turn legacy ExternalServices into MeshExternalService YAML",
        description="Read manifests (files, directories, archives, - for stdin, or a live source), turn every legacy "
        "ExternalService into the equivalent MeshExternalService of the target Kuma version (same form: Kubernetes or "
        "Universal) and print the YAML. What cannot be carried over is said as YAML comments and on stderr; the "
        "output is checked by MES Doctor itself (exit 1 when it has errors or an ExternalService cannot be migrated).")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (recursive); - reads stdin")
    parser.add_argument("--kuma-version", default=NEWEST_CURRENT, metavar="VERSION",
                        help=f"target control plane: one of {', '.join(SUPPORTED)} (default: {NEWEST_CURRENT})")
    parser.add_argument("--system-namespace", default=DEFAULT_SYSTEM_NAMESPACE,
                        help=f"Kuma system namespace on Kubernetes (default: {DEFAULT_SYSTEM_NAMESPACE})")
    parser.add_argument("--zone", default=None,
                        help="zone the MES are applied to, for the check of the result (default: detected from the "
                        "input, as `check` does; else default)")
    parser.add_argument("--federated", action="store_true",
                        help="the zone is connected to a Global control plane: label the MES kuma.io/origin: zone")
    parser.add_argument("--copy-inline-certificates", action="store_true",
                        help="copy inline CA / client certificates into the MES (never a private key); by default "
                        "inline material becomes a Secret reference to create")
    parser.add_argument("--now", metavar="ISO-8601",
                        help="evaluate certificate dates of the check as of this instant (default: current time)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the YAML to FILE instead of stdout")
    from core.live.cli_args import add_arguments as add_live_arguments

    add_live_arguments(parser)


def run_migrate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from core.cli import UsageError, parse_now, read_live
    from core.migrate.command import migrate
    from core.sources import sources_from_paths

    try:
        version = KumaVersion.parse(args.kuma_version)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    options = AnalysisOptions(kuma_version=str(version), zone=args.zone, system_namespace=args.system_namespace,
                              federated=args.federated, now=parse_now(args.now) if args.now else None)
    sources = sources_from_paths(args.paths, max_file_bytes=options.limits.max_file_bytes) if args.paths else []
    live = read_live(args, options, err)
    if not sources and live is None:
        raise UsageError("nothing to migrate: give PATHs (files, directories, - for stdin) or a live source")
    result = migrate(sources, options, preloaded=live, copy_inline_certificates=args.copy_inline_certificates)
    for note in result.notes:
        err.write(f"mesdoctor: migrate: {note}\n")
    for f in result.check:
        where = f" ({f.path})" if f.path else ""
        err.write(f"mesdoctor: migrate: check: {f.code} {f.severity.value}{where}: {f.message}\n")
    if result.migrations and not result.check:
        converted = sum(1 for m in result.migrations if m.converted)
        err.write(f"mesdoctor: migrate: {converted} MeshExternalService(s) for Kuma {version}, checked: no error or "
                  "warning on them\n")
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(result.text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from exc
    else:
        out.write(result.text)
    return EXIT_FAIL if result.failed else EXIT_OK
