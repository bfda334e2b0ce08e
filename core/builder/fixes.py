"""Ready-to-run fix snippets (kubectl / kumactl) for the mesh prerequisites. Secret-reference fixes come
from `core.secrets.remedies`."""

from __future__ import annotations

from core.model import Flavour
from core.secrets.remedies import NOT_GENERATED, shell_safe


def mesh_mtls(mesh: str, flavour: Flavour) -> str:
    if not shell_safe(mesh):  # the mesh name comes from the input: never inside a command it could break out of
        return NOT_GENERATED
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
    if not shell_safe(mesh):
        return NOT_GENERATED
    if flavour is Flavour.KUBERNETES:
        return f"kubectl patch mesh {mesh} --type merge -p '{{\"spec\":{{\"{section}\":{{\"{key}\":{value}}}}}}}'"
    return (f"# edit the Mesh (kumactl get mesh {mesh} -o yaml > mesh.yaml), then kumactl apply -f mesh.yaml\n"
            f"{section}:\n  {key}: {value}")


def create_mesh(mesh: str, flavour: Flavour) -> str:
    if not shell_safe(mesh):
        return NOT_GENERATED
    mtls = "mtls:\n  enabledBackend: ca-1\n  backends:\n    - name: ca-1\n      type: builtin\n"
    if flavour is Flavour.KUBERNETES:
        spec = "spec:\n" + "".join(f"  {line}\n" for line in mtls.splitlines())
        head = f"apiVersion: kuma.io/v1alpha1\nkind: Mesh\nmetadata:\n  name: {mesh}\n"
        return f"kubectl apply -f - <<EOF\n{head}{spec}EOF"
    return f"kumactl apply -f - <<EOF\ntype: Mesh\nname: {mesh}\n{mtls}EOF"


def remove_mesh_fields(mesh: str, flavour: Flavour, fields: list[str]) -> str:
    if not shell_safe(mesh):
        return NOT_GENERATED
    if flavour is Flavour.KUBERNETES:
        ops = ",".join(f'{{"op":"remove","path":"/spec/{f}"}}' for f in fields)
        return f"kubectl patch mesh {mesh} --type json -p '[{ops}]'"
    return f"# remove {', '.join(fields)} from the Mesh, then: kumactl apply -f mesh-{mesh}.yaml"
