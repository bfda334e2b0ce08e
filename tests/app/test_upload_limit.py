"""The dashboard's loader limits follow Streamlit's upload limit (`server.maxUploadSize`, MiB per file): a file
the uploader admits is never refused by the loader (MES003), and raising the option really admits larger files.
With the shipped config (32 MiB) they are exactly the CLI's defaults (tests/core/hardening/test_limits.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from core.options import Limits
from tests.app.conftest import APP, TIMEOUT, assert_clean, report_of
from ui import state

MIB = 1024 * 1024


@pytest.fixture
def upload_limit() -> Iterator[object]:
    """Set `server.maxUploadSize` (as `--server.maxUploadSize N` would) for one test, then restore it."""
    original = config.get_option("server.maxUploadSize")

    def set_to(mib: float) -> None:
        config.set_option("server.maxUploadSize", mib)

    yield set_to
    config.set_option("server.maxUploadSize", original)


def test_the_shipped_limit_gives_the_cli_defaults() -> None:
    assert config.get_option("server.maxUploadSize") == 32
    assert state.dashboard_limits() == Limits()


@pytest.mark.parametrize(("mib", "file_bytes", "total_bytes"), [
    (1, 1 * MIB, Limits().max_total_bytes),
    (64, 64 * MIB, Limits().max_total_bytes),
    (512, 512 * MIB, 512 * MIB),  # one upload of the maximum size must fit in the total (and expanded) budget
])
def test_limits_follow_the_upload_limit(upload_limit, mib: int, file_bytes: int, total_bytes: int) -> None:
    upload_limit(mib)
    limits = state.dashboard_limits()
    assert (limits.max_file_bytes, limits.max_total_bytes, limits.max_archive_total_bytes) == (
        file_bytes, total_bytes, total_bytes)
    assert limits.max_documents == Limits().max_documents  # the others stay the CLI's


def _upload(size_mib: float) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)  # options made by the dashboard itself
    at.run()
    at.switch_page("pages/1_Sources.py").run()
    mes = (b"apiVersion: kuma.io/v1alpha1\nkind: MeshExternalService\n"
           b"metadata: {name: big, namespace: kuma-system, labels: {kuma.io/mesh: default}}\n"
           b"spec:\n  match: {type: HostnameGenerator, port: 443, protocol: tcp}\n"
           b"  endpoints: [{address: big.example.com, port: 443}]\n")
    padding = b"# padding\n" * int(size_mib * MIB / 10)
    at.file_uploader(key="w.sources.upload").set_value([("big.yaml", mes + padding, "application/x-yaml")]).run()
    assert_clean(at)
    return at


def test_raising_the_upload_limit_admits_larger_files(upload_limit) -> None:
    upload_limit(1)
    refused = report_of(_upload(1.5))
    assert [f.code for f in refused.findings if f.code == "MES003"] == ["MES003"]
    assert not refused.services
    upload_limit(2)
    admitted = report_of(_upload(1.5))
    assert not [f for f in admitted.findings if f.code == "MES003"]
    assert [s.resource.name for s in admitted.services] == ["big"]
