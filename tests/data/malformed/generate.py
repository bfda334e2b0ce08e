"""Regenerates the malformed-input fixtures of this folder: `python tests/data/malformed/generate.py`.

Every file holds at least one valid MeshExternalService next to the broken part (except the
empty / separator-only / whole-file cases); expected.yaml says what the loader must report.
"""

from __future__ import annotations

import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
K8S_HEAD = "apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\n"
UNIVERSAL = "type: MeshExternalService\nname: {n}\nmesh: default\nspec:\n  match: {{port: 80, protocol: http}}\n"


def mes(name: str, port: object = 80, extra: str = "") -> str:
    """A valid 12-line Kubernetes MES (`extra` goes into metadata)."""
    return (f"{K8S_HEAD}metadata:\n  name: {name}\n  namespace: kuma-system\n{extra}spec:\n  match:\n"
            f"    port: {port}\n    protocol: http\n  endpoints:\n    - address: {name}.example.com\n      port: 443\n")


def k8s(body: str) -> str:
    return K8S_HEAD + body


def alias_bomb() -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    for i in range(8):
        this, previous = chr(98 + i), chr(97 + i)
        lines.append(f"{this}: &{this} [" + ", ".join([f"*{previous}"] * 9) + "]\n")
    return "".join(lines)


def deep_mapping(levels: int) -> str:
    body = "".join("  " * (i + 1) + f"l{i}:\n" for i in range(levels))
    return "kind: ConfigMap\ndata:\n" + body + "  " * (levels + 1) + "end: 1\n"


def fixtures() -> dict[str, str | bytes]:
    rnd = random.Random(7)
    junk = bytes(rnd.randrange(0x80, 0x100) for _ in range(300))
    png = b"\x89PNG\r\n\x1a\n" + bytes(rnd.randrange(256) for _ in range(200))
    flow = mes("flow").replace("  match:\n    port: 80\n    protocol: http\n", "  match: {port: 80, protocol: http\n")
    json_mes = '{{"type": "MeshExternalService", "name": "{n}", "spec": {{"match": {{"port": 80}}}}}}\n'
    return {
        "syntax-first-doc.yaml": "kind: MeshExternalService\nmetadata:\n  name: [broken\n---\n" + mes("after-broken"),
        "syntax-middle-doc.yaml": mes("one") + "---\nspec:\n  match: {port: 80\n  endpoints: []\n---\n" + mes("three"),
        "syntax-last-doc.yaml": mes("one") + "---\n" + mes("two") + "---\nmetadata:\n  name: x\n   bad: indentation\n",
        "tab-indentation.yaml": k8s("metadata:\n\tname: tabbed\n---\n") + mes("valid"),
        "unclosed-double-quote.yaml": mes("good") + "---\n" + k8s("metadata:\n  name: \"never closed\nspec: {}\n"),
        "unclosed-single-quote.yaml": "metadata:\n  name: 'open\n  other: 1\n---\n" + mes("good"),
        "unclosed-flow-mapping.yaml": mes("good") + "---\n" + flow + "---\n" + mes("good-2"),
        "unclosed-flow-sequence.yaml": mes("good") + "---\n" + k8s(
            "metadata: {name: seq}\nspec:\n  endpoints: [\n    {address: a, port: 1},\n"),
        "bad-indentation.yaml": mes("good") + "---\nkind: MeshExternalService\nmetadata:\n    name: a\n"
        "  namespace: b\n",
        "duplicate-keys.yaml": mes("good").replace("    protocol: http\n", "    protocol: http\n    port: 443\n"),
        "duplicate-top-level-keys.yaml": mes("good") + "---\n" + mes("dup-spec") + "spec:\n  match: {port: 81}\n",
        "python-object-tag.yaml": mes("good") + "---\n"
        + k8s("metadata: {name: evil}\nspec: !!python/object:os.system {}\n"),
        "python-apply-tag.yaml": '!!python/object/apply:os.system ["echo pwned"]\n---\n' + mes("good"),
        "custom-tag.yaml": mes("good") + "---\n" + k8s("metadata:\n  name: !Ref SomeName\n"),
        "set-tag.yaml": "kind: ConfigMap\ndata: !!set {a, b}\n---\n" + mes("good"),
        "alias-bomb.yaml": mes("good") + "---\n" + alias_bomb() + "---\n" + mes("good-2"),
        "recursive-alias.yaml": mes("good") + "---\nkind: ConfigMap\ndata: &loop\n  self: *loop\n",
        "undefined-alias.yaml": mes("good") + "---\nkind: MeshExternalService\nmetadata: *nowhere\n",
        "deep-nesting.yaml": mes("good") + "---\n" + deep_mapping(100),
        "deep-flow-nesting.yaml": "kind: ConfigMap\ndata: " + "[" * 2000 + "]" * 2000 + "\n---\n" + mes("good"),
        "very-long-string.yaml": mes("long", extra='  annotations:\n    note: "' + "x" * 100_000 + '"\n'),
        "very-long-key.yaml": "kind: ConfigMap\ndata:\n  " + "k" * 2000 + ": v\n---\n" + mes("good"),
        "binary-junk.yaml": mes("good").encode() + b"---\n" + junk + b"\n---\n" + mes("good-2").encode(),
        "binary-file.yaml": png + mes("hidden").encode(),
        "non-utf8.yaml": mes("good").encode() + b"---\n# caf\xe9 in latin-1\n" + mes("latin").encode(),
        "nul-bytes.yaml": mes("good").encode() + b"---\n"
        + mes("with-nul").encode().replace(b"with-nul.example.com", b"with\x00nul"),
        "control-character.yaml": mes("bell").replace("bell.example.com", "bell\x07.example.com") + "---\n"
        + mes("good"),
        "utf16-without-bom.yaml": mes("utf16").encode("utf-16-le"),
        "empty.yaml": "",
        "only-separators.yaml": "---\n---\n...\n---\n",
        "separators-around-mes.yaml": "---\n---\n" + mes("between") + "---\n---\n...\n",
        "spec-string.yaml": mes("good") + "---\n" + k8s('metadata:\n  name: stringy\nspec: "port 80"\n'),
        "spec-list.yaml": UNIVERSAL.format(n="good") + "---\ntype: MeshExternalService\nname: listy\n"
        "spec:\n  - match\n",
        "metadata-list.yaml": mes("good") + "---\n" + k8s("metadata:\n  - name: x\nspec: {}\n"),
        "name-missing.yaml": mes("good") + "---\n" + k8s("metadata:\n  namespace: kuma-system\nspec: {}\n"),
        "name-not-string.yaml": UNIVERSAL.format(n="good") + "---\ntype: MeshExternalService\nname: 12345\nspec: {}\n",
        "labels-not-map.yaml": mes("good") + "---\n" + k8s("metadata:\n  name: l\n  labels: [a, b]\nspec: {}\n"),
        "label-value-not-string.yaml": mes("good") + "---\n"
        + mes("bool-label", extra="  labels:\n    kuma.io/mesh: default\n    exported: true\n"),
        "items-not-list.yaml": "apiVersion: v1\nkind: List\nitems:\n  name: not-a-list\n---\n" + mes("good"),
        "universal-secret-data-map.yaml": "type: Secret\nname: s\nmesh: default\ndata:\n  value: YQ==\n---\n"
        + UNIVERSAL.format(n="good"),
        "secret-data-list.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: system.kuma.io/secret\n"
        "data:\n  - value\n---\n" + mes("good"),
        "complex-key.yaml": mes("good") + "---\nkind: ConfigMap\ndata:\n  ? [a, b]\n  : c\n",
        "merge-not-mapping.yaml": mes("good") + "---\nkind: ConfigMap\ndata:\n  <<: 5\n  a: 1\n",
        "json-truncated.json": json_mes.format(n="good")
        + '{"type": "MeshExternalService", "name": "cut", "spec": {"match": {"po',
        "json-trailing-comma.json": '{"type": "MeshExternalService", "name": "comma",'
        ' "spec": {"match": {"port": 80},}}\n'
        + json_mes.format(n="good"),
        "json-duplicate-keys.json": '{"type": "MeshExternalService",\n "name": "first",\n "name": "good",\n'
        ' "spec": {"match": {"port": 80}}}\n',
        "huge-integer.yaml": mes("big-port", port=int("9" * 30)) + "---\n" + mes("enormous", port="9" * 5000)
        + "---\n" + mes("good"),
        "unknown-api-version.yaml": mes("good") + "---\n" + mes("beta").replace("kuma.io/v1alpha1", "kuma.io/v1beta1"),
        "duplicate-resource.yaml": mes("twice") + "---\n" + mes("twice", port=81),
        "scalar-document.yaml": "just some text\n---\n42\n---\n" + mes("good"),
        "too-large.yaml": mes("good") + "# " + "padding " * 200 + "\n",
        "too-many-documents.yaml": "---\n".join(mes(f"m{i}") for i in range(4)),
        "parse-time-limit.yaml": "---\n".join(mes(f"t{i}") for i in range(3)),
    }


def main() -> None:
    for name, content in fixtures().items():
        data = content.encode() if isinstance(content, str) else content
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
