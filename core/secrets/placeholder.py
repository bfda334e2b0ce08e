"""Placeholder Secrets for a what-if: "what if the Secret this reference names existed where Kuma looks?".

A presenter (or an operator weighing a fix) stubs the Secret of a failing reference and sees what the
control plane would then do: the reference loads, the 2.9 cascade behind it is lifted, and the MES itself
is left with what a placeholder really is — bytes that are not PEM (MES301). The placeholder carries no
key material of any kind, real or generated: only a fixed line of text saying what it is, so nothing a
stub produces can be mistaken for (or used as) a certificate or a key.
"""

from __future__ import annotations

import base64

import yaml

from core.model import Flavour, ReferenceStatus, SecretReference
from core.secrets.lookup import KUMA_SECRET_TYPE, MESH_LABEL

PLACEHOLDER_VALUE = b"MES Doctor what-if placeholder: not a certificate and not a key\n"
PLACEHOLDER_ANNOTATION = "mesdoctor.io/placeholder"
# A Secret of this name placed where Kuma looks makes the reference load: nothing of that name is
# visible (not found), or the one that exists is in another namespace (a stub in the system namespace
# does not replace it). Other statuses concern a Secret that is where Kuma looks but is wrong: stubbing
# over it would hide the real problem, so they get no stub.
STUBBABLE = frozenset({ReferenceStatus.NOT_FOUND, ReferenceStatus.WRONG_NAMESPACE})


def can_stub(reference: SecretReference) -> bool:
    """Whether a placeholder Secret would make this reference load (a named Secret that is missing)."""
    return bool(reference.secret) and reference.status in STUBBABLE


def placeholder_manifest(reference: SecretReference, *, flavour: Flavour, system_namespace: str) -> str:
    """The YAML of a placeholder Secret for `reference`: its name, its MES's mesh, where Kuma reads Secrets.

    `flavour` is the MES's (a Kubernetes MES reads Kubernetes Secrets of the system namespace labelled with
    its mesh; a Universal one reads the mesh's Secrets).
    """
    if not can_stub(reference):
        raise ValueError(f"a placeholder does not fix a {reference.status.value} reference")
    name = str(reference.secret)
    value = base64.b64encode(PLACEHOLDER_VALUE).decode("ascii")
    note = (f"what-if placeholder for {reference.field} of MeshExternalService {reference.service.name}: "
            "no TLS material")
    if flavour is Flavour.KUBERNETES:
        doc: dict[str, object] = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": name,
                "namespace": system_namespace,
                "labels": {MESH_LABEL: reference.mesh},
                "annotations": {PLACEHOLDER_ANNOTATION: note},
            },
            "type": KUMA_SECRET_TYPE,
            "data": {"value": value},
        }
    else:
        doc = {"type": "Secret", "name": name, "mesh": reference.mesh, "data": value}
    return f"# {note}\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def placeholder_file_name(reference: SecretReference) -> str:
    """A file name for the stub layer (`stub-<secret>.yaml`, made of safe characters)."""
    safe = "".join(c if c.isalnum() or c in "-._" else "-" for c in str(reference.secret))[:80] or "secret"
    return f"stub-{safe}.yaml"
