"""Archives as sources: built at test time from the form fixtures, plus hostile ones."""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile

import pytest

from core.loading import load
from core.model import DocumentStatus, Kind
from core.options import Limits
from core.sources import Source

from .helpers import FORMS, codes

FILES = ["k8s-mes.yaml", "k8s-secret-data.yaml", "universal-mesh.yaml", "rest-list.json"]


def make_zip(members: dict[str, bytes], *, symlinks: tuple[str, ...] = (), mode: int | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            elif mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return buf.getvalue()


def make_tar(members: list[tarfile.TarInfo | tuple[str, bytes]], gz: bool = True) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as tf:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tf.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def form_members() -> dict[str, bytes]:
    return {f"manifests/{name}": (FORMS / name).read_bytes() for name in FILES}


def load_archive(name: str, data: bytes, limits: Limits | None = None):
    return load([Source("upload", name, data)], limits or Limits())


def loaded_summary(result) -> list[tuple[str, str]]:
    return [(r.kind.value, r.origin.file) for r in result.resources]


EXPECTED_FILES = [
    ("MeshExternalService", "bundle{ext}!manifests/k8s-mes.yaml"),
    ("Secret", "bundle{ext}!manifests/k8s-secret-data.yaml"),
    ("Mesh", "bundle{ext}!manifests/universal-mesh.yaml"),
    ("MeshExternalService", "bundle{ext}!manifests/rest-list.json"),
    ("MeshExternalService", "bundle{ext}!manifests/rest-list.json"),
]


@pytest.mark.parametrize("ext", [".zip", ".tar.gz", ".tgz", ".tar"])
def test_archive_members_load_like_files(ext: str) -> None:
    members = form_members()
    if ext == ".zip":
        data = make_zip(members)
    else:
        data = make_tar(list(members.items()), gz=ext != ".tar")
    result = load_archive(f"bundle{ext}", data)
    assert not result.findings
    assert loaded_summary(result) == [(k, f.format(ext=ext)) for k, f in EXPECTED_FILES]
    mes = result.resources[0]
    assert mes.line_of("spec.endpoints[1].port") == 21 and mes.origin.source == "upload"


def test_non_manifest_and_nested_archive_members_are_recorded_as_ignored() -> None:
    inner = make_zip({"x.yaml": (FORMS / "k8s-mes.yaml").read_bytes()})
    data = make_zip({"README.md": b"# hi", "nested.zip": inner, "ok.yml": (FORMS / "universal-mes.yaml").read_bytes()})
    result = load_archive("a.zip", data)
    assert not result.findings
    assert [r.origin.file for r in result.resources] == ["a.zip!ok.yml"]
    ignored = {d.origin.file: d.reason for d in result.documents if d.status is DocumentStatus.IGNORED}
    assert set(ignored) == {"a.zip!README.md", "a.zip!nested.zip"}
    assert "nested archive" in ignored["a.zip!nested.zip"]


@pytest.mark.parametrize("path", ["/etc/evil.yaml", "../evil.yaml", "a/../../evil.yaml", "C:/evil.yaml",
                                  "..\\evil.yaml"])
def test_zip_path_traversal_is_refused(path: str) -> None:
    good = (FORMS / "universal-mes.yaml").read_bytes()
    result = load_archive("t.zip", make_zip({path: good, "good.yaml": good}))
    assert codes(result) == ["MES008"]
    assert [r.origin.file for r in result.resources] == ["t.zip!good.yaml"]


def test_zip_symlink_and_device_are_refused() -> None:
    good = (FORMS / "universal-mes.yaml").read_bytes()
    result = load_archive("s.zip", make_zip({"link.yaml": b"/etc/passwd", "good.yaml": good}, symlinks=("link.yaml",)))
    assert codes(result) == ["MES008"] and "symbolic link" in result.findings[0].message
    assert len(result.resources) == 1
    device = load_archive("d.zip", make_zip({"dev.yaml": b""}, mode=stat.S_IFCHR | 0o600))
    assert codes(device) == ["MES008"]


def test_tar_links_devices_and_traversal_are_refused() -> None:
    good = (FORMS / "universal-mes.yaml").read_bytes()
    sym = tarfile.TarInfo("sym.yaml")
    sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
    hard = tarfile.TarInfo("hard.yaml")
    hard.type, hard.linkname = tarfile.LNKTYPE, "good.yaml"
    dev = tarfile.TarInfo("dev.yaml")
    dev.type = tarfile.CHRTYPE
    fifo = tarfile.TarInfo("fifo.yaml")
    fifo.type = tarfile.FIFOTYPE
    data = make_tar([("good.yaml", good), sym, hard, dev, fifo, ("../up.yaml", good), ("/abs.yaml", good)])
    result = load_archive("t.tar.gz", data)
    assert codes(result) == ["MES008"] * 6
    reasons = " ".join(f.message for f in result.findings)
    for word in ("symbolic link", "hard link", "device", "FIFO", "escapes", "absolute"):
        assert word in reasons
    assert [r.origin.file for r in result.resources] == ["t.tar.gz!good.yaml"]


def test_zip_bomb_stops_at_the_ratio_while_streaming() -> None:
    good = (FORMS / "universal-mes.yaml").read_bytes()
    bomb = b"# " + b"A" * (20 * 1024 * 1024) + b"\n"
    data = make_zip({"good.yaml": good, "bomb.yaml": bomb})
    assert len(data) < 200_000
    result = load_archive("b.zip", data)
    assert codes(result) == ["MES003"]
    assert "times" in result.findings[0].message
    assert result.findings[0].origin.file == "b.zip!bomb.yaml"
    assert [r.origin.file for r in result.resources] == ["b.zip!good.yaml"]


@pytest.mark.parametrize(("offset", "value"), [(24, 10), (20, 2**31)])
def test_zip_with_lying_header_sizes_is_reported_not_trusted(offset: int, value: int) -> None:
    """Central-directory sizes rewritten to lie (uncompressed 10 bytes / compressed 2 GiB)."""
    good = (FORMS / "universal-mes.yaml").read_bytes()
    data = bytearray(make_zip({"bomb.yaml": b"#" + b"B" * (4 * 1024 * 1024), "good.yaml": good}))
    cd = data.find(b"PK\x01\x02")  # the first member's central-directory entry
    data[cd + offset:cd + offset + 4] = value.to_bytes(4, "little")
    result = load_archive("h.zip", bytes(data))
    assert codes(result) == ["MES005"]
    assert result.findings[0].origin.file == "h.zip!bomb.yaml"
    assert [r.origin.file for r in result.resources] == ["h.zip!good.yaml"]


def test_gzip_bomb_in_a_tarball_stops_at_the_ratio() -> None:
    good = (FORMS / "universal-mes.yaml").read_bytes()
    tar_bytes = make_tar([("good.yaml", good), ("bomb.yaml", b"# " + b"A" * (20 * 1024 * 1024))], gz=False)
    data = gzip.compress(tar_bytes, compresslevel=9)
    result = load_archive("b.tgz", data)
    assert "MES003" in codes(result)
    assert [r.origin.file for r in result.resources] == ["b.tgz!good.yaml"]


def test_member_count_and_total_size_limits() -> None:
    good = (FORMS / "universal-secret.yaml").read_bytes()
    members = {f"s{i}.yaml": good.replace(b"httpbin-ca", f"s{i}".encode()) for i in range(5)}
    result = load_archive("m.zip", make_zip(members), Limits(max_archive_members=3))
    assert codes(result) == ["MES003"] and len(result.resources) == 3
    result = load_archive("m.zip", make_zip(members), Limits(max_archive_total_bytes=len(good) * 2 + 10))
    assert codes(result) == ["MES003"] and len(result.resources) == 2


def test_name_and_magic_must_agree() -> None:
    yaml_named_zip = load_archive("fake.zip", (FORMS / "k8s-mes.yaml").read_bytes())
    assert codes(yaml_named_zip) == ["MES005"] and not yaml_named_zip.resources
    zip_named_yaml = load_archive("real.yaml", make_zip(form_members()))
    assert codes(zip_named_yaml) == ["MES005"] and not zip_named_yaml.resources


def test_broken_and_empty_archives() -> None:
    truncated = make_zip(form_members())[:300]
    assert codes(load_archive("t.zip", truncated)) == ["MES005"]
    empty = load_archive("e.zip", make_zip({}))
    assert not empty.findings and [d.status for d in empty.documents] == [DocumentStatus.IGNORED]
    cut_tgz = make_tar(list(form_members().items()))[:200]
    result = load_archive("c.tgz", cut_tgz)
    assert "MES005" in codes(result)


def test_archive_members_and_plain_files_mix_in_input_order() -> None:
    mes = (FORMS / "universal-mes.yaml").read_bytes()
    changed = mes.replace(b"port: 80", b"port: 81")
    sources = [Source("a", "bundle.zip", make_zip({"mes.yaml": mes})), Source("b", "override.yaml", changed)]
    result = load(sources, Limits())
    assert codes(result) == ["MES006"]
    assert [r.spec["match"]["port"] for r in result.resources] == [80, 81]
    assert all(r.kind is Kind.MESH_EXTERNAL_SERVICE for r in result.resources)
