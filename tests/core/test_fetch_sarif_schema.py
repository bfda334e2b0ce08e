"""The SARIF schema fetcher keeps only the pinned schema (no network here: tarballs built in memory)."""

from __future__ import annotations

import io
import tarfile

import pytest

from tests.tools import fetch_sarif_schema as fetch


def _tarball(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_a_schema_that_is_not_the_pinned_one_is_refused() -> None:
    with pytest.raises(ValueError, match="expected"):
        fetch.schema_from_tarball(_tarball({fetch.MEMBER: b'{"$schema": "tampered"}'}))


def test_a_package_without_the_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="not in the package"):
        fetch.schema_from_tarball(_tarball({"package/README.md": b"hello"}))


def test_the_fetched_schema_is_the_pinned_one() -> None:
    import hashlib
    import os

    path = os.environ.get("MES_DOCTOR_SARIF_SCHEMA")
    if not path or not os.path.exists(path):
        pytest.skip("the schema is fetched by `make test`")
    with open(path, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == fetch.SHA256
