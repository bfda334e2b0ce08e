"""A loopback OpenID Connect provider for the browser tests of Streamlit's login (`st.login`).

Just enough of OIDC Core for the authorization-code flow a confidential client runs (Authlib, as Streamlit uses
it): a discovery document, a JWKS with one RSA key, an authorization endpoint that shows a sign-in form (the test
types the e-mail and groups to sign in as), a token endpoint that checks the client's credentials, the code's
redirect URI and its PKCE verifier and issues an RS256-signed ID token (iss, aud, exp, iat, nonce, sub, email,
email_verified, groups), and an end-session endpoint. Codes are single-use. ID tokens are signed with `joserfc`
(Authlib's JOSE library).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    challenge: str
    method: str
    email: str
    groups: list[str]


@dataclass
class Provider:
    """The provider's state: one registered client, its signing key, outstanding codes, what it issued."""

    client_id: str = "mesdoctor-test"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    redirect_uris: set[str] = field(default_factory=set)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(
        2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"}))
    codes: dict[str, Grant] = field(default_factory=dict)
    issued: list[dict[str, Any]] = field(default_factory=list)  # the ID tokens' claims
    refused_tokens: list[str] = field(default_factory=list)  # why a token request was refused
    base: str = ""

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.base,
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token",
            "jwks_uri": f"{self.base}/jwks",
            "end_session_endpoint": f"{self.base}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name", "groups"],
        }

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {
            "iss": self.base, "aud": grant.client_id, "iat": now, "exp": now + 300, "nonce": grant.nonce,
            "sub": hashlib.sha256(grant.email.encode()).hexdigest()[:16], "email": grant.email,
            "email_verified": True, "name": grant.email.split("@")[0], "groups": grant.groups,
        }
        self.issued.append(claims)
        return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, self.key)


class _Handler(BaseHTTPRequestHandler):
    provider: Provider

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def _redirect(self, location: str) -> None:
        self._send(302, b"", "text/plain", {"Location": location})

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        parsed = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}

    def do_GET(self) -> None:
        p = self.provider
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        if url.path == "/.well-known/openid-configuration":
            self._json(200, p.metadata())
        elif url.path == "/jwks":
            self._json(200, {"keys": [p.key.as_dict(private=False)]})
        elif url.path == "/authorize":
            if query.get("client_id") != p.client_id or query.get("redirect_uri") not in p.redirect_uris:
                self._send(400, b"unknown client or redirect_uri", "text/plain")
                return
            if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
                self._send(400, b"only the openid authorization-code flow", "text/plain")
                return
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                             for k, v in query.items())
            page = (f"<!doctype html><title>Test identity provider</title><h1>Test identity provider</h1>"
                    f'<form method="post" action="/authorize">{hidden}'
                    f'<label>E-mail <input name="email" autocomplete="off"></label>'
                    f'<label>Groups <input name="groups" autocomplete="off"></label>'
                    f'<button type="submit">Sign in</button></form>')
            self._send(200, page.encode(), "text/html; charset=utf-8")
        elif url.path == "/logout":
            target = query.get("post_logout_redirect_uri", "")
            if target and target in p.redirect_uris:
                self._redirect(target)
            else:
                self._send(200, b"signed out", "text/plain")
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        p = self.provider
        url = urlsplit(self.path)
        form = self._form()
        if url.path == "/authorize":
            if form.get("client_id") != p.client_id or form.get("redirect_uri") not in p.redirect_uris:
                self._send(400, b"unknown client or redirect_uri", "text/plain")
                return
            code = secrets.token_urlsafe(24)
            p.codes[code] = Grant(
                client_id=form["client_id"], redirect_uri=form["redirect_uri"], nonce=form.get("nonce", ""),
                challenge=form.get("code_challenge", ""), method=form.get("code_challenge_method", ""),
                email=form.get("email", "").strip(),
                groups=[g.strip() for g in form.get("groups", "").split(",") if g.strip()])
            self._redirect(f"{form['redirect_uri']}?{urlencode({'code': code, 'state': form.get('state', '')})}")
        elif url.path == "/token":
            self._token(form)
        else:
            self._send(404, b"not found", "text/plain")

    def _token(self, form: dict[str, str]) -> None:
        p = self.provider
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
        if client_id != p.client_id or client_secret != p.client_secret:
            p.refused_tokens.append("client authentication")
            self._json(401, {"error": "invalid_client"})
            return
        grant = p.codes.pop(form.get("code", ""), None)  # single use
        if form.get("grant_type") != "authorization_code" or grant is None:
            p.refused_tokens.append("code")
            self._json(400, {"error": "invalid_grant"})
            return
        if form.get("redirect_uri") != grant.redirect_uri or grant.client_id != client_id:
            p.refused_tokens.append("redirect_uri")
            self._json(400, {"error": "invalid_grant"})
            return
        if grant.challenge:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if grant.method != "S256" or digest != grant.challenge:
                p.refused_tokens.append("pkce")
                self._json(400, {"error": "invalid_grant"})
                return
        self._json(200, {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
                         "id_token": p.id_token(grant)})


class OidcProvider:
    """The provider on a free loopback port in a thread: `with OidcProvider() as idp: idp.base, idp.provider`."""

    def __init__(self) -> None:
        self.provider = Provider()
        handler = type("Handler", (_Handler,), {"provider": self.provider})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.provider.base = self.base
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/.well-known/openid-configuration"

    def __enter__(self) -> OidcProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
