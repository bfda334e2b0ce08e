"""The loader says where redaction has work to do (`Resource.raw_redaction`), and the redacted
manifest built from that is exactly the full walk's (`redact_document`), payloads never included."""

from __future__ import annotations

import dataclasses

import pytest

from core.model import LAST_APPLIED, Redaction, Resource, SecretPayload, redact_document
from tests.core.loading.helpers import DATA, load_bytes

PLAIN_MES = b"""\
apiVersion: kuma.io/v1alpha1
kind: MeshExternalService
metadata:
  name: api
  namespace: kuma-system
  labels:
    kuma.io/mesh: default
spec:
  match: {port: 443}
  endpoints: [{address: api.example.com, port: 443}]
  tls: {enabled: true, verification: {caCert: {secret: api-ca}}}
"""

SECRET = b"""\
apiVersion: v1
kind: Secret
metadata:
  name: api-ca
  namespace: kuma-system
  labels: {kuma.io/mesh: default}
type: system.kuma.io/secret
data:
  value: UEVNLVBBWUxPQUQ=
"""

INLINE_MES = b"""\
type: MeshExternalService
name: api
mesh: default
spec:
  match: {port: 443}
  tls:
    enabled: true
    verification:
      caCert: {inlineString: "-----BEGIN CERTIFICATE-----TOPSECRET"}
"""

LAST_APPLIED_MES = PLAIN_MES.replace(
    b"  labels:\n",
    b"  annotations:\n    " + LAST_APPLIED.encode() + b': \'{"data": "TOPSECRET"}\'\n  labels:\n',
)

# the anchored mapping is merged at the top (where its key is seen) and copied by the alias deep
# inside the second merge, where its keys are not seen again
ALIASED_MES = b"""\
type: MeshExternalService
name: api
mesh: default
<<: &material {inline: VE9QU0VDUkVU}
<<: {spec: {match: {port: 443}, tls: {enabled: true, verification: {caCert: *material}}}}
"""

# a Secret nested in a list item: the loader does not vouch for list members
SECRET_LIST = b"""\
apiVersion: v1
kind: SecretList
items:
  - metadata: {name: api-ca, namespace: kuma-system, labels: {kuma.io/mesh: default}}
    type: system.kuma.io/secret
    data: {value: VE9QU0VDUkVU}
"""


@pytest.mark.parametrize(("data", "expected"), [
    (PLAIN_MES, Redaction.NONE),
    (SECRET, Redaction.TOP),
    (INLINE_MES, Redaction.DEEP),
    (LAST_APPLIED_MES, Redaction.DEEP),
    (ALIASED_MES, Redaction.DEEP),
    (SECRET_LIST, Redaction.DEEP),
])
def test_scope_and_redacted_manifest_equal_the_full_walk(data, expected):
    (resource,) = load_bytes("x.yaml", data).resources
    assert resource.raw_redaction is expected
    manifest = resource.redacted_manifest()
    assert manifest == redact_document(resource.raw, resource.kind)
    assert "TOPSECRET" not in repr(manifest) and "VE9QU0VDUkVU" not in repr(manifest)
    assert "UEVNLVBBWUxPQUQ=" not in repr(manifest) and "UEVNLVBBWUxPQUQ=" not in repr(resource.redacted())


def test_plain_manifest_is_shared_not_copied():
    (resource,) = load_bytes("x.yaml", PLAIN_MES).resources
    copy = resource.redacted()
    assert copy.raw is resource.raw and copy.spec is resource.spec


def test_resources_built_elsewhere_are_walked_in_full():
    (resource,) = load_bytes("x.yaml", INLINE_MES).resources
    resource.raw_redaction = Redaction.DEEP  # the default for resources not from the YAML loader
    assert resource.redacted_manifest() == redact_document(resource.raw, resource.kind)


def test_every_fixture_redacts_like_the_full_walk():
    paths = [p for p in DATA.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json")]
    checked = 0
    for path in paths:
        for resource in load_bytes(path.name, path.read_bytes()).resources:
            assert resource.redacted_manifest() == redact_document(resource.raw, resource.kind), path
            checked += 1
    assert checked > 100


def test_redacted_copy_keeps_every_field_but_the_payload():
    """`Resource.redacted` builds its copy positionally: every field must land where it belongs."""
    data = SECRET.replace(b"labels:", b"annotations: {note: kept}\n  labels:") + b"status: {observed: 1}\n"
    (secret,) = load_bytes("x.yaml", data).resources
    assert secret.status == {"observed": 1} and secret.field_lines and secret.api_version == "v1"
    copy = secret.redacted()
    expected = {f.name: getattr(secret, f.name) for f in dataclasses.fields(Resource) if f.init}
    expected.update(raw=redact_document(secret.raw, secret.kind), spec={},
                    payload=SecretPayload(secret.payload.secret_type), raw_redaction=Redaction.NONE)
    assert {name: getattr(copy, name) for name in expected} == expected
    assert copy.annotations == {"note": "kept"} and copy.labels == {"kuma.io/mesh": "default"}
    assert copy.payload is not None and copy.payload.data is None
    # the copy is redacted already: showing it (or copying it again) never redacts a marker a second time
    assert copy.redacted_manifest() == copy.raw and copy.redacted().raw == copy.raw


def test_redacted_copy_shares_the_identity_until_a_field_of_it_changes():
    """The copy takes over the original's key and ref (the report's Secrets are looked up by key many times); a
    copy whose name is then changed gets its own."""
    (secret,) = load_bytes("x.yaml", SECRET).resources
    copy = secret.redacted()
    assert copy is not secret
    assert copy.ref is secret.ref and copy.key is secret.key and copy.core_name == secret.core_name
    copy.name = "renamed"
    assert copy.key == secret.key.replace(secret.name, "renamed") and copy.ref.name == "renamed"
    assert secret.ref.name != "renamed"
