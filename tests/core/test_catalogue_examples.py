"""The catalogue's examples are real inputs: each parses, and each complete one triggers its own code
when analysed exactly as the Checks page shows it (conventions: `core/catalogue_examples.py`)."""

from __future__ import annotations

import re

import pytest
import yaml

from core.analysis import analyse
from core.catalogue import CATALOGUE
from core.catalogue_examples import EXAMPLES, PLACEHOLDER
from core.gate.apply import apply_gate
from core.gate.suppressions import GATE_CODES
from core.options import AnalysisOptions
from core.sources import Source
from core.versions import KumaVersion
from tests.factories import NOW

ACTIVE = [code for code, entry in CATALOGUE.items() if not entry.retired]
COMPLETE = [code for code in ACTIVE if CATALOGUE[code].example_complete]
# Their point is YAML a safe loader refuses: a syntax error, a Python tag.
UNPARSEABLE = frozenset({"MES001", "MES004"})
TARGET = re.compile(r"^#\s*target:\s*Kuma\s+(\S+)\s*$", re.M)
FEDERATED = re.compile(r"^#\s*federated:", re.M)
COMPLETE_INPUT = re.compile(r"^#\s*complete:", re.M)
ZONE = re.compile(r"^#\s*zone:\s*(\S+)\s*$", re.M)
LONG_BASE64 = re.compile(r"[A-Za-z0-9+/]{60,}")


def target_of(text: str) -> str | None:
    found = TARGET.findall(text)
    assert len(found) <= 1, "at most one `# target:` line"
    return found[0] if found else None


def options_for(text: str) -> AnalysisOptions:
    zone = ZONE.findall(text)
    assert len(zone) <= 1, "at most one `# zone:` line"
    return AnalysisOptions(kuma_version=target_of(text) or "auto", now=NOW,
                           federated=FEDERATED.search(text) is not None,
                           complete=COMPLETE_INPUT.search(text) is not None, zone=zone[0] if zone else None)


def in_range(versions: str, version: KumaVersion) -> bool:
    low, _, high = versions.partition("-")
    return KumaVersion.parse(low) <= version <= KumaVersion.parse(high or low)


def test_examples_and_placeholders_name_catalogue_codes():
    assert set(EXAMPLES) <= set(CATALOGUE)
    assert set(PLACEHOLDER) <= set(EXAMPLES)
    assert list(EXAMPLES) == sorted(EXAMPLES)


def test_placeholders_are_few_justified_and_say_so():
    assert len(PLACEHOLDER) <= 15
    for code, why in PLACEHOLDER.items():
        assert why.strip(), code
        assert "placeholder" in CATALOGUE[code].example, code
        assert not CATALOGUE[code].example_complete, code
    for code in COMPLETE:
        assert "placeholder" not in CATALOGUE[code].example, code


@pytest.mark.parametrize("code", ACTIVE)
def test_example_parses_as_yaml(code: str):
    text = CATALOGUE[code].example
    if code in UNPARSEABLE:
        with pytest.raises(yaml.YAMLError):
            list(yaml.safe_load_all(text))
    else:
        list(yaml.safe_load_all(text))


@pytest.mark.parametrize("code", ACTIVE)
def test_example_holds_no_key_or_certificate_material(code: str):
    """Bodies are elided or truncated: no run of base64 as long as a PEM line."""
    assert LONG_BASE64.search(CATALOGUE[code].example) is None


@pytest.mark.parametrize("code", ACTIVE)
def test_version_specific_example_names_a_target_in_range(code: str):
    entry = CATALOGUE[code]
    target = target_of(entry.example)
    if target is not None:
        version = KumaVersion.parse(target)
        assert str(version) == target, f"{code}: write the release line, e.g. 2.14"
    if entry.versions == "all":
        return
    assert target is not None, f"{code} applies to Kuma {entry.versions}: its example needs `# target: Kuma X.Y`"
    assert in_range(entry.versions, KumaVersion.parse(target)), (code, target, entry.versions)


@pytest.mark.parametrize("code", COMPLETE)
def test_complete_example_triggers_its_code(code: str):
    text = CATALOGUE[code].example
    report = analyse([Source("example", f"{code}.yaml", text.encode())], options_for(text))
    if code in GATE_CODES:  # the merge gate's codes: `mesdoctor check` runs the gate after the analysis
        apply_gate(report)
    found = sorted({f.code for f in report.findings})
    assert code in found, f"{code} example gives {found}"


def test_options_follow_the_comment_conventions():
    text = "# federated: zone connected to Global\n# target: Kuma 2.9\nkind: Mesh\n"
    options = options_for(text)
    assert (options.kuma_version, options.federated, options.now) == ("2.9", True, NOW)
    assert (options_for("kind: Mesh\n").kuma_version, options_for("kind: Mesh\n").federated) == ("auto", False)
    assert options_for("# zone: eu-west-1\nkind: Mesh\n").zone == "eu-west-1"
    assert options_for("kind: Mesh\n").zone is None  # detected from the input
    assert options_for("# complete: every Secret of the zone\nkind: Mesh\n").complete
    assert not options_for("kind: Mesh\n").complete


def test_complete_example_needs_the_option():
    """The MES412 example triggers only on a complete input: the `# complete:` line is what turns it on."""
    text = CATALOGUE["MES412"].example
    report = analyse([Source("example", "MES412.yaml", text.encode())], AnalysisOptions(kuma_version="3.0", now=NOW))
    assert "MES412" not in {f.code for f in report.findings}
    assert options_for(text).complete


def test_federated_example_needs_the_option():
    """The MES141 example triggers only on a federated zone: the `# federated:` line is what turns it on."""
    text = CATALOGUE["MES141"].example
    plain = AnalysisOptions(kuma_version="auto", now=NOW, federated=False)
    report = analyse([Source("example", "MES141.yaml", text.encode())], plain)
    assert "MES141" not in {f.code for f in report.findings}
