"""Turning what a user hands the Sources page (uploads, pasted text) into `Source`s.

Pure functions (no Streamlit calls) so they are tested directly; the page only wires widgets to them.
Archives are passed through as they are: the loader expands `.zip` / `.tar.gz` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from core.sources import ARCHIVE_SUFFIXES, MANIFEST_SUFFIXES, Source

UPLOAD_TYPES = [*MANIFEST_SUFFIXES, ".zip", ".tar", ".gz", ".tgz"]  # `.gz` admits `.tar.gz`
PASTE_NAME = "pasted.yaml"


class Uploaded(Protocol):
    """What `st.file_uploader` returns per file (UploadedFile), reduced to what we read."""

    name: str

    def getvalue(self) -> bytes: ...


def sources_from_uploads(files: Iterable[Uploaded | tuple[str, bytes]]) -> list[Source]:
    """One `Source(label="upload")` per uploaded file, in upload order (later files override)."""
    sources: list[Source] = []
    for item in files:
        if isinstance(item, tuple):
            name, data = item
        else:
            name, data = item.name, item.getvalue()
        sources.append(Source(label="upload", name=str(name) or "upload", data=bytes(data)))
    return sources


def source_from_paste(text: str | None, name: str = PASTE_NAME) -> Source | None:
    """The pasted manifests as one source; None when there is nothing but whitespace."""
    if text is None or not text.strip():
        return None
    return Source(label="paste", name=name, data=text.encode("utf-8", "surrogatepass"))


def describe_sources(sources: list[Source], limit: int = 3) -> str:
    """`3 files: a.yaml, b.yaml, dump.tar.gz` — short, for headers and the sidebar."""
    if not sources:
        return "no files"
    names = [s.name for s in sources]
    shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
    archives = sum(1 for s in sources if s.is_archive)
    noun = "file" if len(sources) == 1 else "files"
    extra = f" ({archives} archive{'s' if archives != 1 else ''})" if archives else ""
    return f"{len(sources)} {noun}{extra}: {shown}"


def upload_label(sources: list[Source]) -> str:
    if len(sources) == 1:
        return f"Uploaded file {sources[0].name}"
    return f"{len(sources)} uploaded files"


def total_bytes(sources: Iterable[Source]) -> int:
    return sum(len(s.data) for s in sources)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover


def is_supported_name(name: str) -> bool:
    return name.lower().endswith(MANIFEST_SUFFIXES + ARCHIVE_SUFFIXES)
