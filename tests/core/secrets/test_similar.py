"""Near-miss Secret names (core/secrets/similar.py, rapidfuzz): typical mistakes find the intended name first,
unrelated names are never suggested, and thousands of numbered look-alike candidates stay cheap and correct."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import synthetic
from core.secrets.lookup import NEAR_MISS_CUTOFF
from core.secrets.similar import CloseNames, numbers, sorted_words, words

FAMILIES = ("orders-api", "orders-db", "payments-gateway", "billing", "catalog-search", "identity-sso")
OTHERS = ["shared-ca-payments", "db-password", "redis-tls", "postgres-client-cert", "kafka-truststore", "kuma-ca"]


def _numbered(members: int = 400) -> list[str]:
    return [f"{family}-{i}-{suffix}" for family in FAMILIES for i in range(1, members + 1)
            for suffix in ("ca", "cert", "key")] + OTHERS


NUMBERED = CloseNames(_numbered())


def _suggest(word: str, names: CloseNames = NUMBERED) -> list[str]:
    return names.close_matches(word, n=3, cutoff=NEAR_MISS_CUTOFF)


@pytest.mark.parametrize(("typo", "meant"), [
    ("ordrs-api-17-cert", "orders-api-17-cert"),  # a character dropped
    ("orders-api-17-certt", "orders-api-17-cert"),  # doubled
    ("orders-api-17-cret", "orders-api-17-cert"),  # two swapped
    ("orders-apj-17-cert", "orders-api-17-cert"),  # replaced
    ("biling-6-ca", "billing-6-ca"),
    ("billling-6-ca", "billing-6-ca"),
    ("payments-gatway-250-key", "payments-gateway-250-key"),
    ("redis-tsl", "redis-tls"),
    ("kafka-trust-store", "kafka-truststore"),
    ("postgres-cert", "postgres-client-cert"),
    ("Orders-API-17-Cert", "orders-api-17-cert"),  # case
    ("orders_api_17_cert", "orders-api-17-cert"),  # separators
])
def test_typical_typos_find_the_intended_name_first(typo, meant):
    assert _suggest(typo)[0] == meant


@pytest.mark.parametrize(("wrong", "meant"), [
    ("orders-api-17-crt", "orders-api-17-cert"),
    ("orders-api-17-tls", "orders-api-17-cert"),
    ("orders-api-17-certificate", "orders-api-17-cert"),
    ("orders-api-17-tls-cert", "orders-api-17-cert"),
    ("orders-api-17-cert-pem", "orders-api-17-cert"),
    ("orders-api-17-tls-key", "orders-api-17-key"),
    ("orders-api-17-private-key", "orders-api-17-key"),
    ("orders-api-17-key-pem", "orders-api-17-key"),
    ("orders-api-17-root-ca", "orders-api-17-ca"),
    ("orders-api-17-ca-bundle", "orders-api-17-ca"),
])
def test_wrong_suffixes_find_the_service_s_secret(wrong, meant):
    found = _suggest(wrong)
    assert found[0] == meant, found
    own = [name.startswith("orders-api-17-") for name in found]
    assert own == sorted(own, reverse=True), found  # the service's own Secrets before 117's or 170's


@pytest.mark.parametrize(("swapped", "meant"), [
    ("cert-orders-api-17", "orders-api-17-cert"),
    ("api-orders-17-cert", "orders-api-17-cert"),
    ("orders-api-cert-17", "orders-api-17-cert"),
    ("key-identity-sso-3", "identity-sso-3-key"),
    ("gateway-payments-42-ca", "payments-gateway-42-ca"),
])
def test_swapped_words(swapped, meant):
    assert _suggest(swapped)[0] == meant


@pytest.mark.parametrize(("padded", "meant"), [
    ("orders-api-017-cert", "orders-api-17-cert"),
    ("billing-0006-key", "billing-6-key"),
    ("catalog-search-0100-ca", "catalog-search-100-ca"),
])
def test_zero_padded_numbers(padded, meant):
    assert _suggest(padded)[0] == meant


def test_numbered_services_prefer_the_same_instance():
    """Hundreds of neighbours one character away (117, 170, 171...): the instance asked for comes first."""
    assert _suggest("orders-api-17-cacert")[:2] in (["orders-api-17-ca", "orders-api-17-cert"],
                                                   ["orders-api-17-cert", "orders-api-17-ca"])
    assert _suggest("orders-api-71-cert-old") == ["orders-api-71-cert", "orders-db-71-cert", "orders-api-71-ca"]
    # a typo in the number itself: the closest numbers are suggested
    assert "orders-api-17-cert" in _suggest("orders-api-1x7-cert")


@pytest.mark.parametrize("unrelated", [
    "nginx-cert", "totally-unrelated", "mysql-root-password", "vault-token", "foo", "x", "", "-", "ca",
    "grafana-admin", "s3-backup-credentials", "ldap-bind-dn", "jwt-signing-key", "webhook-tls",
])
def test_unrelated_names_are_not_suggested(unrelated):
    assert _suggest(unrelated) == []


def test_many_candidates():
    """12 families x 800 services x 3 Secrets: every planted near miss of the look-alike workload finds its own
    service's Secret among the suggestions (nearly always first)."""
    planned = synthetic.plan(2_000, names=synthetic.LOOKALIKE)
    by_mesh: dict[str, list[str]] = {}
    for p in planned:
        by_mesh.setdefault(p.mesh, []).extend(f"{p.name}-{s}" for s in ("ca", "cert", "key"))
    scopes = {mesh: CloseNames(names) for mesh, names in by_mesh.items()}
    misses = [(p, ref, suffix) for p in planned for ref, suffix in zip(p.refs, ("ca", "cert", "key"), strict=True)
              if ref not in (f"{p.name}-{suffix}", f"shared-ca-{p.mesh}")]
    assert len(misses) > 200
    first = listed = 0
    for p, ref, suffix in misses:
        found = _suggest(ref, scopes[p.mesh])
        assert len(found) <= 3 and len(set(found)) == len(found)
        first += bool(found) and found[0] == f"{p.name}-{suffix}"
        listed += any(name.startswith(f"{p.name}-") for name in found)
    assert listed >= 0.95 * len(misses), (listed, len(misses))
    assert first >= 0.7 * len(misses), (first, len(misses))


def test_answers_are_stable_and_each_name_counts_once():
    names = CloseNames(["orders-api-1-cert", "orders-api-1-cert", "orders-api-2-cert"])
    assert names.close_matches("orders-api-1-crt", n=5) == ["orders-api-1-cert", "orders-api-2-cert"]
    assert names.close_matches("orders-api-1-crt", n=5) == ["orders-api-1-cert", "orders-api-2-cert"]  # memoised
    assert names.close_matches("orders-api-1-crt", n=1) == ["orders-api-1-cert"]
    assert names.close_matches("orders-api-1-crt", n=0) == []
    assert CloseNames([]).close_matches("anything") == []


def test_ties_go_to_the_closer_name_as_written_then_to_the_first():
    # same words, so the same score: the one written like the query wins, whatever the order
    assert CloseNames(["Orders-Api-1-Cert", "orders-api-1-cert"]).close_matches("orders-api-1-crt", n=1) == [
        "orders-api-1-cert"]
    assert CloseNames(["b-1-cert", "a-1-cert"]).close_matches("c-1-cert", n=2, cutoff=0.5) == ["b-1-cert", "a-1-cert"]


def test_the_forms():
    assert words("Orders-API_017--Cert") == "orders api 17 cert"
    assert words("svc-000-key") == "svc 0 key"
    assert words("---") == "---" and words("") == ""
    assert words("zertifikat-für-dienst") == "zertifikat für dienst"
    assert sorted_words("cert-orders-api-17") == "17 api cert orders"
    assert numbers(words("orders-api-017-v2-cert")) == ("17",)  # "v2" is a word, not a number


NAMES = st.text(alphabet="abc-.01é_ ", max_size=14)


@settings(max_examples=300, deadline=None)
@given(st.lists(NAMES, max_size=40), NAMES, st.sampled_from([0.0, 0.6, 0.75, 0.9, 1.0]), st.integers(1, 4))
def test_any_names(names, word, cutoff, n):
    """Whatever the names: at most n distinct candidates, each reaching the cutoff in one of the two forms."""
    found = CloseNames(names).close_matches(word, n=n, cutoff=cutoff)
    assert len(found) <= n and len(set(found)) == len(found) and set(found) <= set(names)
    for name in found:
        assert _score(word, name) >= cutoff * 100


def _score(word: str, name: str) -> float:
    from rapidfuzz import fuzz

    return max(fuzz.ratio(word.lower(), name.lower()), fuzz.ratio(words(word), words(name)),
               fuzz.ratio(sorted_words(word), sorted_words(name)))


@settings(max_examples=300, deadline=None)
@given(st.lists(NAMES, max_size=40), NAMES, st.sampled_from([0.6, 0.75, 0.9]))
def test_what_difflib_suggested_still_reaches_the_cutoff(names, word, cutoff):
    """difflib's ratio never exceeds the longest-common-subsequence ratio of the names as written: every name
    difflib.get_close_matches suggested is still a candidate (the ranking may differ)."""
    import difflib

    unique = list(dict.fromkeys(names))
    everything = CloseNames(unique).close_matches(word, n=len(unique) + 1, cutoff=cutoff)
    assert set(difflib.get_close_matches(word, unique, n=len(unique) + 1, cutoff=cutoff)) <= set(everything)


def test_suffixed_names_keep_their_plain_neighbour():
    names = CloseNames([f"svc-{i:05d}-{s}" for i in range(300) for s in ("ca", "cert", "key")])
    assert names.close_matches("svc-00050-cert-missing")[0] == "svc-00050-cert"
    assert names.close_matches("svc-00042-kay")[0] == "svc-00042-key"


def test_random_scopes_keep_the_best_score_first():
    rng = random.Random(20261205)
    for _ in range(200):
        names = [f"{rng.choice(FAMILIES)}-{rng.randint(0, 99)}-{rng.choice(['ca', 'cert', 'key'])}"
                 for _ in range(rng.randint(1, 300))]
        word = rng.choice(names)[: rng.randint(3, 20)] + rng.choice(["", "-crt", "x", "-tls"])
        found = CloseNames(names).close_matches(word, n=3, cutoff=0.6)

        same = [name for name in found if numbers(words(name)) == numbers(words(word)) and numbers(words(word))]
        rest = [name for name in found if name not in same]
        assert found == same + rest  # the same instance first
        for group in (same, rest):
            scores = [_score(word, name) for name in group]
            assert scores == sorted(scores, reverse=True)
