"""Kubeconfig credentials never reach the disk: the kubernetes client writes a kubeconfig's embedded CA, client
certificate and key to files (Python's ssl reads paths), so they go to a private directory on a memory
filesystem, removed after the read; without one the read is refused with an actionable one-line error."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from core.live import KubeSpec, LiveSourceError, fetch, kube
from tests.core.live.conftest import FAST, Tls, fetch_in_cluster, fill_kube, write_kubeconfig
from tests.core.live.servers import KubeApi, LoopbackServer
from tests.factories import NOW


@pytest.fixture
def no_memory_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No /dev/shm (and no XDG runtime directory) on this machine."""
    monkeypatch.setattr(kube, "MEMORY_DIRS", (str(tmp_path / "no-shm"),))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)


@pytest.fixture
def file_writes(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The directory of every temporary file or directory made meanwhile (the kubernetes client uses mkstemp)."""
    made: list[str | None] = []
    real_mkstemp, real_mkdtemp = tempfile.mkstemp, tempfile.mkdtemp

    def mkstemp(*args, dir=None, **kwargs):
        made.append(dir)
        return real_mkstemp(*args, dir=dir, **kwargs)

    def mkdtemp(*args, dir=None, **kwargs):
        made.append(dir)
        return real_mkdtemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    return made


def test_without_a_memory_directory_the_read_is_refused(tmp_path, no_memory_dir, file_writes):
    tls = Tls(tmp_path)
    api = KubeApi()
    fill_kube(api)
    with LoopbackServer(api, tls.context) as server:
        path = write_kubeconfig(tmp_path / "kc", server.url, ca_pem=tls.ca.cert_pem)
        with pytest.raises(LiveSourceError) as caught:
            fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW)
    message = str(caught.value)
    assert message.startswith("kube:fake: ") and "\n" not in message
    assert "never to disk" in message and "/dev/shm" in message and "in-cluster" in message
    assert file_writes == [], "nothing was written anywhere, not even to the default temporary directory"
    assert server.requests == []


def test_in_cluster_needs_no_memory_directory(tmp_path, monkeypatch, no_memory_dir, file_writes):
    result = fetch_in_cluster(tmp_path, monkeypatch)
    assert result.counts["MeshExternalService"] == 2
    assert file_writes == []


def test_credentials_go_to_the_memory_directory_and_are_removed(tmp_path, monkeypatch, file_writes):
    memory = tmp_path / "shm"
    memory.mkdir()
    monkeypatch.setattr(kube, "_memory_dir", lambda: str(memory))
    written: list[str] = []
    real_write = kube._write
    monkeypatch.setattr(kube, "_write", lambda *a: written.append(real_write(*a)) or written[-1])
    tls = Tls(tmp_path)
    api = KubeApi()
    fill_kube(api)
    with LoopbackServer(api, tls.context) as server:
        path = write_kubeconfig(tmp_path / "kc", server.url, ca_pem=tls.ca.cert_pem)
        assert fetch(KubeSpec(kubeconfig=str(path), timeout=FAST), now=NOW).counts["MeshExternalService"] == 2
    # our private directory, and no temporary file of the kubernetes client's own (it is handed plain files)
    assert file_writes == [str(memory)]
    assert len(written) == 1 and Path(written[0]).parent.parent == memory  # the CA, in the private directory
    assert list(memory.iterdir()) == [], "removed after the read"


def test_a_memory_directory_must_be_on_a_memory_filesystem(tmp_path, monkeypatch):
    monkeypatch.setattr(kube, "MEMORY_DIRS", (str(tmp_path),))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(kube, "_mounts", lambda: [("/", "ext4")])
    assert kube._memory_dir() is None, "a /dev/shm that is a plain directory on disk does not count"
    monkeypatch.setattr(kube, "_mounts", lambda: [("/", "ext4"), (str(tmp_path), "tmpfs")])
    assert kube._memory_dir() == str(tmp_path)
    runtime = tmp_path / "run-user"
    runtime.mkdir()
    monkeypatch.setattr(kube, "MEMORY_DIRS", (str(tmp_path / "none"),))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setattr(kube, "_mounts", lambda: [("/", "ext4"), (os.path.realpath(runtime), "tmpfs")])
    assert kube._memory_dir() == str(runtime)
    monkeypatch.setattr(kube, "_mounts", list)  # no mount table (not Linux): only the conventional directory
    assert kube._memory_dir() is None


def test_mount_table_parsing():
    table = "tmpfs /dev/shm tmpfs rw 0 0\n/dev/sda1 / ext4 rw 0 0\ntmpfs /mnt/with\\040space tmpfs rw 0 0\nbad\n"
    mounts = kube.parse_mounts(table)
    assert mounts == [("/dev/shm", "tmpfs"), ("/", "ext4"), ("/mnt/with space", "tmpfs")]
    assert kube._filesystem_of("/mnt/with space/x", mounts) == "tmpfs"
    assert kube._filesystem_of("/mnt/without", mounts) == "ext4"
    assert kube._filesystem_of("/dev/shmother", mounts) == "ext4"
