"""The gate's configuration file, `.mesdoctor.yaml`: found upwards from the inputs, or given with `--config`.

```yaml
suppressions:
  - codes: [MES508]                 # or `code: MES508`
    reason: partner fixes its SNI in Q1
    until: 2027-03-31               # optional: a date (covers that day) or an ISO-8601 date-time
    mesh: default                   # optional globs on the finding's resource ...
    name: "legacy-*"                #   (name as written, or core name `name.namespace`)
    namespace: kuma-system
    file: "charts/*"                # ... or on the input file (findings without a resource)
```

The file is input too, so it is read strictly: one YAML document, at most 1 MiB, no anchors, aliases
or tags, no duplicate or unknown keys, the documented types only. Every problem is a `ConfigError`
naming the file and line (the CLI's usage error, exit code 2).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from core.gate.suppressions import Suppression, check_codes, parse_until
from core.model import Origin

CONFIG_NAME = ".mesdoctor.yaml"
MAX_CONFIG_BYTES = 1024 * 1024
MAX_SUPPRESSIONS = 10_000
_TOP_KEYS = ("version", "suppressions")
_ENTRY_KEYS = ("code", "codes", "reason", "until", "mesh", "name", "namespace", "file")
_GLOBS = ("mesh", "name", "namespace", "file")


class ConfigError(Exception):
    """The configuration file cannot be used (exit code 2)."""


@dataclass(frozen=True, slots=True)
class GateConfig:
    path: str | None = None  # None: no file (nothing found, or --no-config)
    suppressions: tuple[Suppression, ...] = field(default_factory=tuple)


def find_config(inputs: list[str], cwd: str | None = None) -> str | None:
    """The `.mesdoctor.yaml` that applies to these inputs: searched from each input's directory (the working
    directory for stdin, samples and live sources) upwards, up to the repository root (a directory holding
    `.git`) or the file-system root. Inputs under different files are ambiguous: ConfigError."""
    starts = []
    for raw in inputs or ["."]:
        if raw == "-":
            raw = cwd or os.getcwd()
        path = Path(cwd or os.getcwd(), raw).resolve()
        starts.append(path if path.is_dir() else path.parent)
    found: dict[str, list[str]] = {}
    for start, raw in zip(starts, inputs or ["."], strict=True):
        hit = _upwards(start)
        found.setdefault(str(hit) if hit else "", []).append(raw)
    files = [f for f in found if f]
    if len(files) > 1:
        detail = "; ".join(f"{f} for {', '.join(found[f])}" for f in files)
        raise ConfigError(f"the inputs are under different {CONFIG_NAME} files ({detail}): choose one with --config "
                          "or --no-config")
    return files[0] if files else None


def _upwards(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def load_config(path: str) -> GateConfig:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text") from exc
    return parse_config(text, path)


def parse_config(text: str, path: str) -> GateConfig:
    root = _strict_node(text, path)
    if root is None:
        return GateConfig(path=path)
    top = _mapping(root, path, "the file")
    _only(top, _TOP_KEYS, path, "top level")
    if "version" in top:
        node, value = top["version"]
        if type(value) is not int or value != 1:
            raise ConfigError(f"{_at(path, node)}: version: only 1 is known")
    suppressions: list[Suppression] = []
    if "suppressions" in top:
        node, _ = top["suppressions"]
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return GateConfig(path=path)
        if not isinstance(node, yaml.SequenceNode):
            raise ConfigError(f"{_at(path, node)}: suppressions: expected a list")
        if len(node.value) > MAX_SUPPRESSIONS:
            raise ConfigError(f"{_at(path, node)}: more than {MAX_SUPPRESSIONS} suppressions")
        for i, item in enumerate(node.value):
            suppressions.append(_suppression(item, path, i))
    return GateConfig(path=path, suppressions=tuple(suppressions))


def _suppression(node: yaml.Node, path: str, index: int) -> Suppression:
    where = f"suppressions[{index}]"
    entry = _mapping(node, path, where)
    _only(entry, _ENTRY_KEYS, path, where)
    if ("code" in entry) == ("codes" in entry):
        raise ConfigError(f"{_at(path, node)}: {where}: give `code: MESxxx` or `codes: [MESxxx, ...]`")
    if "code" in entry:
        code_node, value = entry["code"]
        codes = [_text(code_node, value, path, f"{where}.code")]
    else:
        code_node, value = entry["codes"]
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{_at(path, code_node)}: {where}.codes: expected a non-empty list of codes")
        codes = [_text(n, v, path, f"{where}.codes") for n, v in zip(code_node.value, value, strict=True)]
    why = check_codes(codes)
    if why is not None:
        raise ConfigError(f"{_at(path, code_node)}: {where}: {why}")
    if "reason" not in entry:
        raise ConfigError(f"{_at(path, node)}: {where}: `reason` is required (why is this accepted?)")
    reason = _text(*entry["reason"], path, f"{where}.reason").strip()
    if not reason:
        raise ConfigError(f"{_at(path, entry['reason'][0])}: {where}.reason: empty")
    until = until_text = None
    if "until" in entry:
        until_node, value = entry["until"]
        if not isinstance(value, str | date | datetime):
            raise ConfigError(f"{_at(path, until_node)}: {where}.until: expected a date such as 2027-03-31")
        try:
            until, until_text = parse_until(value)
        except ValueError as exc:
            raise ConfigError(f"{_at(path, until_node)}: {where}.until: {exc}") from None
    globs = {key: _text(*entry[key], path, f"{where}.{key}") for key in _GLOBS if key in entry}
    return Suppression(codes=tuple(dict.fromkeys(codes)), reason=reason, source="config",
                       origin=Origin("config", path, 0, node.start_mark.line + 1), until=until,
                       until_text=until_text or "", index=index, **globs)


# --- strict YAML ---------------------------------------------------------------------------------------


def _strict_node(text: str, path: str) -> yaml.Node | None:
    """One document's node tree from the safe loader, refusing anchors, aliases and explicit tags."""
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ConfigError(f"{_mark(path, event.start_mark)}: anchors and aliases are not allowed here")
            tag = getattr(event, "tag", None)
            implicit = getattr(event, "implicit", True)
            if tag is not None and not (implicit is True or (isinstance(implicit, tuple) and any(implicit))):
                raise ConfigError(f"{_mark(path, event.start_mark)}: YAML tags ({tag}) are not allowed here")
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{_mark(path, mark) if mark else path}: not valid YAML: {problem}") from None
    nodes = [n for n in nodes if n is not None]
    if len(nodes) > 1:
        raise ConfigError(f"{path}: one YAML document expected, found {len(nodes)}")
    return nodes[0] if nodes else None


def _value(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return yaml.SafeLoader("").construct_object(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return [_value(n) for n in node.value]
    return node  # a mapping is read key by key by its caller


def _mapping(node: yaml.Node, path: str, where: str) -> dict[str, tuple[yaml.Node, Any]]:
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(f"{_at(path, node)}: {where}: expected a mapping")
    out: dict[str, tuple[yaml.Node, Any]] = {}
    for key_node, value_node in node.value:
        key = _value(key_node) if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            raise ConfigError(f"{_at(path, key_node)}: {where}: keys must be text")
        if key in out:
            raise ConfigError(f"{_at(path, key_node)}: {where}: duplicate key {key!r}")
        out[key] = (value_node, _value(value_node))
    return out


def _only(entries: dict[str, tuple[yaml.Node, Any]], allowed: tuple[str, ...], path: str, where: str) -> None:
    for key, (node, _) in entries.items():
        if key not in allowed:
            raise ConfigError(f"{_at(path, node)}: {where}: unknown key {key!r} (known: {', '.join(allowed)})")


def _text(node: yaml.Node, value: Any, path: str, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{_at(path, node)}: {where}: expected text")
    return value


def _at(path: str, node: yaml.Node) -> str:
    return _mark(path, node.start_mark)


def _mark(path: str, mark: Any) -> str:
    return f"{path}:{mark.line + 1}" if mark is not None else path
