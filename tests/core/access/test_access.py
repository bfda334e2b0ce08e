"""Who may see a shared dashboard: the access settings and the allowlist decision (core/access.py)."""

from __future__ import annotations

import pytest

from core.access import (
    AccessSettings,
    AccessSettingsError,
    Identity,
    Method,
    decide,
    groups_from,
    identity_from_claims,
    identity_from_headers,
    load_access_settings,
)


class Headers(dict):
    """Case-insensitive, like Streamlit's `st.context.headers`."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__({k.lower(): v for k, v in values.items()})

    def get(self, key, default=None):
        return super().get(key.lower(), default)


def test_no_settings_means_no_restriction():
    access = load_access_settings({})
    assert access == AccessSettings()
    assert not access.has_allowlist and not access.uses_proxy
    assert decide(Identity(Method.OIDC, "anyone"), access).allowed


def test_lists_are_parsed_and_domains_normalised():
    access = load_access_settings({
        "MESDOCTOR_ALLOWED_DOMAINS": " Example.COM, @eu.example.com.  ops.example.org",
        "MESDOCTOR_ALLOWED_GROUPS": "sre,platform-team",
        "MESDOCTOR_GROUPS_CLAIM": "https://example.com/groups",
        "MESDOCTOR_TRUSTED_USER_HEADER": "X-Forwarded-Email",
        "MESDOCTOR_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups",
        "MESDOCTOR_OIDC_PROVIDER": "okta",
    })
    assert access.allowed_domains == {"example.com", "eu.example.com", "ops.example.org"}
    assert access.allowed_groups == {"sre", "platform-team"}
    assert access.groups_claim == "https://example.com/groups"
    assert access.trusted_user_header == "X-Forwarded-Email" and access.uses_proxy
    assert access.trusted_groups_header == "X-Forwarded-Groups"
    assert access.oidc_provider == "okta"


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("MESDOCTOR_ALLOWED_DOMAINS", "example.com, not a/domain", "not a domain"),
    ("MESDOCTOR_ALLOWED_DOMAINS", "exa_mple.com", "not a domain"),
    ("MESDOCTOR_TRUSTED_USER_HEADER", "X-Forwarded Email", "not an HTTP header name"),
    ("MESDOCTOR_TRUSTED_USER_HEADER", "X-Email:", "not an HTTP header name"),
    ("MESDOCTOR_OIDC_PROVIDER", "my_provider", "not a provider name"),
])
def test_unusable_values_are_refused(variable, value, message):
    with pytest.raises(AccessSettingsError, match=message):
        load_access_settings({variable: value})


def test_a_groups_header_needs_the_user_header():
    with pytest.raises(AccessSettingsError, match="MESDOCTOR_TRUSTED_USER_HEADER"):
        load_access_settings({"MESDOCTOR_TRUSTED_GROUPS_HEADER": "X-Forwarded-Groups"})


def test_claims_of_a_logged_in_user():
    identity = identity_from_claims({"is_logged_in": True, "email": "Alice@Example.com", "email_verified": True,
                                     "sub": "u-1", "groups": ["sre", "dev"]})
    assert identity == Identity(Method.OIDC, "Alice@Example.com", "Alice@Example.com", True, ("sre", "dev"))
    assert identity.domain == "example.com"


def test_claims_without_a_login_are_no_identity():
    assert identity_from_claims({"email": "test@example.com"}) is None  # AppTest's default user: not logged in
    assert identity_from_claims({"is_logged_in": False, "email": "a@example.com"}) is None
    assert identity_from_claims({"is_logged_in": "true", "email": "a@example.com"}) is None  # only the real flag


def test_claims_subject_stands_in_for_a_missing_email_and_groups_come_from_the_configured_claim():
    identity = identity_from_claims({"is_logged_in": True, "sub": "svc-7", "roles": "a, b;c",
                                     "email_verified": "false"}, groups_claim="roles")
    assert identity is not None
    assert (identity.user, identity.email, identity.domain, identity.groups) == ("svc-7", "", "", ("a", "b", "c"))
    assert identity.email_verified is False


@pytest.mark.parametrize(("value", "groups"), [
    (["a", " b ", "", 7, None, {"x": 1}], ("a", "b", "7")),
    ("a,b , c", ("a", "b", "c")),
    (None, ()),
    ({"a": 1}, ()),
    (b"a,b", ()),
])
def test_groups_from_claims_and_headers(value, groups):
    assert groups_from(value) == groups


def test_proxy_headers():
    access = AccessSettings(trusted_user_header="X-Forwarded-Email", trusted_groups_header="X-Forwarded-Groups")
    identity = identity_from_headers(Headers({"x-forwarded-email": " bob@example.com ",
                                              "X-FORWARDED-GROUPS": "sre,ops"}), access)
    assert identity == Identity(Method.PROXY, "bob@example.com", "bob@example.com", None, ("sre", "ops"))
    assert identity_from_headers(Headers({}), access) is None
    assert identity_from_headers(Headers({"X-Forwarded-Email": "  "}), access) is None
    # a user name instead of an e-mail (oauth2-proxy's X-Forwarded-User): a user, but no domain
    user_only = identity_from_headers(Headers({"X-Forwarded-Email": "bob"}), access)
    assert user_only is not None and user_only.user == "bob" and user_only.domain == ""


def test_proxy_groups_header_repeated():
    """Some proxies add one header per group: Streamlit's headers give them all through `get_all`."""

    class Repeated(Headers):
        def get_all(self, key):
            return ["sre", "ops, dev"] if key.lower() == "x-forwarded-groups" else []

    access = AccessSettings(trusted_user_header="X-Forwarded-Email", trusted_groups_header="X-Forwarded-Groups")
    identity = identity_from_headers(Repeated({"X-Forwarded-Email": "bob@example.com"}), access)
    assert identity is not None and identity.groups == ("sre", "ops", "dev")


DOMAINS = AccessSettings(allowed_domains=frozenset({"example.com"}))
GROUPS = AccessSettings(allowed_groups=frozenset({"sre"}))
BOTH = AccessSettings(allowed_domains=frozenset({"example.com"}), allowed_groups=frozenset({"sre"}))


@pytest.mark.parametrize(("identity", "settings", "allowed", "reason"), [
    (Identity(Method.OIDC, "a@example.com", "a@example.com", True), DOMAINS, True, ""),
    (Identity(Method.OIDC, "a@EXAMPLE.com.", "a@EXAMPLE.com."), DOMAINS, True, ""),
    (Identity(Method.OIDC, "a@evil.test", "a@evil.test", True), DOMAINS, False, "domain is not on"),
    (Identity(Method.OIDC, "a@eu.example.com", "a@eu.example.com"), DOMAINS, False, "domain is not on"),
    (Identity(Method.OIDC, "a@example.com.evil.test", "a@example.com.evil.test"), DOMAINS, False, "domain"),
    (Identity(Method.OIDC, "a@example.com", "a@example.com", False), DOMAINS, False, "not verified"),
    (Identity(Method.OIDC, "svc"), DOMAINS, False, "no e-mail address"),
    (Identity(Method.PROXY, "@example.com", "@example.com"), DOMAINS, False, "no e-mail address"),
    (Identity(Method.PROXY, "b", groups=("dev", "sre")), GROUPS, True, ""),
    (Identity(Method.PROXY, "b", groups=("dev", "SRE")), GROUPS, False, "none of your groups"),
    (Identity(Method.PROXY, "b"), GROUPS, False, "none of your groups"),
    (Identity(Method.OIDC, "a@example.com", "a@example.com", groups=("sre",)), BOTH, True, ""),
    (Identity(Method.OIDC, "a@example.com", "a@example.com", groups=("dev",)), BOTH, False, "groups"),
    (Identity(Method.OIDC, "a@evil.test", "a@evil.test", groups=("sre",)), BOTH, False, "domain"),
])
def test_every_allowlist_that_is_set_must_be_satisfied(identity, settings, allowed, reason):
    decision = decide(identity, settings)
    assert decision.allowed is allowed
    assert reason in decision.reason
    assert "example.com" not in decision.reason and "sre" not in decision.reason  # the allowlist is not revealed
