"""The isolated egress endpoint builder: what kuma-cp puts on the zone egress for each MES.

Public API:
* `build(ctx, version) -> EndpointMap` (core/analysis.py calls it for the target version and 2.9)
* `destination(ctx, mes, version)` for one MES, `reachable(labels, version, zone)`
* `effective_labels(resource, options)`, `display_name(resource, labels)` (labels.py)
* naming helpers: `identifiers`, `legacy_destination_name`, `kri`, `legacy_sni`, `kri_sni`, `hostname`
* `upstream_tls(view, version, materials)` and `read_spec(spec)` for the TLS behaviour
"""

from core.builder.build import build, destination, reachable
from core.builder.labels import display_name, effective_labels
from core.builder.names import (
    Identifiers,
    hostname,
    identifiers,
    kri,
    kri_sni,
    legacy_destination_name,
    legacy_sni,
)
from core.builder.spec import MesView, read_spec
from core.builder.tls import materials, upstream_tls

__all__ = [
    "Identifiers",
    "MesView",
    "build",
    "destination",
    "display_name",
    "effective_labels",
    "hostname",
    "identifiers",
    "kri",
    "kri_sni",
    "legacy_destination_name",
    "legacy_sni",
    "materials",
    "reachable",
    "read_spec",
    "upstream_tls",
]
