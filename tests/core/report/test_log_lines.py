"""The predicted kuma-cp log lines of a failing MES (reference 5.7): one egress line, plus the
sidecar-side line on 2.10+, both with the error chain of the first data source that fails."""

from __future__ import annotations

import pytest

from core.analysis import analyse
from core.options import AnalysisOptions
from core.secrets.logs import EGRESS_MESSAGE, SIDECAR_MESSAGE
from core.sources import Source
from tests.factories import NOW
from tests.scenarios import motivating_case


def _outcomes(version: str, flavour: str) -> dict[str, list[str]]:
    case = motivating_case(NOW, flavour=flavour)
    report = analyse([Source("test", "incident.yaml", case.yaml.encode())],
                     AnalysisOptions(kuma_version=version, now=NOW))
    return {s.resource.name: s.log_lines for s in report.services}


@pytest.mark.parametrize("flavour", ["kubernetes", "universal"])
@pytest.mark.parametrize(("version", "messages", "not_found"), [
    ("2.9", [EGRESS_MESSAGE], "Resource not found"),
    ("2.10", [EGRESS_MESSAGE, SIDECAR_MESSAGE], "Resource not found"),
    ("2.14", [EGRESS_MESSAGE, SIDECAR_MESSAGE], "resource not found"),
])
def test_lines_per_version(version: str, messages: list[str], not_found: str, flavour: str) -> None:
    case = motivating_case(NOW, flavour=flavour)
    lines = _outcomes(version, flavour)
    assert lines[case.healthy] == []
    broken = lines[case.broken]
    assert [line.split("\t")[2] for line in broken] == messages
    for line in broken:
        # kuma-cp stops at the first failing data source in load order: clientCert before clientKey
        chain = f'could not load clientCert: could not load data: {not_found}: type=\\"Secret\\" name=\\"kuma-cert\\"'
        assert chain in line
        assert "kuma-key" not in line
