"""Local mode stays local: the dashboard in `local` mode listens on a loopback address unless the operator
opts in, in words that say what it exposes.

`local` mode lets whoever opens the dashboard type URLs, file paths and kubeconfigs, and run the kubeconfig's
credential plugins: right for one user on their own machine, wrong for anyone else on the network. So
`make run` binds 127.0.0.1; listening on another interface needs `MESDOCTOR_MODE=shared`, or
`MESDOCTOR_EXPOSE_LOCAL_MODE=yes` (e.g. a dashboard in a container whose port is published only to
localhost). The Makefile runs `python -m core.exposure ADDRESS` before starting Streamlit, and every page of the
dashboard checks the same (ui/deployment.py), so neither way round starts an exposed local-mode dashboard.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Mapping, Sequence

EXPOSE_VARIABLE = "MESDOCTOR_EXPOSE_LOCAL_MODE"
LOOPBACK_NAMES = ("localhost", "localhost.", "ip6-localhost", "ip6-loopback")


def is_loopback(address: str | None) -> bool:
    """Whether Streamlit's `server.address` keeps the server on this machine. Unset or empty: Streamlit listens
    on every interface, so not loopback."""
    text = (address or "").strip().strip("[]").lower()
    if not text:
        return False
    if text in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def exposure_opt_in(environ: Mapping[str, str]) -> bool:
    return (environ.get(EXPOSE_VARIABLE) or "").strip().lower() == "yes"


def exposure_problem(shared: bool, address: str | None, environ: Mapping[str, str]) -> str | None:
    """Why this server must not run (None: it may). Shared mode may listen anywhere; local mode only on loopback,
    unless the operator opted in."""
    if shared or is_loopback(address) or exposure_opt_in(environ):
        return None
    where = address.strip() if address and address.strip() else "every network interface"
    return (f"MES Doctor runs in local mode (MESDOCTOR_MODE=local) but would listen on {where}: every visitor "
            "could make this server read any URL, file or cluster it can reach and run kubeconfig credential "
            "plugins. Listen on 127.0.0.1 (make run does by default), or serve a team with MESDOCTOR_MODE=shared "
            f"(docs/deploy.md), or, knowing what it exposes, set {EXPOSE_VARIABLE}=yes.")


def exposure_warning(shared: bool, address: str | None, environ: Mapping[str, str]) -> str | None:
    """The banner of a local-mode dashboard the operator knowingly exposed (None when there is nothing to say)."""
    if shared or is_loopback(address) or not exposure_opt_in(environ):
        return None
    return (f"This dashboard runs in **local mode** on a network address ({EXPOSE_VARIABLE}=yes): whoever opens it "
            "can make the server read any URL, file or cluster it can reach and run kubeconfig credential plugins. "
            "For a team, use shared mode (docs/deploy.md).")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m core.exposure ADDRESS`: exit 0 when the dashboard may listen there with these settings, else 2
    with the reason (also for invalid settings: the server refuses to start with them)."""
    from core.settings import SettingsError, load_settings

    args = list(sys.argv[1:] if argv is None else argv)
    address = args[0] if args else ""
    try:
        settings = load_settings()
    except SettingsError as exc:
        sys.stderr.write(f"mesdoctor: invalid server settings: {exc}\n")
        return 2
    problem = exposure_problem(settings.shared, address, os.environ)
    if problem:
        sys.stderr.write(f"mesdoctor: refusing to start: {problem}\n")
        return 2
    sys.stdout.write(f"mesdoctor: {settings.mode.value} mode, listening on {address or 'every interface'}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
