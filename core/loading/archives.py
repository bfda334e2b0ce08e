"""Safe in-memory expansion of `.zip`, `.tar`, `.tar.gz` / `.tgz` sources (one level deep).

Only manifest members (`.yaml`, `.yml`, `.json`) are read. Absolute paths, `..` traversal,
links and devices are refused (MES008). Expansion is bounded while it happens: member count,
total expanded bytes, and the expanded/compressed ratio are checked chunk by chunk, never from
the sizes an archive header claims (MES003).
"""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from core.options import Limits
from core.sources import ARCHIVE_SUFFIXES, MANIFEST_SUFFIXES

_CHUNK = 64 * 1024
_RATIO_SLACK = 64 * 1024  # small members may compress better than the ratio without being a bomb


@dataclass(frozen=True, slots=True)
class Member:
    """An archive member that was read (data set), or why it was not (code + reason)."""

    path: str
    data: bytes | None = None
    code: str | None = None  # MES003 / MES005 / MES008 when something went wrong
    reason: str = ""  # why it was skipped (with or without a finding)


def archive_format(name: str, data: bytes) -> str | None:
    """`zip`, `tar`, `tar.gz` when both the name and the magic bytes say so; None otherwise."""
    lowered = name.lower()
    if lowered.endswith(".zip"):
        return "zip" if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") else None
    if lowered.endswith((".tar.gz", ".tgz")):
        return "tar.gz" if data[:2] == b"\x1f\x8b" else None
    if lowered.endswith(".tar"):
        return "tar" if len(data) >= 262 and data[257:262] == b"ustar" else None
    return None


def expand(fmt: str, data: bytes, limits: Limits) -> Iterator[Member]:
    if fmt == "zip":
        yield from _zip(data, limits)
    else:
        yield from _tar(data, fmt, limits)


class _Budget:
    def __init__(self, limits: Limits, compressed: int) -> None:
        self.limits = limits
        self.members = 0
        self.total = 0
        self.compressed = max(compressed, 1)

    def next_member(self) -> str:
        self.members += 1
        if self.members > self.limits.max_archive_members:
            return f"the archive has more than {self.limits.max_archive_members} members; the rest is not read"
        return ""

    def add(self, size: int) -> str:
        self.total += size
        if self.total > self.limits.max_archive_total_bytes:
            return f"the archive expands to more than {self.limits.max_archive_total_bytes} bytes; the rest is not read"
        if self.total > self.limits.max_archive_ratio * self.compressed + _RATIO_SLACK:
            return (f"the archive expands more than {self.limits.max_archive_ratio} times its size "
                    "(a compression bomb?); the rest is not read")
        return ""


def unsafe_path(path: str) -> str:
    """Why a member path must not be used, or ""."""
    normalised = path.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return "absolute path"
    if ".." in normalised.split("/"):
        return "path escapes the archive (`..`)"
    if "\x00" in normalised:
        return "NUL byte in the path"
    return ""


def _kind_of_name(path: str) -> str:
    lowered = path.lower()
    if lowered.endswith(MANIFEST_SUFFIXES):
        return "manifest"
    if lowered.endswith(ARCHIVE_SUFFIXES):
        return "archive"
    return "other"


def _skip_reason(path: str) -> str:
    kind = _kind_of_name(path)
    if kind == "archive":
        return "nested archive (only one archive level is expanded)"
    if kind == "other":
        return "not a manifest file (.yaml, .yml, .json)"
    return ""


# --- zip ------------------------------------------------------------------------------------------


def _zip(data: bytes, limits: Limits) -> Iterator[Member]:
    budget = _Budget(limits, len(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        yield Member("", code="MES005", reason=f"the zip archive cannot be read: {exc}")
        return
    for info in infos:
        if info.is_dir():
            continue
        over = budget.next_member()
        if over:
            yield Member(info.filename, code="MES003", reason=over)
            return
        mode = (info.external_attr >> 16) & 0xFFFF
        bad = unsafe_path(info.filename) or _special(mode)
        if bad:
            yield Member(info.filename, code="MES008", reason=bad)
            continue
        skip = _skip_reason(info.filename)
        if skip:
            yield Member(info.filename, reason=skip)
            continue
        if info.flag_bits & 0x1:
            yield Member(info.filename, code="MES008", reason="encrypted member")
            continue
        member, stop = _read_zip_member(archive, info, budget, limits)
        yield member
        if stop:
            return


def _read_zip_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, limits: Limits
) -> tuple[Member, bool]:
    chunks: list[bytes] = []
    size = 0
    member_cap = limits.max_archive_ratio * max(info.compress_size, 1) + _RATIO_SLACK
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                size += len(chunk)
                over = budget.add(len(chunk))
                if over:
                    return Member(info.filename, code="MES003", reason=over), True
                if size > member_cap:
                    return Member(info.filename, code="MES003", reason=(
                        f"the member expands more than {limits.max_archive_ratio} times its compressed size "
                        "(a compression bomb?)")), False
                if size > limits.max_file_bytes:
                    return Member(info.filename, code="MES003",
                                  reason=f"the member is larger than {limits.max_file_bytes} bytes"), False
                chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError, zlib.error) as exc:
        return Member(info.filename, code="MES005", reason=f"the member cannot be read: {exc}"), False
    return Member(info.filename, b"".join(chunks)), False


def _special(mode: int) -> str:
    if not mode:
        return ""
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device file"
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "special file (FIFO or socket)"
    return ""


# --- tar ------------------------------------------------------------------------------------------


def _tar(data: bytes, fmt: str, limits: Limits) -> Iterator[Member]:
    """A tar archive, read member by member. A `.tar.gz` is decompressed while tarfile reads it (stream
    mode, `_Inflated`): never more than one member's bytes at a time, however far the stream expands."""
    budget = _Budget(limits, len(data))
    path = ""  # the member being read, for a problem of the gzip stream
    try:
        if fmt == "tar.gz":
            archive = tarfile.open(fileobj=_Inflated(data, _gzip_cap(data, limits)), mode="r|")  # noqa: SIM115
        else:
            archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115 - closed below
    except _GzipProblem as exc:
        yield exc.member(path)
        return
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        yield Member("", code="MES005", reason=f"the tar archive cannot be read: {exc}")
        return
    try:
        while True:
            try:
                info = archive.next()
            except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
                yield Member("", code="MES005", reason=f"the tar archive cannot be read further: {exc}")
                break
            if info is None:
                break
            path = info.name
            if info.isdir():
                continue
            over = budget.next_member()
            if over:
                yield Member(info.name, code="MES003", reason=over)
                return
            bad = unsafe_path(info.name) or _tar_special(info)
            if bad:
                yield Member(info.name, code="MES008", reason=bad)
                continue
            skip = _skip_reason(info.name)
            if skip:
                yield Member(info.name, reason=skip)
                continue
            if info.size > limits.max_file_bytes:
                yield Member(info.name, code="MES003",
                             reason=f"the member is larger than {limits.max_file_bytes} bytes")
                continue
            try:
                fh = archive.extractfile(info)
                content = fh.read(limits.max_file_bytes + 1) if fh is not None else b""
            except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
                yield Member(info.name, code="MES005", reason=f"the member cannot be read: {exc}")
                continue
            over = budget.add(len(content))
            if over:
                yield Member(info.name, code="MES003", reason=over)
                return
            yield Member(info.name, content)
    except _GzipProblem as exc:
        yield exc.member(path)
    finally:
        archive.close()


def _gzip_cap(data: bytes, limits: Limits) -> int:
    return min(limits.max_archive_total_bytes, limits.max_archive_ratio * max(len(data), 1) + _RATIO_SLACK)


class _GzipProblem(Exception):
    """The gzip stream of a `.tar.gz` expands beyond its cap (MES003), or is truncated or broken (MES005)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason

    def member(self, path: str) -> Member:
        return Member(path, code=self.code, reason=self.reason)


class _Inflated(io.RawIOBase):
    """The decompressed bytes of a (possibly multi-member) gzip stream, made as they are read, at most
    `cap` of them: a read past the cap raises `_GzipProblem` instead of returning more."""

    def __init__(self, data: bytes, cap: int) -> None:
        super().__init__()
        self.pending = data  # compressed bytes of the current and later gzip members
        self.inflater = zlib.decompressobj(wbits=31)
        self.cap = cap
        self.total = 0
        self.done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._next(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def _next(self, size: int) -> bytes:
        while not self.done:
            inflater = self.inflater
            before = len(self.pending)
            try:
                chunk = inflater.decompress(self.pending, min(size, _CHUNK))
                # at the end of a gzip member what follows is in unused_data (and may still be in unconsumed_tail)
                self.pending = b"" if inflater.eof else inflater.unconsumed_tail
            except zlib.error as exc:
                raise _GzipProblem("MES005", f"the gzip stream is broken: {exc}") from None
            if chunk:
                self.total += len(chunk)
                if self.total > self.cap:
                    raise _GzipProblem("MES003", f"the archive expands to more than {self.cap} bytes (size or "
                                                 "compression ratio limit); the rest is not read")
                return chunk
            if inflater.eof:
                rest = inflater.unused_data
                if rest.strip(b"\x00") == b"":  # the last member (and padding after it)
                    self.done = True
                else:
                    self.pending, self.inflater = rest, zlib.decompressobj(wbits=31)
            elif not self.pending or len(self.pending) == before:
                raise _GzipProblem("MES005", "the gzip stream is truncated")
        return b""


def _tar_special(info: tarfile.TarInfo) -> str:
    if info.issym():
        return "symbolic link"
    if info.islnk():
        return "hard link"
    if info.ischr() or info.isblk():
        return "device file"
    if info.isfifo():
        return "special file (FIFO)"
    if not info.isfile():
        return "not a regular file"
    return ""
