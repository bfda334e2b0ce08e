"""How a live read may behave, decided by whoever runs MES Doctor (never by what is read).

`ReadPolicy` travels with every `fetch`: the network guard, whether a foreign error body may be quoted,
the credential-plugin timeout and whether a plugin may use the terminal, which kubeconfig contexts may run
credential plugins, and the URL hosts a free-form URL may reach. The CLI uses `ReadPolicy.local(...)`
(the user is the operator); a shared dashboard builds a stricter one per named source (ui/deployment.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.live.guard import NetworkGuard

DEFAULT_PLUGIN_TIMEOUT = 30.0  # seconds a kubeconfig credential plugin (exec:) may take


@dataclass(frozen=True, slots=True)
class HostAllowlist:
    """URL hosts a visitor's free-form URL may reach (and every redirect of it): `host` (the scheme's default
    port only), `host:port`, or `*.domain` (any host below `domain`). Host names and IPv4 addresses, compared
    case-insensitively; entries are validated by core/live/config.py."""

    entries: tuple[str, ...] = ()

    def allows(self, scheme: str, host: str, port: int | None) -> bool:
        host = host.rstrip(".").lower()
        default = 443 if scheme == "https" else 80
        for entry in self.entries:
            pattern, _, wanted = entry.lower().partition(":")
            if (port or default) != (int(wanted) if wanted else default):
                continue
            if pattern.startswith("*."):
                if host.endswith(pattern[1:]):
                    return True
            elif host == pattern:
                return True
        return False

    def describe(self) -> str:
        return ", ".join(self.entries) or "(none)"


@dataclass(frozen=True, slots=True)
class ReadPolicy:
    """`echo_bodies`: quote a short excerpt of an error body that is not a Kubernetes Status or a Kuma error
    (True for the operator's own tools; a shared dashboard quotes none). `plugin_timeout`: seconds a kubeconfig
    `exec:` credential plugin may run before it is killed. `interactive`: a plugin may use the terminal
    (the CLI on a TTY; never the dashboard). `plugin_contexts`: when not None, only these (kubeconfig path,
    context) pairs may run `exec:` / `auth-provider` credentials (a shared dashboard: the contexts the operator
    named). `url_hosts`: when not None, a URL source (and each redirect) may only reach these hosts."""

    guard: NetworkGuard = field(default_factory=NetworkGuard)
    echo_bodies: bool = True
    plugin_timeout: float = DEFAULT_PLUGIN_TIMEOUT
    interactive: bool = False
    plugin_contexts: frozenset[tuple[str, str]] | None = None
    url_hosts: HostAllowlist | None = None

    @classmethod
    def local(cls, *, allow_link_local: bool = False, interactive: bool = False,
              plugin_timeout: float = DEFAULT_PLUGIN_TIMEOUT, hint: str | None = None) -> ReadPolicy:
        guard = NetworkGuard(allow_link_local=allow_link_local) if hint is None else NetworkGuard(
            allow_link_local=allow_link_local, hint=hint)
        return cls(guard=guard, interactive=interactive, plugin_timeout=plugin_timeout)
