"""Effective labels: what the mutating webhook / zone CP adds, and what it leaves alone."""

from __future__ import annotations

import pytest

from core.builder import display_name, effective_labels
from core.model import Flavour
from core.options import AnalysisOptions
from tests.factories import mes

OPTS = AnalysisOptions(zone="zone-1")


@pytest.mark.parametrize(("resource", "expected"), [
    (mes("httpbin"), {"kuma.io/mesh": "default", "kuma.io/origin": "zone", "kuma.io/zone": "zone-1",
                      "kuma.io/env": "kubernetes", "k8s.kuma.io/namespace": "kuma-system",
                      "kuma.io/display-name": "httpbin"}),
    (mes("httpbin", flavour=Flavour.UNIVERSAL), {"kuma.io/mesh": "default", "kuma.io/origin": "zone",
                                                  "kuma.io/zone": "zone-1", "kuma.io/env": "universal"}),
    (mes("h-abc", labels={"kuma.io/origin": "global"}, annotations={"kuma.io/display-name": "h"}),
     {"kuma.io/mesh": "default", "kuma.io/origin": "global", "kuma.io/display-name": "h"}),
    (mes("httpbin", flavour=Flavour.UNIVERSAL, mesh="m1", labels={"kuma.io/origin": "global"}),
     {"kuma.io/mesh": "m1", "kuma.io/origin": "global"}),
    # exported manifest: present labels win, nothing is overwritten
    (mes("httpbin", labels={"kuma.io/zone": "zone-2", "kuma.io/env": "universal", "team": "a"}),
     {"kuma.io/mesh": "default", "kuma.io/origin": "zone", "kuma.io/zone": "zone-2", "kuma.io/env": "universal",
      "team": "a", "k8s.kuma.io/namespace": "kuma-system", "kuma.io/display-name": "httpbin"}),
])
def test_effective_labels(resource, expected: dict[str, str]) -> None:
    assert effective_labels(resource, OPTS) == expected


def test_display_name_precedence_annotation_label_name() -> None:
    both = mes("obj", labels={"kuma.io/display-name": "lbl"}, annotations={"kuma.io/display-name": "ann"})
    label_only = mes("obj", labels={"kuma.io/display-name": "lbl"})
    assert effective_labels(both, OPTS)["kuma.io/display-name"] == "ann"
    # Kuma's Kubernetes meta adapter overwrites a display-name label with the annotation or the name
    assert effective_labels(label_only, OPTS)["kuma.io/display-name"] == "obj"
    universal = mes("u1", flavour=Flavour.UNIVERSAL)
    assert display_name(universal, effective_labels(universal, OPTS)) == "u1"


def test_garbage_labels_are_dropped_not_raised() -> None:
    r = mes("x")
    r.labels = {"ok": "v", 3: "int-key", "bad": None, "num": 5}  # type: ignore[dict-item]
    labels = effective_labels(r, OPTS)
    assert labels["ok"] == "v" and "bad" not in labels and "num" not in labels and 3 not in labels
    r.labels = "not-a-mapping"  # type: ignore[assignment]
    assert effective_labels(r, OPTS)["kuma.io/mesh"] == "default"
