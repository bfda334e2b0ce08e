"""The large hostile inputs: made at test time (tests/core/hardening/test_memory.py, tests/app/test_limits.py),
never committed. `python tests/data/hostile/large.py DIR` writes them all to DIR to try them by hand.

Each reproduces a report of the memory and time review of issue #18, at the size the review used:

* `flow-sequence-6mb.yaml`, `flow-sequence-24mb.yaml`: one line `a: [1, 1, 1, ...]` (1.4 GB and 16 s, and
  5.7 GB before the parse-time limit, before the node limit of a document).
* `aliased-large-scalar.yaml`: one 1 MiB scalar aliased 4,000 times as endpoint addresses of an MES (1.1 MB,
  inside the 10,000-node alias budget; 4.1 GB and a MemoryError traceback in `--format table`).
* `duplicate-keys-flood-2mb.yaml`, `duplicate-keys-flood-12mb.yaml`: 200 and 1,000 ConfigMaps repeating one key
  1,000 times (199,999 findings and a 265 MB report; a MemoryError at 12 MB).
* `duplicate-keys-one-document.yaml`: the same flood as one 2.4 MB mapping.
* `many-empty-documents.yaml` / `.json`: 250,000 empty documents, then a valid MES (the reading stopped after
  200,000 of them and the MES was never analysed, nor the files after it).
* `tar-gzip-bomb.tar.gz`: 1 MB that expands to 1 GiB (446 MB peak), after a member with a valid MES.

Every MES of these files is named `zz-*` so it sorts after the baseline's (tests/data/hostile/baseline.yaml).
"""

from __future__ import annotations

import io
import sys
import tarfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


def mes(name: str) -> str:
    return ("apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\nmetadata:\n"
            f"  name: {name}\n  namespace: kuma-system\n  labels: {{kuma.io/mesh: default}}\n"
            "spec:\n  match: {type: HostnameGenerator, port: 443, protocol: tcp}\n"
            f"  endpoints: [{{address: {name}.example.com, port: 443}}]\n")


def flow_sequence(size: int) -> bytes:
    items = (size - len("a: []\n")) // 3
    return ("a: [" + "1, " * (items - 1) + "1]\n").encode()


def aliased_large_scalar() -> bytes:
    head = mes("zz-aliased").split("spec:\n")[0]
    spec = ("spec:\n  match: {type: HostnameGenerator, port: 443, protocol: tcp}\n"
            f"  x-address: &big {'x' * MIB}\n  endpoints:\n" + "  - {address: *big, port: 443}\n" * 4000)
    return (head + spec + "---\n" + mes("zz-after-aliases")).encode()


def duplicate_keys_flood(documents: int, repeats: int = 1000) -> bytes:
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flood}\ndata:\n" + "  key: value\n" * repeats
    return ("---\n".join([doc] * documents) + "---\n" + mes("zz-after-flood")).encode()


def duplicate_keys_one_document() -> bytes:
    lines = "".join(f"  k: v{i}\n" for i in range(200_000))
    return ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: flood}\ndata:\n" + lines + "---\n"
            + mes("zz-after-one-flood")).encode()


def many_empty_documents_yaml(count: int = 250_000) -> bytes:
    forms = ("---\n{}\n", "---\n[]\n", "---\n~\n", "---\n", "---\n# nothing\n")
    return ("".join(forms[i % len(forms)] for i in range(count)) + "---\n" + mes("zz-after-empties")).encode()


def many_empty_documents_json(count: int = 250_000) -> bytes:
    mes_json = ('{"type": "MeshExternalService", "name": "zz-after-empty-json", "mesh": "default", "spec": '
                '{"match": {"type": "HostnameGenerator", "port": 443, "protocol": "tcp"}, '
                '"endpoints": [{"address": "zz-after-empty-json.example.com", "port": 443}]}}\n')
    return ("{}\n[]\n" * (count // 2) + mes_json).encode()


def tar_gzip_bomb(expanded: int = 1024 * MIB) -> bytes:
    """A tar.gz of a valid MES member, then a member of `expanded` zero bytes. The gzip stream is many
    concatenated gzip members (valid gzip) each inflating to 1 MiB, so it is made in a moment."""
    first = mes("zz-before-gzip-bomb").encode()
    head = io.BytesIO()
    with tarfile.open(fileobj=head, mode="w") as tf:
        info = tarfile.TarInfo("a-first.yaml")
        info.size = len(first)
        tf.addfile(info, io.BytesIO(first))
        bomb = tarfile.TarInfo("bomb.yaml")
        bomb.size = expanded
        tf.addfile(bomb)  # the header only: the data follows in the gzip members below
    written = head.getvalue()
    header = written[: written.rfind(b"bomb.yaml") + tarfile.BLOCKSIZE]  # up to the end of the bomb's header

    def gz(data: bytes) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        return packer.compress(data) + packer.flush()

    zeros = gz(b"\0" * MIB)
    return gz(header) + zeros * (expanded // MIB) + gz(b"\0" * (2 * tarfile.BLOCKSIZE))


# name -> bytes, in the order the tests use them
LARGE: dict[str, Callable[[], bytes]] = {
    "flow-sequence-6mb.yaml": lambda: flow_sequence(6 * MIB),
    "flow-sequence-24mb.yaml": lambda: flow_sequence(24 * MIB),
    "aliased-large-scalar.yaml": aliased_large_scalar,
    "duplicate-keys-flood-2mb.yaml": lambda: duplicate_keys_flood(200),
    "duplicate-keys-flood-12mb.yaml": lambda: duplicate_keys_flood(1000),
    "duplicate-keys-one-document.yaml": duplicate_keys_one_document,
    "many-empty-documents.yaml": many_empty_documents_yaml,
    "many-empty-documents.json": many_empty_documents_json,
    "tar-gzip-bomb.tar.gz": tar_gzip_bomb,
}


# what each large input adds to the baseline's findings (codes) and which of its MES still load
EXPECTED: dict[str, dict[str, Any]] = {
    "flow-sequence-6mb.yaml": {"codes": {"MES003"}, "services": set(), "message": "YAML nodes"},
    "flow-sequence-24mb.yaml": {"codes": {"MES003"}, "services": set(), "message": "YAML nodes"},
    "aliased-large-scalar.yaml": {"codes": {"MES003"}, "services": {"zz-after-aliases"},
                                  "message": "characters of text"},
    "duplicate-keys-flood-2mb.yaml": {"codes": {"MES007", "MES010"}, "services": {"zz-after-flood"},
                                      "message": "199,750 more MES007 findings (duplicate mapping key) in"},
    "duplicate-keys-flood-12mb.yaml": {"codes": {"MES007", "MES010"}, "services": {"zz-after-flood"},
                                       "message": "998,950 more MES007 findings (duplicate mapping key) in"},
    "duplicate-keys-one-document.yaml": {"codes": {"MES003"}, "services": {"zz-after-one-flood"},
                                         "message": "YAML nodes"},
    "many-empty-documents.yaml": {"codes": set(), "services": {"zz-after-empties"}},
    "many-empty-documents.json": {"codes": set(), "services": {"zz-after-empty-json"}},
    "tar-gzip-bomb.tar.gz": {"codes": {"MES003"}, "services": {"zz-before-gzip-bomb"},
                             "message": "compression ratio limit"},
}


def write_all(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, make in LARGE.items():
        path = folder / name
        path.write_bytes(make())
        out[name] = path
    return out


if __name__ == "__main__":
    for name, path in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else ".")).items():
        print(f"{path.stat().st_size:>12,}  {name}")
