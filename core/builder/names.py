"""Names kuma-cp derives from an MES: destination / cluster names, KRI, SNIs, hostname (section 5.2).

Inputs are always the *effective* labels (see `labels.py`): `name` is the display name,
`namespace` the `k8s.kuma.io/namespace` label, `zone` the `kuma.io/zone` label.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.builder.labels import NAMESPACE, ZONE, display_name
from core.model import Resource
from core.records import record

SHORT_NAME = "extsvc"
HOSTNAME_SUFFIX = "extsvc.mesh.local"
_FNV64_OFFSET = 0xCBF29CE484222325
_FNV64_PRIME = 0x100000001B3
_DNS_LABEL_LIMIT = 63


def legacy_destination_name(mesh: str, name: str, namespace: str, zone: str, port: int) -> str:
    """2.9-2.14 endpoint-map key and cluster name: `<mesh>_<name>_<namespace>_<zone>_extsvc_<port>`."""
    return f"{mesh}_{name}_{namespace}_{zone}_{SHORT_NAME}_{port}"


def kri(mesh: str, zone: str, namespace: str, name: str, section: str = "") -> str:
    """Kuma Resource Identifier; without a section it ends in `_` (e.g. `kri_extsvc_default_default__mes-tcp_`)."""
    return f"kri_{SHORT_NAME}_{mesh}_{zone}_{namespace}_{name}_{section}"


def legacy_sni(name: str, mesh: str, port: int) -> str:
    """Sidecar-to-egress SNI, hash format (2.9-2.14): `a<fnv64a("<name>;<mesh>;")>.<name>.<port>.<mesh>.mes`.

    Zone and namespace are not part of it: two MES of a mesh with the same display name collide.
    """
    h = _FNV64_OFFSET
    for byte in f"{name};{mesh};".encode():
        h = ((h ^ byte) * _FNV64_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"a{h:016x}.{_truncate(name)}.{port}.{_truncate(mesh)}.mes"


def kri_sni(mesh: str, zone: str, namespace: str, name: str, port: int) -> str:
    """KRI-derived SNI (optional on 2.14, always on 3.0): `sni.extsvc.<mesh>[.<zone>[.<namespace>]].<name>.<port>`."""
    segments = ["sni", SHORT_NAME, mesh]
    if zone:
        segments.append(zone)
        if namespace:
            segments.append(namespace)
    segments += [name, str(port)]
    return ".".join(segments)


def hostname(name: str) -> str:
    """What the default HostnameGenerators produce: `<display name>.extsvc.mesh.local`."""
    return f"{name}.{HOSTNAME_SUFFIX}"


def _truncate(value: str) -> str:
    raw = value.encode()
    if len(raw) <= _DNS_LABEL_LIMIT - 1:
        return value
    return raw[: _DNS_LABEL_LIMIT - 1].decode(errors="ignore") + "x"


@record
class Identifiers:
    """Every identifier of one MES (reference section 10 item 21), for logs and config dumps."""

    core_name: str
    display_name: str
    mesh: str
    namespace: str
    zone: str
    port: int
    legacy_name: str
    kri: str  # resource KRI (no section)
    kri_port: str  # KRI with the port as section: the 3.0 cluster / endpoint-map key
    legacy_sni: str
    kri_sni: str
    hostname: str


def identifiers(mes: Resource, labels: Mapping[str, str], port: int) -> Identifiers:
    name = display_name(mes, labels)
    namespace = labels.get(NAMESPACE, "")
    zone = labels.get(ZONE, "")
    return Identifiers(
        core_name=mes.core_name,
        display_name=name,
        mesh=mes.mesh,
        namespace=namespace,
        zone=zone,
        port=port,
        legacy_name=legacy_destination_name(mes.mesh, name, namespace, zone, port),
        kri=kri(mes.mesh, zone, namespace, name),
        kri_port=kri(mes.mesh, zone, namespace, name, str(port)),
        legacy_sni=legacy_sni(name, mes.mesh, port),
        kri_sni=kri_sni(mes.mesh, zone, namespace, name, port),
        hostname=hostname(name),
    )
