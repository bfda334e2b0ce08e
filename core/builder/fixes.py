"""Ready-to-run fix snippets (kubectl / kumactl / YAML) for builder findings. Never secret bytes."""

from __future__ import annotations

from core.model import Flavour, ReferenceStatus, Resource, SecretReference

_PEM_FILE = {"caCert": "ca.pem", "clientCert": "client.crt", "clientKey": "client.key"}
_CREATE_STATUSES = frozenset({
    ReferenceStatus.NOT_FOUND,
    ReferenceStatus.WRONG_NAMESPACE,
    ReferenceStatus.WRONG_MESH,
    ReferenceStatus.WRONG_TYPE,
    ReferenceStatus.GLOBAL_SECRET,
})
_SHAPE_STATUSES = frozenset({
    ReferenceStatus.LEGACY_SHAPE,
    ReferenceStatus.UNSUPPORTED_TYPE,
    ReferenceStatus.INCOMPLETE,
    ReferenceStatus.EMPTY_NAME,
})


def reference_fix(mes: Resource, ref: SecretReference, system_namespace: str, current_shape: bool) -> str:
    """A snippet that makes `ref` load: create / label the Secret, or rewrite the data source."""
    name = ref.secret or f"{mes.name}-{ref.field.lower()}"
    if ref.status is ReferenceStatus.MISSING_MESH_LABEL and mes.flavour is Flavour.KUBERNETES:
        return f"kubectl label secret {name} -n {system_namespace} kuma.io/mesh={mes.mesh}"
    if ref.status in _SHAPE_STATUSES:
        return data_source_yaml(ref.field, name, current_shape)
    if ref.status in _CREATE_STATUSES:
        return create_secret(mes, name, ref.field, system_namespace)
    return ""


def create_secret(mes: Resource, name: str, field: str, system_namespace: str) -> str:
    pem = _PEM_FILE.get(field, "material.pem")
    if mes.flavour is Flavour.KUBERNETES:
        return (
            f"kubectl create secret generic {name} -n {system_namespace} "
            f"--type=system.kuma.io/secret --from-file=value={pem}\n"
            f"kubectl label secret {name} -n {system_namespace} kuma.io/mesh={mes.mesh}"
        )
    return (
        "kumactl apply -f - <<EOF\n"
        f"type: Secret\nname: {name}\nmesh: {mes.mesh}\n"
        f"data: $(base64 -w0 {pem})\n"
        "EOF"
    )


def data_source_yaml(field: str, secret: str, current_shape: bool) -> str:
    head = f"spec:\n  tls:\n    verification:\n      {field}:\n"
    if current_shape:
        return head + f"        type: Secret\n        secretRef: {{kind: Secret, name: {secret}}}\n"
    return head + f"        secret: {secret}\n"


def mesh_mtls(mesh: str, flavour: Flavour) -> str:
    if flavour is Flavour.KUBERNETES:
        return (
            f"kubectl patch mesh {mesh} --type merge -p "
            "'{\"spec\":{\"mtls\":{\"enabledBackend\":\"ca-1\",\"backends\":[{\"name\":\"ca-1\",\"type\":\"builtin\"}]}}}'"
        )
    return (
        "# keep the other fields of your Mesh: kumactl apply replaces the whole resource\n"
        "kumactl apply -f - <<EOF\n"
        f"type: Mesh\nname: {mesh}\n"
        "mtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n"
        "EOF"
    )


def mesh_patch(mesh: str, flavour: Flavour, section: str, key: str, value: str) -> str:
    if flavour is Flavour.KUBERNETES:
        return f"kubectl patch mesh {mesh} --type merge -p '{{\"spec\":{{\"{section}\":{{\"{key}\":{value}}}}}}}'"
    return (f"# edit the Mesh (kumactl get mesh {mesh} -o yaml > mesh.yaml), then kumactl apply -f mesh.yaml\n"
            f"{section}:\n  {key}: {value}")


def create_mesh(mesh: str, flavour: Flavour) -> str:
    mtls = "mtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n"
    if flavour is Flavour.KUBERNETES:
        spec = "spec:\n" + "".join(f"  {line}\n" for line in mtls.splitlines())
        head = f"apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: {mesh}\n"
        return f"kubectl apply -f - <<EOF\n{head}{spec}EOF"
    return f"kumactl apply -f - <<EOF\ntype: Mesh\nname: {mesh}\n{mtls}EOF"
