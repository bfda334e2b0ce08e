"""The floor: the least any tool reading the same input must do, as a function and as a process.

    python -m benchmarks.floor DIR

parses every file of DIR with PyYAML's C loader (`yaml.load_all(data, Loader=yaml.CSafeLoader)`) and loads each
distinct certificate and key of the Secrets once with `cryptography`. As a process it is what the CLI is
measured against (`benchmarks.process`): an interpreter that imports only PyYAML and cryptography, reads the
bytes and does that, from start to exit. This module imports nothing of MES Doctor.
"""

from __future__ import annotations

import base64
import binascii
import os
import sys
from collections.abc import Iterable
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization


def floor(datas: Iterable[bytes]) -> dict[str, Any]:
    """Parse every document of each input (libyaml) and load each distinct certificate and key once."""
    documents: list[Any] = []
    for data in datas:
        documents.extend(yaml.load_all(data, Loader=yaml.CSafeLoader))
    payloads = {value for doc in documents for value in _payloads(doc)}
    parsed = 0
    for value in payloads:
        try:
            pem = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        try:
            if b"PRIVATE KEY-----" in pem:
                serialization.load_pem_private_key(pem, password=None)
                parsed += 1
            else:
                parsed += len(x509.load_pem_x509_certificates(pem))
        except ValueError:
            continue  # broken PEM: the analysis reports it, the floor just skips it
    return {"documents": len(documents), "distinct_payloads": len(payloads), "parsed": parsed}


def _payloads(doc: Any) -> list[str]:
    """The base64 payload of a Kubernetes (`data.value`) or Universal (`data`) Secret."""
    if not isinstance(doc, dict):
        return []
    data = doc.get("data")
    if doc.get("kind") == "Secret" and isinstance(data, dict):
        return [v for v in data.values() if isinstance(v, str)]
    if doc.get("type") in ("Secret", "GlobalSecret") and isinstance(data, str):
        return [data]
    return []


def files(directory: str) -> list[bytes]:
    """The bytes of every file under `directory`, in a stable order."""
    out = []
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        for name in sorted(names):
            with open(os.path.join(root, name), "rb") as fh:
                out.append(fh.read())
    return out


def main(argv: list[str]) -> int:
    (directory,) = argv
    facts = floor(files(directory))
    print(facts["documents"], facts["parsed"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
