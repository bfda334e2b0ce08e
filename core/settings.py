"""Server-side settings: chosen by whoever runs the server (environment variables, a config file), never by a
visitor of the dashboard.

`MESDOCTOR_MODE` is `local` (the default: one user on their own machine, today's behaviour) or `shared` (a
dashboard deployed for a team: visitors choose only among the sources the operator configured). Other settings
are `MESDOCTOR_*` variables; `docs/deploy.md` documents them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from core.access import AccessSettings, AccessSettingsError, load_access_settings
from core.live.config import ConfigError, NamedUrl, SourcesConfig, load_sources

MODE_VARIABLE = "MESDOCTOR_MODE"
REPORT_CACHE_VARIABLE = "MESDOCTOR_REPORT_CACHE_MB"
DEFAULT_REPORT_CACHE_MB = 512


class Mode(StrEnum):
    LOCAL = "local"
    SHARED = "shared"


class SettingsError(ValueError):
    """A server setting has a value that cannot be used (the server refuses to start with it)."""


class SourcesSettingsError(SettingsError):
    """The named live sources (the MESDOCTOR_CONFIG file) cannot be used. Its message names server files and YAML
    positions: a shared dashboard keeps it in the server log."""


@dataclass(frozen=True, slots=True)
class Settings:
    mode: Mode = Mode.LOCAL
    access: AccessSettings = field(default_factory=AccessSettings)  # who may see a shared dashboard (core/access.py)
    report_cache_mb: int = DEFAULT_REPORT_CACHE_MB  # all sessions' cached reports together (ui/report_cache.py)
    # --- the operator's named live sources and the network guard's opt-out (core/live/config.py: the
    # MESDOCTOR_CONFIG file and MESDOCTOR_ALLOW_LINK_LOCAL; docs/deploy.md "Configured sources") ---
    sources: SourcesConfig = field(default_factory=SourcesConfig)

    @property
    def shared(self) -> bool:
        return self.mode is Mode.SHARED

    @property
    def allow_link_local(self) -> bool:
        return self.sources.allow_link_local


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from the environment (`os.environ` by default). Raises `SettingsError` on a bad value."""
    env = os.environ if environ is None else environ
    raw = (env.get(MODE_VARIABLE) or Mode.LOCAL.value).strip().lower()
    try:
        mode = Mode(raw)
    except ValueError:
        choices = ", ".join(m.value for m in Mode)
        raise SettingsError(f"{MODE_VARIABLE}={raw!r} is not a mode; use one of: {choices}") from None
    try:
        access = load_access_settings(env)
    except AccessSettingsError as exc:
        raise SettingsError(str(exc)) from None
    return Settings(mode=mode, access=access, report_cache_mb=_report_cache_mb(env),
                    sources=_load_sources(env))


def _report_cache_mb(env: Mapping[str, str]) -> int:
    raw = (env.get(REPORT_CACHE_VARIABLE) or "").strip()
    if not raw:
        return DEFAULT_REPORT_CACHE_MB
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise SettingsError(f"{REPORT_CACHE_VARIABLE}={raw!r} is not a number of MiB (1 or more)")
    return value


# --- named live sources (issue #18: deployment modes, named sources, the network guard) -----------------


def _load_sources(env: Mapping[str, str]) -> SourcesConfig:
    try:
        return load_sources(env)
    except ConfigError as exc:
        raise SourcesSettingsError(str(exc)) from None


def watcher_sources(settings: Settings) -> tuple[NamedUrl, ...]:
    """The MES Doctor watcher URLs the operator named (`watchers:` in the MESDOCTOR_CONFIG file), for the
    watcher source: visitors choose among these names, never type a watcher URL."""
    return settings.sources.watchers
