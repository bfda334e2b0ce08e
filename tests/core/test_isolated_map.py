"""`Report.isolated_map`: on a 2.9 target the report also carries the map of a control plane that isolates a
failing MES (`core.analysis.ISOLATING_VERSION`), built from the same analysis and equal to what that version
builds as the target; on any other target it is None (the target map is already isolated)."""

from __future__ import annotations

import pytest

from core.analysis import ISOLATING_VERSION, analyse
from core.model import EndpointMap
from core.options import AnalysisOptions
from core.sources import Source
from core.versions import NEWEST_LEGACY
from tests.factories import NOW
from tests.scenarios import motivating_case


def _shape(m: EndpointMap) -> tuple[object, ...]:
    return (m.version, m.zone, m.included, {k: (e.reason, e.culprit) for k, e in m.excluded.items()},
            set(m.lost_filter_chains))


@pytest.mark.parametrize("flavour", ["kubernetes", "universal"])
@pytest.mark.parametrize("broken_first", [True, False])
def test_a_2_9_report_carries_the_isolated_map(flavour: str, broken_first: bool) -> None:
    case = motivating_case(NOW, flavour=flavour, broken_first=broken_first)
    sources = [Source("t", "case.yaml", case.yaml.encode())]
    on29 = analyse(sources, AnalysisOptions(now=NOW, kuma_version="2.9"))
    isolating = analyse(sources, AnalysisOptions(now=NOW, kuma_version=str(ISOLATING_VERSION)))
    assert str(ISOLATING_VERSION) == NEWEST_LEGACY
    assert on29.isolated_map is not None
    assert _shape(on29.isolated_map) == _shape(isolating.endpoint_map)
    healthy = next(s.resource.key for s in on29.services if s.resource.name == case.healthy)
    assert healthy in on29.isolated_map.included  # what 2.9 drops, isolation keeps
    assert (healthy in on29.endpoint_map.included) is not broken_first
    assert on29.endpoint_map is on29.legacy_map  # unchanged: the 2.9 target is its own legacy map


@pytest.mark.parametrize("version", ["auto", "2.10", "2.14", "3.0"])
def test_other_targets_have_no_isolated_map(version: str) -> None:
    case = motivating_case(NOW)
    report = analyse([Source("t", "case.yaml", case.yaml.encode())], AnalysisOptions(now=NOW, kuma_version=version))
    assert report.isolated_map is None
