"""Snapshots: a report saved as one JSON file and opened again, to see the same pages (issue #13, Share).

A snapshot is the JSON report (`core.report.json_report.report_dict`, the public contract: every key of it at
the top level, so a snapshot is also a valid report for tools and `jq`) plus two keys:

    "snapshotVersion": 1,
    "snapshot": {
      "options": {...},      # the AnalysisOptions, field by field
      "report":  {...},      # the Report, field by field
      "tables":  {"Resource": [...], "Destination": [...], ...}
    }

`snapshot.report` is the `Report` dataclass written field by field, under the Python field names, with what
the JSON contract leaves out and the pages need: the redacted manifests of every resource, the documents
inventory, the isolated and legacy endpoint maps with their exclusions, file:line origins. Objects the
report shares (a resource is both in `resources` and a service's `resource`; findings, references,
certificates and destinations appear in several lists) are written once in `tables` and referred to by their
index, so they are shared again after `from_snapshot`.

Writing and reading follow the model's type hints, in one place (`_codec`): a field added to a model dataclass
(`Report`, `ServiceOutcome`, ...) is carried without any change here, as long as its type is one of None,
bool, int, float, str, datetime, a StrEnum, a dataclass, `X | None`, `list[X]`, `tuple[X, ...]`, a fixed
`tuple[X, Y]` (e.g. `ServiceOutcome.hostnames`' pairs), `dict[str, X]` or `Any` (plain JSON data). Any other type
makes `to_snapshot` fail at once, naming the field (and tests/core/report/test_snapshot.py checks every model type
up front). A field missing from an older
snapshot takes its default, else the empty value of its type (`""`, `False`, `0`, `None`, empty list), else
the snapshot is refused; unknown fields (a newer snapshot) are ignored.

NOTE FOR THE INTEGRATOR (issue #13, after merging incident-core): the fields it adds
(`ServiceOutcome.cascade_role: str | None`, `ServiceOutcome.restore_on_29: tuple[str, ...] | None`,
`Report.zone_reason: str`, `Report.version_detected: bool`, `Report.version_source: str`,
`AnalysisOptions.zone: str | None`) are all of supported types: nothing to add here. Computed views
(`cascade_summary(report)`, `overall_verdict(report)`, `service_verdict(...)`) are recomputed from the restored
Report; their JSON keys (`cascade`, `verdict`, `zones`, ...) come with `report_dict` at the top level. Run
tests/core/report/test_snapshot.py: the round trip compares every field of every object. Only a field of an
unsupported type (a set, bytes, a class that is not a dataclass) needs a case in `_compile`.

No key material: `SecretPayload` is written as its type only; every manifest, spec and annotation map is
checked against `core.model.redact_document` and redacted again if anything in it is not a redaction marker
(on writing and on reading, so a hand-made snapshot cannot bring key material into the dashboard's shared
report cache either). `from_snapshot` reads untrusted bytes: size-limited, strictly typed, and every problem
is a `SnapshotError` with a one-line message, never another exception.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import orjson

from core.model import (
    CertificateRecord,
    Destination,
    Exclusion,
    Finding,
    Report,
    Resource,
    SecretPayload,
    SecretReference,
    redact_annotations,
    redact_document,
)
from core.options import AnalysisOptions
from core.report.json_report import report_dict
from core.validation.values import described

SNAPSHOT_VERSION = 1
MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024
# a snapshot has one object or list per 100 to 140 characters; JSON far denser in them (`[{},{},…]`, 3 characters
# for a 64-byte dict) would take 20 times its size and more just to parse: refused before parsing (docs/deploy.md,
# "Memory and time limits")
MIN_CHARS_PER_CONTAINER = 24
# written once, referred to by index; in dependency order (an Exclusion refers to a Destination)
SHARED: tuple[type, ...] = (Resource, Destination, Exclusion, Finding, SecretReference, CertificateRecord)
_MARKER = "<redacted: "


class SnapshotError(ValueError):
    """A file that is not a snapshot this version can open; the message is one line, for the user."""


def to_snapshot(report: Report, options: AnalysisOptions) -> bytes:
    """The snapshot of `report` (analysed with `options`) as UTF-8 JSON."""
    encoder = _Encoder()
    inner = {
        "options": encoder.value(options, AnalysisOptions),
        "report": encoder.value(report, Report),
    }
    inner["tables"] = encoder.tables()
    data = report_dict(report)
    data["snapshotVersion"] = SNAPSHOT_VERSION
    data["snapshot"] = inner
    if data.get("gate") is None:  # a gate's baseline is a previous report read back as it is (any number, NaN too)
        try:
            return orjson.dumps(data)  # compact UTF-8 JSON, in C: a 5,000-MES snapshot is tens of MB
        except TypeError:  # what orjson cannot encode (an integer beyond 64 bits, a lone surrogate)
            pass
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def from_snapshot(data: bytes | str, *, max_bytes: int = MAX_SNAPSHOT_BYTES) -> tuple[Report, AnalysisOptions]:
    """The report and options of a snapshot. The options' `now` is the report's (the instant it describes).

    Raises `SnapshotError` (one line) for anything that is not a snapshot this version can open.
    """
    if not isinstance(data, bytes | bytearray | str):
        raise SnapshotError(f"not a snapshot: expected bytes, got {type(data).__name__}")
    size = len(data)
    if size > max_bytes:
        raise SnapshotError(f"the file is {_mib(size)}, larger than the snapshot limit of {_mib(max_bytes)}")
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SnapshotError(f"not a snapshot: not UTF-8 text (byte {exc.start})") from None
    else:
        text = data
    containers = text.count("{") + text.count("[")  # (an upper bound: brackets inside strings count too)
    if containers > len(text) // MIN_CHARS_PER_CONTAINER + 10_000:
        raise SnapshotError(f"not a snapshot: {containers:,} objects and lists in {_mib(size)}, far more than a "
                            "snapshot of that size holds")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"not a snapshot: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise SnapshotError("not a snapshot: the JSON is nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise SnapshotError(f"not a snapshot: {_line(str(exc))}") from None
    return _open(document)


# --- reading --------------------------------------------------------------------------------------------


def _open(document: Any) -> tuple[Report, AnalysisOptions]:
    if not isinstance(document, dict):
        raise SnapshotError(f"not a snapshot: the JSON is {_kind(document)}, not an object")
    version = document.get("snapshotVersion")
    if version is None:
        if "schemaVersion" in document and "services" in document:
            raise SnapshotError("this is a MES Doctor JSON report, not a snapshot: download a snapshot (report and "
                                "the views) to open it here")
        raise SnapshotError("not a MES Doctor snapshot (no snapshotVersion)")
    if type(version) is not int:
        raise SnapshotError(f"not a MES Doctor snapshot: snapshotVersion is {_kind(version)}")
    if version > SNAPSHOT_VERSION:
        raise SnapshotError(f"this snapshot was made by a newer MES Doctor (snapshot version {version}); this one "
                            f"opens version {SNAPSHOT_VERSION}")
    if version < 1:
        raise SnapshotError(f"not a MES Doctor snapshot: snapshotVersion {version}")
    inner = document.get("snapshot")
    if not isinstance(inner, dict):
        raise SnapshotError(f"damaged snapshot: `snapshot` is {_kind(inner)}, not an object")
    tables = inner.get("tables", {})
    if not isinstance(tables, dict):
        raise SnapshotError(f"damaged snapshot: `snapshot.tables` is {_kind(tables)}, not an object")
    decoder = _Decoder(tables)
    try:
        decoder.load_tables()
        report = decoder.value(inner.get("report"), Report, "snapshot.report")
        options = decoder.value(inner.get("options", {}), AnalysisOptions, "snapshot.options")
    except RecursionError:
        raise SnapshotError("damaged snapshot: nested too deeply") from None
    return report, dataclasses.replace(options, now=report.now)


class _Decoder:
    def __init__(self, tables: dict[str, Any]) -> None:
        self.raw_tables = tables
        self.loaded: dict[type, list[Any]] = {}

    def load_tables(self) -> None:
        for cls in SHARED:
            entries = self.raw_tables.get(cls.__name__, [])
            path = f"snapshot.tables.{cls.__name__}"
            if not isinstance(entries, list):
                raise SnapshotError(f"damaged snapshot: {path} is {_kind(entries)}, not a list")
            decoded: list[Any] = []
            self.loaded[cls] = decoded  # references to earlier entries of the same table are refused below
            for i, entry in enumerate(entries):
                decoded.append(_codec(cls).decode_fields(self, entry, f"{path}[{i}]"))

    def value(self, value: Any, tp: Any, path: str) -> Any:
        return _codec(tp).decode(self, value, path)

    def shared(self, cls: type, value: Any, path: str) -> Any:
        table = self.loaded.get(cls)
        if table is None:
            raise SnapshotError(f"damaged snapshot: {path} refers to a {cls.__name__} before they are read")
        if type(value) is not int or not 0 <= value < len(table):
            raise SnapshotError(f"damaged snapshot: {path} is not an index into the {cls.__name__} table "
                                f"({_kind(value)})")
        return table[value]


# --- writing --------------------------------------------------------------------------------------------


class _Encoder:
    def __init__(self) -> None:
        self.entries: dict[type, list[Any]] = {cls: [] for cls in SHARED}
        self.index: dict[type, dict[int, int]] = {cls: {} for cls in SHARED}

    def value(self, value: Any, tp: Any) -> Any:
        return _codec(tp).encode(self, value)

    def shared(self, cls: type, value: Any) -> int:
        known = self.index[cls].get(id(value))
        if known is not None:
            return known
        position = len(self.entries[cls])
        self.index[cls][id(value)] = position
        self.entries[cls].append(None)
        self.entries[cls][position] = _codec(cls).encode_fields(self, value)
        return position

    def tables(self) -> dict[str, list[Any]]:
        return {cls.__name__: entries for cls, entries in self.entries.items() if entries}


# --- the codec: one per type, compiled from the model's type hints --------------------------------------


Encode = Callable[[_Encoder, Any], Any]
Decode = Callable[[_Decoder, Any, str], Any]


@dataclasses.dataclass(slots=True)
class _Codec:
    encode: Encode
    decode: Decode
    empty: Callable[[], Any] | None = None  # the value of a field missing from an older snapshot
    encode_fields: Encode | None = None  # dataclasses: the fields themselves (shared ones are written by index)
    decode_fields: Decode | None = None


_CODECS: dict[Any, _Codec] = {}


def _codec(tp: Any) -> _Codec:
    found = _CODECS.get(tp)
    if found is None:
        found = _CODECS[tp] = _compile(tp)
    return found


def _compile(tp: Any) -> _Codec:
    if tp is Any:
        return _Codec(lambda _e, v: _plain(v), lambda _d, v, _p: v, lambda: None)
    if tp in (type(None), None):
        return _Codec(lambda _e, v: None, _decode_none, lambda: None)
    if tp is bool:
        return _Codec(lambda _e, v: v, _typed(bool, "a boolean"), lambda: False)
    if tp is int:
        return _Codec(lambda _e, v: v, _decode_int, lambda: 0)
    if tp is float:
        return _Codec(lambda _e, v: _encode_float(v), _decode_float, lambda: 0.0)
    if tp is str:
        return _Codec(lambda _e, v: v, _typed(str, "a string"), lambda: "")
    if tp is datetime:
        return _Codec(lambda _e, v: v.isoformat(), _decode_datetime)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _Codec(lambda _e, v: v.value, _enum_decoder(tp))
    if tp is SecretPayload:  # the type only: payload bytes are never written, nor read
        return _Codec(lambda _e, v: {"secret_type": v.secret_type}, _decode_payload)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        others = [a for a in args if a is not type(None)]
        if len(others) != 1 or len(args) != 2:
            raise TypeError(f"snapshot: no codec for {tp!r} (only `X | None` unions)")
        return _optional(others[0])
    if origin is list and len(args) == 1:
        return _sequence(args[0], list)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(args[0], tuple)
    if origin is tuple and args and Ellipsis not in args:
        return _fixed_tuple(args)
    if origin is dict and len(args) == 2 and args[0] is str:
        return _mapping(args[1])
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass(tp)
    raise TypeError(f"snapshot: no codec for {tp!r}: add one in core/report/snapshot.py `_compile`")


def _optional(inner_tp: Any) -> _Codec:
    inner = _codec(inner_tp)

    def encode(e: _Encoder, v: Any) -> Any:
        return None if v is None else inner.encode(e, v)

    def decode(d: _Decoder, v: Any, path: str) -> Any:
        return None if v is None else inner.decode(d, v, path)

    return _Codec(encode, decode, lambda: None)


def _sequence(item_tp: Any, kind: type) -> _Codec:
    item = _codec(item_tp)

    def encode(e: _Encoder, v: Any) -> Any:
        return [item.encode(e, x) for x in v]

    def decode(d: _Decoder, v: Any, path: str) -> Any:
        if type(v) is not list:
            raise _wrong(path, v, "a list")
        return kind(item.decode(d, x, f"{path}[{i}]") for i, x in enumerate(v))

    return _Codec(encode, decode, kind)


def _fixed_tuple(item_tps: tuple[Any, ...]) -> _Codec:
    """`tuple[X, Y]`: a list of exactly that many items, each with its own type."""
    items = [_codec(tp) for tp in item_tps]

    def encode(e: _Encoder, v: Any) -> Any:
        return [c.encode(e, x) for c, x in zip(items, v, strict=True)]

    def decode(d: _Decoder, v: Any, path: str) -> Any:
        if type(v) is not list or len(v) != len(items):
            raise _wrong(path, v, f"a list of {len(items)} items")
        return tuple(c.decode(d, x, f"{path}[{i}]") for i, (c, x) in enumerate(zip(items, v, strict=True)))

    return _Codec(encode, decode, None)


def _mapping(value_tp: Any) -> _Codec:
    item = _codec(value_tp)

    def encode(e: _Encoder, v: Any) -> Any:
        return {str(k): item.encode(e, x) for k, x in v.items()}

    def decode(d: _Decoder, v: Any, path: str) -> Any:
        if type(v) is not dict:
            raise _wrong(path, v, "an object")
        return {k: item.decode(d, x, f"{path}[{k[:40]!r}]") for k, x in v.items()}

    return _Codec(encode, decode, dict)


def _dataclass(cls: type) -> _Codec:
    hints = typing.get_type_hints(cls)
    fields = [(f.name, hints[f.name], f) for f in dataclasses.fields(cls) if f.init]
    codecs: dict[str, _Codec] = {}
    for name, tp, _ in fields:
        try:
            codecs[name] = _codec(tp)
        except TypeError as exc:
            raise TypeError(f"{exc} (field {cls.__name__}.{name})") from None
    shared = cls in SHARED

    def encode_fields(e: _Encoder, v: Any) -> Any:
        if cls is Resource:
            v = _safe_resource(v)
        return {name: codecs[name].encode(e, getattr(v, name)) for name, _, _ in fields}

    def decode_fields(d: _Decoder, v: Any, path: str) -> Any:
        if type(v) is not dict:
            raise _wrong(path, v, f"an object ({cls.__name__})")
        values: dict[str, Any] = {}
        for name, _, f in fields:
            if name in v:
                values[name] = codecs[name].decode(d, v[name], f"{path}.{name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                empty = codecs[name].empty
                if empty is None:
                    raise SnapshotError(f"damaged snapshot: {path}.{name} is missing")
                values[name] = empty()
        try:
            made = cls(**values)
        except (TypeError, ValueError) as exc:
            raise SnapshotError(f"damaged snapshot: {path}: {_line(str(exc))}") from None
        return _safe_resource(made) if cls is Resource else made

    if shared:
        return _Codec(lambda e, v: e.shared(cls, v), lambda d, v, p: d.shared(cls, v, p), None,
                      encode_fields, decode_fields)
    return _Codec(encode_fields, decode_fields, None, encode_fields, decode_fields)


# --- leaves ---------------------------------------------------------------------------------------------


def _typed(kind: type, what: str) -> Decode:
    def decode(_d: _Decoder, v: Any, path: str) -> Any:
        if type(v) is not kind:
            raise _wrong(path, v, what)
        return v

    return decode


def _decode_none(_d: _Decoder, v: Any, path: str) -> None:
    if v is not None:
        raise _wrong(path, v, "null")


def _decode_int(_d: _Decoder, v: Any, path: str) -> int:
    if type(v) is not int:
        raise _wrong(path, v, "an integer")
    return v


def _decode_float(_d: _Decoder, v: Any, path: str) -> float:
    if type(v) not in (int, float) or v != v or v in (float("inf"), float("-inf")):
        raise _wrong(path, v, "a number")
    return float(v)


def _decode_datetime(_d: _Decoder, v: Any, path: str) -> datetime:
    if type(v) is not str or len(v) > 64:
        raise _wrong(path, v, "a date/time")
    try:
        moment = datetime.fromisoformat(v)
    except ValueError:
        raise SnapshotError(f"damaged snapshot: {path} is not a date/time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _enum_decoder(cls: type[Enum]) -> Decode:
    by_value = {m.value: m for m in cls}

    def decode(_d: _Decoder, v: Any, path: str) -> Any:
        member = by_value.get(v) if type(v) is str else None
        if member is None:
            raise SnapshotError(f"damaged snapshot: {path} is not a {cls.__name__} ({_kind(v)})")
        return member

    return decode


def _encode_float(v: float) -> float:
    """A float field as it is; NaN and the infinities are refused, as JSON has no text for them (orjson would write
    `null`, which no float field decodes)."""
    if not math.isfinite(v):
        raise ValueError(f"Out of range float values are not JSON compliant: {v!r}")
    return v


def _decode_payload(_d: _Decoder, v: Any, path: str) -> SecretPayload:
    if type(v) is not dict:
        raise _wrong(path, v, "an object (SecretPayload)")
    secret_type = v.get("secret_type")
    if secret_type is not None and type(secret_type) is not str:
        raise _wrong(f"{path}.secret_type", secret_type, "a string")
    return SecretPayload(secret_type)


def _plain(value: Any) -> Any:
    """`Any`-typed data (manifests as loaded) as JSON: mappings with string keys, lists, scalars."""
    if value is None or type(value) in (str, int, bool):
        return value
    if type(value) is float:
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


# --- no key material ------------------------------------------------------------------------------------


def _safe_resource(r: Resource) -> Resource:
    """`r` itself when its manifest, spec and annotations hold nothing unredacted (the case of every resource
    of a Report), else a copy with them redacted."""
    raw, spec, annotations = r.raw, r.spec, r.annotations
    if _unredacted(raw, redact_document(raw, r.kind)):
        raw = redact_document(raw, r.kind)
    if _unredacted(spec, redact_document(spec, None)):
        spec = redact_document(spec, None)
    if _unredacted(annotations, redact_annotations(annotations)):
        annotations = redact_annotations(annotations)
    payload = SecretPayload(r.payload.secret_type) if r.payload is not None else None
    if raw is r.raw and spec is r.spec and annotations is r.annotations and (
            r.payload is None or (r.payload.data is None and r.payload.string_data is None)):
        return r
    return dataclasses.replace(r, raw=raw, spec=spec, annotations=annotations, payload=payload)


def _unredacted(value: Any, redacted: Any) -> bool:
    """Whether `value` holds something `redact_document` would replace that is not already a marker: where
    the redacted copy differs, `value` must be a marker (redacting a marker again changes it, too)."""
    if value is redacted:
        return False
    if type(value) is dict and type(redacted) is dict and value.keys() == redacted.keys():
        return any(_unredacted(v, redacted[k]) for k, v in value.items())
    if type(value) is list and type(redacted) is list and len(value) == len(redacted):
        return any(_unredacted(v, w) for v, w in zip(value, redacted, strict=True))
    if value == redacted:
        return False
    return not (type(value) is str and value.startswith(_MARKER))


# --- messages -------------------------------------------------------------------------------------------


def _wrong(path: str, value: Any, expected: str) -> SnapshotError:
    return SnapshotError(f"damaged snapshot: {path} should be {expected}, not {_kind(value)}")


def _kind(value: Any) -> str:
    return described(value, mapping="an object")


def _line(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else "invalid"
    return first[:200]


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"
