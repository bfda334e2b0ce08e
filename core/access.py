"""Who may see a shared dashboard: the operator's access settings and the allowlist decision.

Pure Python (no Streamlit): the dashboard's gate (`ui/auth.py`) builds an `Identity` from what authenticated the
visitor (Streamlit's OIDC login, or a header set by an authenticating reverse proxy such as oauth2-proxy) and asks
`decide()` whether it is admitted. Settings come from the server's environment (`MESDOCTOR_*`), never from a
visitor; `docs/deploy.md` ("Authentication") documents them.

The allowlist follows Grafana's and oauth2-proxy's semantics: every list that is set must be satisfied (an
e-mail domain on the domain list AND a group on the group list when both are set); an empty list does not
restrict. A domain matches exactly (`example.com` does not admit `eu.example.com`: list it too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

ALLOWED_DOMAINS_VARIABLE = "MESDOCTOR_ALLOWED_DOMAINS"
ALLOWED_GROUPS_VARIABLE = "MESDOCTOR_ALLOWED_GROUPS"
GROUPS_CLAIM_VARIABLE = "MESDOCTOR_GROUPS_CLAIM"
TRUSTED_USER_HEADER_VARIABLE = "MESDOCTOR_TRUSTED_USER_HEADER"
TRUSTED_GROUPS_HEADER_VARIABLE = "MESDOCTOR_TRUSTED_GROUPS_HEADER"
OIDC_PROVIDER_VARIABLE = "MESDOCTOR_OIDC_PROVIDER"

DEFAULT_GROUPS_CLAIM = "groups"
# an HTTP field name (RFC 9110 token characters)
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_PROVIDER = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class AccessSettingsError(ValueError):
    """An access setting cannot be used (the dashboard refuses to serve with it)."""


class Method(StrEnum):
    """How a visitor was authenticated."""

    OIDC = "oidc"
    PROXY = "proxy"


@dataclass(frozen=True, slots=True)
class AccessSettings:
    """The operator's access settings (all optional).

    `trusted_user_header`: the request header an authenticating reverse proxy sets to the visitor's e-mail
    (e.g. `X-Forwarded-Email` from oauth2-proxy); when set, the dashboard trusts it instead of logging in itself.
    `trusted_groups_header`: the proxy's header with the visitor's groups, comma-separated (`X-Forwarded-Groups`).
    `groups_claim`: the ID-token claim holding the groups when Streamlit's OIDC login is used.
    `oidc_provider`: the `[auth.<name>]` section of `.streamlit/secrets.toml` to log in with (the flat `[auth]`
    section when empty).
    """

    allowed_domains: frozenset[str] = frozenset()
    allowed_groups: frozenset[str] = frozenset()
    groups_claim: str = DEFAULT_GROUPS_CLAIM
    trusted_user_header: str = ""
    trusted_groups_header: str = ""
    oidc_provider: str = ""

    @property
    def has_allowlist(self) -> bool:
        return bool(self.allowed_domains or self.allowed_groups)

    @property
    def uses_proxy(self) -> bool:
        return bool(self.trusted_user_header)


def _items(raw: str | None) -> list[str]:
    """A comma- (or whitespace-) separated list, stripped, empty entries dropped."""
    return [item for item in re.split(r"[,\s]+", raw or "") if item]


def _header_name(env: Mapping[str, str], variable: str) -> str:
    name = (env.get(variable) or "").strip()
    if name and not _HEADER_NAME.match(name):
        raise AccessSettingsError(f"{variable}={name!r} is not an HTTP header name")
    return name


def load_access_settings(env: Mapping[str, str]) -> AccessSettings:
    """The access settings from the environment. Raises `AccessSettingsError` on a value that cannot work."""
    domains = set()
    for item in _items(env.get(ALLOWED_DOMAINS_VARIABLE)):
        domain = item.lower().lstrip("@").rstrip(".")
        if not _DOMAIN.match(domain):
            raise AccessSettingsError(f"{ALLOWED_DOMAINS_VARIABLE}: {item!r} is not a domain name")
        domains.add(domain)
    groups = set(_items(env.get(ALLOWED_GROUPS_VARIABLE)))
    claim = (env.get(GROUPS_CLAIM_VARIABLE) or "").strip() or DEFAULT_GROUPS_CLAIM
    provider = (env.get(OIDC_PROVIDER_VARIABLE) or "").strip()
    if provider and not _PROVIDER.match(provider):
        raise AccessSettingsError(f"{OIDC_PROVIDER_VARIABLE}={provider!r} is not a provider name from "
                                  "[auth.<name>] (letters, digits and '-')")
    user_header = _header_name(env, TRUSTED_USER_HEADER_VARIABLE)
    groups_header = _header_name(env, TRUSTED_GROUPS_HEADER_VARIABLE)
    if groups_header and not user_header:
        raise AccessSettingsError(f"{TRUSTED_GROUPS_HEADER_VARIABLE} is set without "
                                  f"{TRUSTED_USER_HEADER_VARIABLE}: name the proxy's user header too")
    return AccessSettings(
        allowed_domains=frozenset(domains),
        allowed_groups=frozenset(groups),
        groups_claim=claim,
        trusted_user_header=user_header,
        trusted_groups_header=groups_header,
        oidc_provider=provider,
    )


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated visitor. `user` is what the audit log and the sidebar show (the e-mail, else the
    subject); `email_verified` is None when the identity provider did not say."""

    method: Method
    user: str
    email: str = ""
    email_verified: bool | None = None
    groups: tuple[str, ...] = field(default_factory=tuple)

    @property
    def domain(self) -> str:
        local, at, domain = self.email.rpartition("@")
        return domain.lower().rstrip(".") if at and local else ""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""  # why not (shown to the refused visitor and logged; names no allowlist entry)


def groups_from(value: object) -> tuple[str, ...]:
    """Groups from an ID-token claim or a proxy header: a list of strings, or one comma-separated string."""
    if isinstance(value, str):
        return tuple(_items(value.replace(";", ",")))
    if isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        return tuple(str(v).strip() for v in value if isinstance(v, str | int) and str(v).strip())
    return ()


def _verified(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):  # some providers send a string
        return value.lower() == "true"
    return None


def identity_from_claims(claims: Mapping[str, object], groups_claim: str = DEFAULT_GROUPS_CLAIM) -> Identity | None:
    """The identity in an OIDC login's ID-token claims (`st.user`); None when not logged in."""
    if claims.get("is_logged_in") is not True:
        return None
    email = claims.get("email")
    email = email.strip() if isinstance(email, str) else ""
    subject = claims.get("sub")
    user = email or (subject.strip() if isinstance(subject, str) else "") or "unknown"
    return Identity(method=Method.OIDC, user=user, email=email, email_verified=_verified(claims.get("email_verified")),
                    groups=groups_from(claims.get(groups_claim)))


def identity_from_headers(headers: Mapping[str, str], settings: AccessSettings) -> Identity | None:
    """The identity an authenticating proxy put in the request headers; None when its user header is absent.

    `headers` must be case-insensitive (Streamlit's `st.context.headers` is). The user header's first value counts;
    the groups header may come once, comma-separated (oauth2-proxy joins them), or repeated (when `headers` has
    `get_all`, as Streamlit's has, every value is read).
    """
    raw = headers.get(settings.trusted_user_header) or ""
    user = raw.strip()
    if not user:
        return None
    groups: tuple[str, ...] = ()
    if settings.trusted_groups_header:
        get_all = getattr(headers, "get_all", None)
        values = get_all(settings.trusted_groups_header) if callable(get_all) else [
            headers.get(settings.trusted_groups_header) or ""]
        groups = tuple(g for value in values for g in groups_from(value))
    email = user if "@" in user else ""
    return Identity(method=Method.PROXY, user=user, email=email, groups=groups)


def decide(identity: Identity, settings: AccessSettings) -> Decision:
    """Whether this identity may see the dashboard. Every allowlist that is set must be satisfied."""
    if settings.allowed_domains:
        if not identity.domain:
            return Decision(False, "your identity has no e-mail address, and this dashboard admits e-mail domains")
        if identity.email_verified is False:
            return Decision(False, "your identity provider says your e-mail address is not verified")
        if identity.domain not in settings.allowed_domains:
            return Decision(False, "your e-mail domain is not on this dashboard's allowlist")
    if settings.allowed_groups and not settings.allowed_groups.intersection(identity.groups):
        return Decision(False, "none of your groups is on this dashboard's allowlist")
    return Decision(True)
