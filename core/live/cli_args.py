"""The live-source options of `mesdoctor check`, kept here so core/cli.py stays thin."""

from __future__ import annotations

import argparse
import os
import sys

from core.live.guard import ALLOW_FLAG
from core.live.policy import DEFAULT_PLUGIN_TIMEOUT, ReadPolicy
from core.live.specs import DEFAULT_TIMEOUT, KubeSpec, KumaApiSpec, LiveSpec, UrlSpec

TOKEN_VARIABLE = "KUMA_API_TOKEN"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "live sources",
        "Read resources straight from a cluster, a control plane or a URL; PATHs given as well are applied "
        "on top (a what-if overlay: a local definition replaces the live one).")
    group.add_argument("--kube", action="store_true",
                       help="read the Kubernetes cluster of the kubeconfig's current context")
    group.add_argument("--kube-context", metavar="NAME", help="read the cluster of this kubeconfig context")
    group.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig to use (default: $KUBECONFIG, ~/.kube/config)")
    group.add_argument("--in-cluster", action="store_true",
                       help="read the cluster MES Doctor runs in, with the pod's service account")
    group.add_argument("--kuma-url", metavar="URL",
                       help=f"read a Kuma control plane's REST API (token from ${TOKEN_VARIABLE}, if set)")
    group.add_argument("--kuma-mesh", metavar="MESH", action="append", default=[],
                       help="with --kuma-url: read only this mesh (repeatable; default: every mesh)")
    group.add_argument("--kuma-ca-file", metavar="FILE", help="CA certificate(s) that sign the API's TLS certificate")
    group.add_argument("--kuma-insecure", action="store_true", help="do not verify the API's TLS certificate")
    group.add_argument("--url", metavar="URL", action="append", default=[],
                       help="fetch a manifest file or archive over http(s) (repeatable)")
    group.add_argument("--live-timeout", metavar="SECONDS", type=float, default=DEFAULT_TIMEOUT,
                       help=f"timeout of each live connection and read (default: {DEFAULT_TIMEOUT:g})")
    group.add_argument("--kube-exec-timeout", metavar="SECONDS", type=float, default=DEFAULT_PLUGIN_TIMEOUT,
                       help="how long a kubeconfig credential plugin (exec:, e.g. aws eks get-token) may run before "
                       f"it is stopped (default: {DEFAULT_PLUGIN_TIMEOUT:g})")
    group.add_argument(ALLOW_FLAG, action="store_true",
                       help="allow live sources to connect to link-local and cloud-metadata addresses "
                       "(169.254.0.0/16, fe80::/10, metadata.google.internal...), refused by default")


def specs_from_args(args: argparse.Namespace, system_namespace: str) -> list[LiveSpec]:
    """The live sources the options ask for, in order: cluster, control plane, URLs.

    Raises ValueError (a usage error) for contradictory options.
    """
    timeout = args.live_timeout
    if not timeout or timeout <= 0:
        raise ValueError("--live-timeout must be more than 0")
    specs: list[LiveSpec] = []
    if args.in_cluster and (args.kube_context or args.kubeconfig):
        raise ValueError("--in-cluster cannot be combined with --kube-context or --kubeconfig")
    if args.kube or args.kube_context or args.kubeconfig or args.in_cluster:
        specs.append(KubeSpec(context=args.kube_context, kubeconfig=args.kubeconfig, in_cluster=args.in_cluster,
                              system_namespace=system_namespace, timeout=timeout))
    kuma_only = [name for name, value in (("--kuma-mesh", args.kuma_mesh), ("--kuma-ca-file", args.kuma_ca_file),
                                          ("--kuma-insecure", args.kuma_insecure)) if value]
    if kuma_only and not args.kuma_url:
        raise ValueError(f"{kuma_only[0]} needs --kuma-url")
    if args.kuma_ca_file and args.kuma_insecure:
        raise ValueError("--kuma-ca-file and --kuma-insecure exclude each other")
    if args.kuma_url:
        specs.append(KumaApiSpec(url=args.kuma_url, token=os.environ.get(TOKEN_VARIABLE) or None,
                                 ca_file=args.kuma_ca_file, insecure=args.kuma_insecure,
                                 meshes=tuple(args.kuma_mesh), timeout=timeout))
    specs.extend(UrlSpec(url=u, timeout=timeout) for u in args.url)
    return specs


def policy_from_args(args: argparse.Namespace) -> ReadPolicy:
    """The CLI is the operator's own tool: error bodies may be quoted (a short, scrubbed excerpt), credential
    plugins run (and may prompt on a terminal); the network guard applies unless --allow-link-local."""
    timeout = args.kube_exec_timeout
    if not timeout or not 0 < timeout < 3600:
        raise ValueError("--kube-exec-timeout must be a number of seconds between 0 and 3600")
    try:
        interactive = sys.stdin.isatty()
    except (AttributeError, ValueError):
        interactive = False
    return ReadPolicy.local(allow_link_local=args.allow_link_local, interactive=interactive, plugin_timeout=timeout,
                            hint=f"allow it with {ALLOW_FLAG}")
