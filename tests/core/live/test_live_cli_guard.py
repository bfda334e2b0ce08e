"""`mesdoctor check` and the network guard: every live source refuses link-local and cloud-metadata targets with
exit code 2 and a one-line message that says so, unless --allow-link-local."""

from __future__ import annotations

import io

import pytest

from core.cli import EXIT_USAGE, main
from core.live import guard
from tests.core.live.conftest import write_kubeconfig
from tests.core.live.servers import LoopbackServer, Reply
from tests.factories import NOW

MESSAGE = "is a link-local / cloud metadata address; MES Doctor does not connect there (allow it with " \
          "--allow-link-local)"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", "--now", NOW.isoformat(), "--live-timeout", "0.5", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def resolver(monkeypatch):
    answers = {"meta.test": ["169.254.169.254"], "cp.test": ["127.0.0.1"]}

    def stub(host: str) -> list[str]:
        import socket

        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return answers[host]

    monkeypatch.setattr(guard, "DEFAULT_RESOLVER", stub)


@pytest.mark.parametrize("argv", [
    ("--url", "http://169.254.169.254/latest/meta-data/"),
    ("--url", "http://metadata.google.internal/computeMetadata/v1/"),
    ("--kuma-url", "http://[fd00:ec2::254]:5681"),
    ("--kuma-url", "https://[::ffff:169.254.169.254]:5682"),
    ("--url", "http://100.100.100.200/latest/meta-data/"),
])
def test_metadata_targets_exit_2(argv):
    code, out, err = run(*argv)
    assert code == EXIT_USAGE and out == ""
    assert err.startswith("mesdoctor: ") and MESSAGE in err and err.count("\n") == 1


def test_a_kubeconfig_whose_server_is_a_metadata_address_exits_2(tmp_path):
    path = write_kubeconfig(tmp_path / "kc", "https://169.254.169.254:6443")
    code, _, err = run("--kubeconfig", str(path), "--kube")
    assert code == EXIT_USAGE and err.startswith("mesdoctor: kube:fake: 169.254.169.254 " + MESSAGE)


def test_a_host_name_resolving_to_a_metadata_address_exits_2(resolver, tmp_path):
    code, _, err = run("--url", "http://meta.test/x.yaml")
    assert code == EXIT_USAGE and "meta.test resolves to 169.254.169.254, a link-local / cloud metadata" in err
    path = write_kubeconfig(tmp_path / "kc", "http://meta.test:6443")
    code, _, err = run("--kubeconfig", str(path), "--kube")
    assert code == EXIT_USAGE and "kube:fake" in err and "meta.test resolves to 169.254.169.254" in err


def test_a_redirect_to_a_metadata_address_exits_2():
    def app(request):
        return Reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/iam/"})

    with LoopbackServer(app) as server:
        code, _, err = run("--url", f"{server.url}/mes.yaml")
    assert code == EXIT_USAGE and "169.254.169.254 " + MESSAGE in err
    assert len(server.requests) == 1


def test_allow_link_local_lets_the_connection_be_tried(resolver):
    code, _, err = run("--allow-link-local", "--url", "http://meta.test:9/x.yaml")
    assert code == EXIT_USAGE  # nothing answers there: a transport error, not the guard
    assert "link-local" not in err and ("169.254.169.254" in err or "meta.test" in err)


def test_kube_exec_timeout_must_be_positive():
    code, _, err = run("--kube-exec-timeout", "0", "--kube")
    assert code == EXIT_USAGE and "--kube-exec-timeout must be" in err
