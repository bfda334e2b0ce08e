"""Regenerates the generated families of this folder: `python tests/data/hostile/generate.py`.

* `wrong-type-<field>.yaml`: one MeshExternalService per wrong value of one MES field (every field of
  the schema, legacy and 3.0 data-source shapes included).
* `ports-*.yaml`: negative and overflowing ports and priorities.

Every other file of the folder is written by hand. Names start with `zz-` so the MES sort after the
baseline's `aa-` ones in Kuma's list order (a 2.9 cascade from them cannot reach the baseline).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
HUGE = 10**100

STRINGS: list[Any] = [5, ["x"], {"a": 1}, True, None]  # where a string belongs
INTEGERS: list[Any] = ["443", 443.5, True, [443], {"a": 1}, None, HUGE]  # where an integer belongs
MAPPINGS: list[Any] = ["text", [1, 2], 5, True, None]  # where a mapping belongs
LISTS: list[Any] = ["text", {"a": 1}, 5, None, [None], ["x"], [[1]]]  # where a list belongs
BOOLEANS: list[Any] = ["yes please", 1, [True], {"a": 1}, None]  # where a boolean belongs

LEGACY_CA = {"secret": "aa-partner-ca"}
SECURE_CA = {"type": "Secret", "secretRef": {"kind": "Secret", "name": "aa-partner-ca"}}


def base_spec() -> dict[str, Any]:
    return {
        "match": {"type": "HostnameGenerator", "port": 443, "protocol": "tcp"},
        "endpoints": [{"address": "zz.example.com", "port": 443, "priority": 0}],
        "tls": {
            "enabled": True,
            "version": {"min": "TLS12", "max": "TLS13"},
            "verification": {
                "mode": "Secured",
                "serverName": "zz.example.com",
                "subjectAltNames": [{"type": "Exact", "value": "zz.example.com"}],
                "caCert": dict(LEGACY_CA),
                "clientCert": {"secret": "aa-partner-cert"},
                "clientKey": {"secret": "aa-partner-key"},
            },
        },
    }


def extension_spec() -> dict[str, Any]:
    return {"match": {"type": "HostnameGenerator", "port": 443, "protocol": "tcp"},
            "extension": {"type": "Lambda", "config": {"arn": "x"}}}


# field -> (spec maker, path, wrong values)
FIELDS: dict[str, tuple[Any, tuple[Any, ...], list[Any]]] = {
    "spec": (base_spec, (), ["text", [1], 5, True]),
    "match": (base_spec, ("match",), MAPPINGS),
    "match-port": (base_spec, ("match", "port"), INTEGERS),
    "match-protocol": (base_spec, ("match", "protocol"), STRINGS),
    "match-type": (base_spec, ("match", "type"), STRINGS),
    "endpoints": (base_spec, ("endpoints",), LISTS),
    "endpoint-address": (base_spec, ("endpoints", 0, "address"), STRINGS),
    "endpoint-port": (base_spec, ("endpoints", 0, "port"), INTEGERS),
    "endpoint-priority": (base_spec, ("endpoints", 0, "priority"), INTEGERS),
    "tls": (base_spec, ("tls",), MAPPINGS),
    "tls-enabled": (base_spec, ("tls", "enabled"), BOOLEANS),
    "tls-version": (base_spec, ("tls", "version"), MAPPINGS),
    "tls-version-min": (base_spec, ("tls", "version", "min"), STRINGS),
    "tls-version-max": (base_spec, ("tls", "version", "max"), STRINGS),
    "verification": (base_spec, ("tls", "verification"), MAPPINGS),
    "verification-mode": (base_spec, ("tls", "verification", "mode"), STRINGS),
    "server-name": (base_spec, ("tls", "verification", "serverName"), STRINGS),
    "subject-alt-names": (base_spec, ("tls", "verification", "subjectAltNames"), LISTS),
    "subject-alt-name-item": (base_spec, ("tls", "verification", "subjectAltNames", 0), MAPPINGS),
    "subject-alt-name-type": (base_spec, ("tls", "verification", "subjectAltNames", 0, "type"), STRINGS),
    "subject-alt-name-value": (base_spec, ("tls", "verification", "subjectAltNames", 0, "value"), STRINGS),
    "ca-cert": (base_spec, ("tls", "verification", "caCert"), MAPPINGS),
    "ca-cert-secret": (base_spec, ("tls", "verification", "caCert", "secret"), STRINGS),
    "ca-cert-inline": (base_spec, ("tls", "verification", "caCert", "inline"), STRINGS),
    "ca-cert-inline-string": (base_spec, ("tls", "verification", "caCert", "inlineString"), STRINGS),
    "client-cert": (base_spec, ("tls", "verification", "clientCert"), MAPPINGS),
    "client-cert-secret": (base_spec, ("tls", "verification", "clientCert", "secret"), STRINGS),
    "client-key": (base_spec, ("tls", "verification", "clientKey"), MAPPINGS),
    "client-key-secret": (base_spec, ("tls", "verification", "clientKey", "secret"), STRINGS),
    "secure-type": (base_spec, ("tls", "verification", "caCert", "type"), STRINGS),
    "secure-secret-ref": (base_spec, ("tls", "verification", "caCert", "secretRef"), MAPPINGS),
    "secure-secret-ref-kind": (base_spec, ("tls", "verification", "caCert", "secretRef", "kind"), STRINGS),
    "secure-secret-ref-name": (base_spec, ("tls", "verification", "caCert", "secretRef", "name"), STRINGS),
    "secure-insecure-inline": (base_spec, ("tls", "verification", "caCert", "insecureInline"), MAPPINGS),
    "secure-insecure-inline-value": (base_spec, ("tls", "verification", "caCert", "insecureInline", "value"),
                                     STRINGS),
    "extension": (extension_spec, ("extension",), MAPPINGS),
    "extension-type": (extension_spec, ("extension", "type"), STRINGS),
    "extension-config": (extension_spec, ("extension", "config"), ["text", 5, True, None]),
}
SECURE_SHAPE = {"secure-type", "secure-secret-ref", "secure-secret-ref-kind", "secure-secret-ref-name"}
INSECURE_INLINE = {"secure-insecure-inline", "secure-insecure-inline-value"}
LEGACY_INLINE = {"ca-cert-inline": "inline", "ca-cert-inline-string": "inlineString"}


def put(spec: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    target = spec
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return spec


def prepared(field: str, maker: Any) -> dict[str, Any]:
    spec = maker()
    verification = spec.get("tls", {}).get("verification", {})
    if field in SECURE_SHAPE:
        verification["caCert"] = copy.deepcopy(SECURE_CA)
    elif field in INSECURE_INLINE:
        verification["caCert"] = {"type": "InsecureInline", "insecureInline": {"value": "x"}}
    elif field in LEGACY_INLINE:
        verification["caCert"] = {LEGACY_INLINE[field]: "x"}
    return spec


def label(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "bool"
    if isinstance(value, int) and value == HUGE:
        return "huge"
    return {str: "string", int: "int", float: "float", list: "list", dict: "map"}[type(value)] + (
        f"-{label(value[0])}" if isinstance(value, list) and value else "")


def document(name: str, spec: Any) -> str:
    body = json.dumps(spec)  # JSON is YAML; flow style keeps every variant on one line
    return ("apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata:\n"
            f"  name: {name}\n  namespace: kuma-system\n  labels:\n    kuma.io/mesh: default\n"
            f"spec: {body}\n")


def wrong_type_files() -> dict[str, str]:
    out: dict[str, str] = {}
    for field, (maker, path, values) in FIELDS.items():
        docs = [f"# {'.'.join(map(str, ('spec', *path)))} with the wrong type, one MES per value (generate.py)\n"]
        for value in values:
            spec = put(prepared(field, maker), path, copy.deepcopy(value))
            docs.append(document(f"zz-{field}-{label(value)}", spec))
        out[f"wrong-type-{field}.yaml"] = "---\n".join(docs)
    return out


PORTS = [-1, 0, 65536, 2**31, 2**63, HUGE]
PRIORITIES = [-1, 129, 2**31, 2**63, HUGE]


def port_files() -> dict[str, str]:
    def family(title: str, path: tuple[Any, ...], values: list[int]) -> str:
        docs = [f"# {title}, one MES per value (generate.py)\n"]
        for value in values:
            tag = "huge" if value == HUGE else str(value).replace("-", "minus")
            docs.append(document(f"zz-{path[-1].lower()}-{tag}", put(base_spec(), path, value)))
        return "---\n".join(docs)

    return {
        "ports-match.yaml": family("spec.match.port out of range", ("match", "port"), PORTS),
        "ports-endpoint.yaml": family("spec.endpoints[0].port out of range", ("endpoints", 0, "port"), PORTS),
        "ports-priority.yaml": family("spec.endpoints[0].priority out of range", ("endpoints", 0, "priority"),
                                      PRIORITIES),
    }


def main() -> None:
    for name, text in {**wrong_type_files(), **port_files()}.items():
        (HERE / name).write_text(text)


if __name__ == "__main__":
    main()
