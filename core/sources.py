"""Input files as bytes with a label: what every loader and live fetcher produces."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")


@dataclass(frozen=True, slots=True)
class Source:
    """One input file: `label` says where it came from (a path root, `upload`, `paste`,
    `sample`, `kube:<context>`, a URL) and `name` is the file name shown to the user.
    `error` says why a file found while walking a directory could not be read (`data` is then
    empty): the loader reports it (MES005) and goes on with the other files."""

    label: str
    name: str
    data: bytes = field(repr=False)
    fetched_at: datetime | None = None
    error: str | None = None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def is_archive(self) -> bool:
        return self.name.lower().endswith(ARCHIVE_SUFFIXES)


def inputs_digest(sources: Iterable[Source]) -> str:
    """Digest over names and bytes of all sources, order-sensitive (later files override)."""
    h = hashlib.sha256()
    for s in sources:
        h.update(s.label.encode() + b"\0" + s.name.encode() + b"\0" + s.digest.encode() + b"\n")
        if s.error is not None:
            h.update(b"!" + s.error.encode("utf-8", "replace") + b"\n")
    return h.hexdigest()


class UnreadablePath(Exception):
    """A path given on the command line does not exist or cannot be read (exit code 2)."""


def sources_from_paths(
    paths: Sequence[str], stdin: BinaryIO | None = None, max_file_bytes: int | None = None
) -> list[Source]:
    """Read files, directories (recursively: manifests and archives, sorted) and `-` (stdin).

    A path given explicitly that is missing or unreadable raises `UnreadablePath`; a file found in
    a directory that cannot be read (permissions, a dangling symlink, a vanished file) becomes a
    `Source` with an `error`, so the other files are still analysed.

    At most `max_file_bytes + 1` bytes are read per file, so the loader can report an oversized
    file (MES003) without the whole of it ever being in memory.
    """
    cap = None if max_file_bytes is None else max_file_bytes + 1
    sources: list[Source] = []
    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(cap if cap is not None else -1)
            sources.append(Source(label="stdin", name="<stdin>", data=data))
            continue
        path = Path(raw)
        if path.is_dir():
            for file in sorted(_walk(path)):
                try:
                    sources.append(Source(label=raw, name=str(file), data=_read(file, cap)))
                except UnreadablePath as exc:
                    sources.append(Source(label=raw, name=str(file), data=b"", error=str(exc)))
        elif path.exists():
            sources.append(Source(label=raw, name=str(path), data=_read(path, cap)))
        else:
            raise UnreadablePath(f"{raw}: no such file or directory")
    return sources


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.lower().endswith(MANIFEST_SUFFIXES + ARCHIVE_SUFFIXES) and not name.startswith("."):
                yield Path(dirpath) / name


def _read(path: Path, cap: int | None) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(cap if cap is not None else -1)
    except OSError as exc:
        raise UnreadablePath(f"{path}: {exc.strerror or exc}") from exc
