"""Findings of the secret-reference checks: codes, paths, hints and ready fixes (no secret bytes)."""

from __future__ import annotations

import base64

import pytest

from core.checks.base import Phase, Scope
from core.model import Flavour, SecretPayload, SecretsCoverage, Severity
from core.secrets import resolve
from core.secrets.checks import CHECKS, coverage_findings, reference_findings, secret_admission_findings
from tests.factories import context, k8s_secret, tls_mes, universal_secret

PAYLOAD = b"-----BEGIN CERTIFICATE-----\nTOP-SECRET-PAYLOAD-MARKER\n-----END CERTIFICATE-----\n"
K8S, UNI = Flavour.KUBERNETES, Flavour.UNIVERSAL


def findings_for(verification, *secrets, flavour=K8S, mesh="demo", version="2.14", coverage=SecretsCoverage.PRESENT):
    resource = tls_mes("svc", verification, mesh=mesh, flavour=flavour)
    ctx = context(resource, *secrets, version=version, secrets=coverage)
    resolve(ctx)
    return ctx, list(reference_findings(ctx, resource))


def assert_safe(finding):
    text = finding.message + finding.hint + finding.fix
    assert "TOP-SECRET-PAYLOAD-MARKER" not in text
    assert base64.b64encode(PAYLOAD).decode() not in text


CA_PATH = "spec.tls.verification.caCert.secret"
CASES = [
    ("MES201", K8S, {"caCert": {"secret": "ca"}}, [], CA_PATH, "--from-file=value=ca.pem"),
    ("MES201", UNI, {"caCert": {"secret": "ca"}}, [], CA_PATH, "kumactl apply"),
    ("MES202", K8S, {"caCert": {"secret": "ca"}}, [k8s_secret("ca", PAYLOAD, mesh="demo", namespace="apps")],
     CA_PATH, "-n apps -o jsonpath='{.data.value}'"),
    ("MES203", K8S, {"caCert": {"secret": "ca"}}, [k8s_secret("ca", PAYLOAD, mesh="other")],
     CA_PATH, "ca-demo"),
    ("MES203", UNI, {"caCert": {"secret": "ca"}}, [universal_secret("ca", PAYLOAD, mesh="other")],
     CA_PATH, "--mesh other"),
    ("MES204", K8S, {"caCert": {"secret": "ca"}}, [k8s_secret("ca", PAYLOAD, mesh=None)],
     CA_PATH, "kubectl delete secret ca"),
    ("MES205", K8S, {"caCert": {"secret": "ca"}}, [k8s_secret("ca", PAYLOAD, mesh="demo", secret_type="Opaque")],
     CA_PATH, "--type=system.kuma.io/secret"),
    ("MES206", K8S, {"caCert": {"secret": "ca"}},
     [k8s_secret("ca", PAYLOAD, mesh=None, secret_type="system.kuma.io/global-secret")],
     CA_PATH, "ca-demo"),
    ("MES206", UNI, {"caCert": {"secret": "ca"}}, [universal_secret("ca", PAYLOAD, global_=True)],
     CA_PATH, "global-secret"),
    ("MES207", K8S, {"caCert": {"secret": "ca"}}, [k8s_secret("ca", PAYLOAD, mesh="demo", key="ca.crt")],
     CA_PATH, "{.data.ca\\.crt}"),
    ("MES208", K8S, {"caCert": {"secret": "ca"}}, [k8s_secret("ca", b"", mesh="demo")],
     CA_PATH, "kubectl patch secret ca"),
    ("MES208", UNI, {"caCert": {"secret": "ca"}}, [universal_secret("ca", b"", mesh="demo")],
     CA_PATH, "base64 -w0"),
    ("MES209", K8S, {"caCert": {"secret": "ca"}}, [k8s_secret("ca", b"not base64!", mesh="demo", encode=False)],
     CA_PATH, "kubectl apply -f -"),
    ("MES210", K8S, {"caCert": {"secret": ""}}, [], CA_PATH, "secret: <secret-name>"),
    ("MES210", UNI, {"caCert": {"secret": ""}}, [], CA_PATH, "secret: <secret-name>"),
]


@pytest.mark.parametrize(("code", "flavour", "verification", "secrets", "path", "fix_part"), CASES)
def test_reference_finding(code, flavour, verification, secrets, path, fix_part):
    _, findings = findings_for(verification, *secrets, flavour=flavour)
    [finding] = findings
    assert (finding.code, finding.path) == (code, path)
    assert finding.resource.name == "svc" and finding.hint
    assert fix_part in finding.fix
    assert_safe(finding)
    if secrets:  # the near miss (or the Secret itself) is linked
        assert finding.related and finding.related[0].name == "ca"


@pytest.mark.parametrize(("value", "code", "fix_part"), [
    ({"secret": "ca"}, "MES211", "name: ca"),
    ({"inline": "eA=="}, "MES211", "type: InsecureInline"),
])
@pytest.mark.parametrize("flavour", [K8S, UNI])
def test_3_0_findings(value, code, fix_part, flavour):
    _, findings = findings_for({"caCert": value}, flavour=flavour, version="3.0")
    [finding] = findings
    assert finding.code == code and fix_part in finding.fix
    assert finding.fix.startswith(("spec:", "kubectl", "kumactl"))


@pytest.mark.parametrize(("value", "write_code"), [
    ({"type": "File", "file": {"path": "/ca.pem"}}, "MES124"),
    ({"type": "Secret"}, "MES125"),
    ({"type": "InsecureInline"}, "MES128"),
])
def test_3_0_shape_failures_are_the_validators_alone(value, write_code):
    """One finding per cause: the write-stage finding at the same path says it, the retired MES212 / MES213
    repeated it (the reference keeps the validator's code)."""
    ctx, findings = findings_for({"caCert": value}, version="3.0")
    assert findings == []
    [reference] = next(iter(ctx.references.values()))
    assert reference.code == write_code


def test_missing_label_on_default_mesh_is_fixed_by_labelling():
    _, [finding] = findings_for({"caCert": {"secret": "ca"}}, k8s_secret("ca", PAYLOAD, mesh=None), mesh="default")
    assert finding.fix == "kubectl label secret ca -n kuma-system kuma.io/mesh=default"


def test_kubernetes_tls_secret_gets_a_separate_kuma_secret():
    secret = k8s_secret("ca", PAYLOAD, mesh="demo", secret_type="kubernetes.io/tls", key="tls.crt")
    _, [finding] = findings_for({"caCert": {"secret": "ca"}}, secret)
    assert "ca-kuma" in finding.fix and "delete" not in finding.fix
    assert "{.data.tls\\.crt}" in finding.fix


def test_created_secrets_get_their_mesh_label_in_the_same_write():
    _, [finding] = findings_for({"caCert": {"secret": "ca"}})
    assert "kubectl label --local -f - kuma.io/mesh=demo" in finding.fix
    assert "kubectl label secret" not in finding.fix


def test_ok_and_inline_base64_problems_produce_no_reference_finding():
    _, findings = findings_for({"caCert": {"secret": "ca"}}, k8s_secret("ca", PAYLOAD, mesh="demo"))
    assert findings == []
    _, findings = findings_for({"caCert": {"inline": "not base64"}})
    assert findings == []  # MES105 belongs to the validator


def test_finding_points_at_the_line_of_the_field():
    resource = tls_mes("svc", {"caCert": {"secret": "ca"}})
    resource.field_lines["spec.tls.verification.caCert"] = 17
    resource.field_lines[CA_PATH] = 18
    ctx = context(resource, secrets=SecretsCoverage.PRESENT)
    resolve(ctx)
    [finding] = reference_findings(ctx, resource)
    assert finding.origin.line == 18


# --- MES214 --------------------------------------------------------------------------------------


def test_kuma_secret_with_empty_or_missing_value_is_rejected_by_the_webhook():
    empty = k8s_secret("empty", b"", mesh="demo")
    missing = k8s_secret("missing", PAYLOAD, mesh="demo", key="tls.crt")
    fine = k8s_secret("fine", PAYLOAD, mesh="demo")
    elsewhere = k8s_secret("elsewhere", b"", mesh="demo", namespace="apps")  # webhook only watches kuma-system
    opaque = k8s_secret("opaque", b"", mesh="demo", secret_type="Opaque")
    string_data = k8s_secret("sd", None, mesh="demo")
    string_data.payload = SecretPayload("system.kuma.io/secret", data={}, string_data={"value": "x"})
    ctx = context(empty, missing, fine, elsewhere, opaque, string_data)
    found = list(secret_admission_findings(ctx))
    assert sorted(f.resource.name for f in found) == ["empty", "missing"]
    assert all(f.code == "MES214" and f.path == "data.value" and f.severity is Severity.ERROR for f in found)
    assert "data.value: cannot be empty." in found[0].message


def test_global_secret_with_mesh_label_is_rejected():
    labelled = k8s_secret("g", PAYLOAD, mesh="demo", secret_type="system.kuma.io/global-secret")
    clean = k8s_secret("h", PAYLOAD, mesh=None, secret_type="system.kuma.io/global-secret")
    found = list(secret_admission_findings(context(labelled, clean)))
    [finding] = found
    assert finding.path == 'metadata.labels["kuma.io/mesh"]' and finding.resource.name == "g"
    assert finding.fix == "kubectl label secret g -n kuma-system kuma.io/mesh-"


def test_rejected_secrets_are_reported_in_key_order_label_first():
    """Only the rejected Secrets are sorted: the findings still come by Secret key (GlobalSecret/-/...,
    then Secret/<mesh>/...), and for a labelled GlobalSecret without a value the label finding comes first."""
    both = k8s_secret("b-both", b"", mesh="demo", secret_type="system.kuma.io/global-secret")
    secrets = [k8s_secret("z-empty", b"", mesh="demo"), both, k8s_secret("fine", PAYLOAD, mesh="demo"),
               k8s_secret("a-empty", b"", mesh="other"), k8s_secret("c-label", PAYLOAD, mesh="demo",
                                                                 secret_type="system.kuma.io/global-secret")]
    found = list(secret_admission_findings(context(*secrets)))
    assert [(f.resource.key, f.path) for f in found] == sorted(
        [(f.resource.key, f.path) for f in found], key=lambda pair: pair[0])
    assert [(f.resource.name, f.path) for f in found] == [
        ("b-both", 'metadata.labels["kuma.io/mesh"]'), ("b-both", "data.value"),
        ("c-label", 'metadata.labels["kuma.io/mesh"]'), ("z-empty", "data.value"), ("a-empty", "data.value")]


def test_universal_secrets_have_no_webhook():
    assert list(secret_admission_findings(context(universal_secret("u", b"", mesh="demo")))) == []


# --- coverage notes -------------------------------------------------------------------------------


def test_absent_secrets_give_one_note():
    a = tls_mes("a", {"caCert": {"secret": "ca"}})
    b = tls_mes("b", {"clientCert": {"secret": "c"}, "clientKey": {"secret": "k"}})
    ctx = context(a, b, secrets=SecretsCoverage.ABSENT)
    resolve(ctx)
    [note] = coverage_findings(ctx)
    assert note.code == "MES902" and note.severity is Severity.INFO
    assert "3 secret reference(s) of 2" in note.message
    assert "kubectl get secrets -n kuma-system" in note.fix


def test_denied_secrets_note_carries_the_reason():
    a = tls_mes("a", {"caCert": {"secret": "ca"}}, flavour=UNI, mesh="m1")
    ctx = context(a, secrets=SecretsCoverage.DENIED)
    ctx.secrets_note = 'user "guest" cannot access the resource of type "Secret"'
    resolve(ctx)
    [note] = coverage_findings(ctx)
    assert note.code == "MES905" and 'cannot access the resource of type "Secret"' in note.message
    assert "kumactl get secrets --mesh m1" in note.fix


def test_no_note_when_nothing_was_left_unchecked():
    ctx = context(tls_mes("a", {"caCert": {"inlineString": "x"}}), secrets=SecretsCoverage.ABSENT)
    resolve(ctx)
    assert list(coverage_findings(ctx)) == []
    ctx = context(tls_mes("a", {"caCert": {"secret": "ca"}}), k8s_secret("ca", PAYLOAD))
    resolve(ctx)
    assert list(coverage_findings(ctx)) == []


def test_checks_are_registered_for_the_diagnose_phase():
    by_id = {c.id: c for c in CHECKS}
    assert by_id["MES201-secret-references"].scope is Scope.SERVICE
    assert by_id["MES214-secret-admission"].scope is Scope.GLOBAL
    assert by_id["MES902-secrets-coverage"].codes == ("MES902", "MES905")
    assert all(c.phase is Phase.DIAGNOSE for c in CHECKS)
    from core.checks.registry import REGISTRY
    assert {c.id for c in CHECKS} <= {c.id for c in REGISTRY}


def test_remedy_for_an_inline_value_that_is_not_base64():
    from core.secrets.remedies import remedy

    resource = tls_mes("svc", {"caCert": {"inline": "-----BEGIN CERTIFICATE-----"}})
    ctx = context(resource)
    resolve(ctx)
    [ref] = ctx.references[resource.key]
    hint, fix = remedy(ctx, resource, ref)
    assert "inlineString" in hint and "inlineString: |" in fix and "kubectl" not in fix


# --- a missing Secret with a near miss: point the reference at the existing one first ------------------------


def test_missing_secret_with_a_near_miss_leads_with_pointing_the_reference_at_it():
    _, [finding] = findings_for({"caCert": {"secret": "partner-cq"}}, k8s_secret("partner-ca", PAYLOAD, mesh="demo"))
    assert finding.code == "MES201"
    assert finding.hint.startswith('Point spec.tls.verification.caCert.secret at the existing Secret "partner-ca"')
    first, _, rest = finding.fix.partition("\n  -p ")
    assert first == "kubectl patch meshexternalservice svc -n kuma-system --type json \\"
    assert ('[{"op": "replace", "path": "/spec/tls/verification/caCert/secret", "value": "partner-ca"}]'
            in rest)
    # creating the Secret the reference names stays the alternative, after the patch
    assert finding.fix.index("kubectl patch") < finding.fix.index("kubectl create secret generic partner-cq")
    assert_safe(finding)


def test_near_miss_in_the_3_0_shape_patches_the_secret_ref_name():
    verification = {"caCert": {"type": "Secret", "secretRef": {"kind": "Secret", "name": "partner-cq"}}}
    _, [finding] = findings_for(verification, k8s_secret("partner-ca", PAYLOAD, mesh="demo"), version="3.0")
    assert '"path": "/spec/tls/verification/caCert/secretRef/name", "value": "partner-ca"' in finding.fix


def test_near_miss_on_universal_edits_the_mes_with_kumactl():
    _, [finding] = findings_for({"caCert": {"secret": "partner-cq"}},
                                universal_secret("partner-ca", PAYLOAD, mesh="demo"), flavour=UNI)
    assert finding.fix.startswith("kumactl get meshexternalservice svc --mesh demo -o yaml > mes.yaml")
    assert "set spec.tls.verification.caCert.secret: partner-ca" in finding.fix
    assert "kumactl apply -f mes.yaml" in finding.fix


def test_no_near_miss_suggestion_for_a_secret_of_another_mesh_or_a_distant_name():
    # "partner-ca" of mesh other is invisible to mesh demo; "billing" is not close to "partner-cq"
    _, [finding] = findings_for({"caCert": {"secret": "partner-cq"}},
                                k8s_secret("partner-ca", PAYLOAD, mesh="other"),
                                k8s_secret("billing", PAYLOAD, mesh="demo"))
    assert "kubectl patch meshexternalservice" not in finding.fix
    assert finding.fix.startswith("kubectl create secret generic partner-cq")


def test_near_miss_is_never_a_secret_the_mes_uses_for_another_field():
    # "partner-key" is close to the missing "partner-cert", but it is this MES's client key
    verification = {"clientCert": {"secret": "partner-cert"}, "clientKey": {"secret": "partner-key"}}
    _, [finding] = findings_for(verification, k8s_secret("partner-key", PAYLOAD, mesh="demo"))
    assert finding.code == "MES201"
    assert "kubectl patch meshexternalservice" not in finding.fix


def test_no_patch_command_when_a_name_would_need_shell_quoting():
    _, [finding] = findings_for({"caCert": {"secret": "partner-cq"}},
                                k8s_secret("partner-ca;", PAYLOAD, mesh="demo"))
    assert "kubectl patch meshexternalservice" not in finding.fix
