"""The kuma-cp log lines and error chains a failing TLS data source produces (reference 5.7).

kuma-cp logs with zap's console encoder: `<time>\\tERROR\\txds.outbound\\t<message>\\t{fields}`, the
fields being JSON with `name` (the core name: `name.namespace` on Kubernetes), `mesh`, `error`
and `errorVerbose` (a stack). The predicted line leaves out the timestamp and the stack.
"""

from __future__ import annotations

import json

from core.versions import KumaVersion

LOGGER = "xds.outbound"
EGRESS_MESSAGE = "unable to create MeshExternalService endpoint. Endpoint won't be included in the XDS."
SIDECAR_MESSAGE = "unable to create MeshExternalService endpoint for egress. Endpoint won't be included in the XDS."


def not_found_error(version: KumaVersion, name: str, mesh: str) -> str:
    """The Secret loader's error for a missing Secret (`Resource not found` on 2.9/2.10)."""
    head = "Resource not found" if version.capital_resource_not_found else "resource not found"
    return f'could not load data: {head}: type="Secret" name="{name}" mesh="{mesh}"'


def error_chain(field: str, inner: str) -> str:
    """Outermost first: `could not load caCert: <inner>`."""
    return f"could not load {field}: {inner}"


def log_line(core_name: str, mesh: str, chain: str, *, message: str = EGRESS_MESSAGE) -> str:
    fields = json.dumps({"name": core_name, "mesh": mesh, "error": chain}, ensure_ascii=False)
    return f"ERROR\t{LOGGER}\t{message}\t{fields}"


def sidecar_log_line(version: KumaVersion, core_name: str, mesh: str, chain: str) -> str | None:
    """2.10+ also load the TLS material for the sidecar-side endpoints and log this second line."""
    if not version.logs_sidecar_egress_failure:
        return None
    return log_line(core_name, mesh, chain, message=SIDECAR_MESSAGE)
