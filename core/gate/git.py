"""Inputs at a git revision (`mesdoctor diff --git-base REV PATH...`): the same files `sources_from_paths`
would read from the working tree, read from the commit instead, under the same names (so findings on
files, e.g. a parse error, match between the two sides). Read-only: `git ls-tree` and `git cat-file`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

from core.sources import ARCHIVE_SUFFIXES, MANIFEST_SUFFIXES, Source

GIT_TIMEOUT = 120


class GitError(Exception):
    """git is missing, the directory is not a repository, or the revision does not exist (exit code 2)."""


def sources_at_revision(rev: str, paths: list[str], *, cwd: str | None = None,
                        max_file_bytes: int | None = None) -> list[Source]:
    """The manifests and archives under `paths` (files or directories, relative to `cwd`) as of `rev`.
    A path that does not exist at `rev` gives nothing (a pull request that adds it)."""
    if not rev or rev.startswith("-"):
        raise GitError(f"not a git revision: {rev!r}")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd).decode().strip()
    if not commit:
        raise GitError(f"{rev}: no such commit")
    wanted: list[tuple[str, str, str]] = []  # (label, name, blob id)
    for raw in paths:
        if raw == "-":
            raise GitError("--git-base reads paths at a revision; stdin (-) has no revision")
        listing = _git(["ls-tree", "-r", "-z", commit, "--", raw], cwd)
        entries = [e for e in listing.split(b"\0") if e]
        spec = os.path.relpath(os.path.join(cwd or os.getcwd(), raw), cwd or os.getcwd())
        # by path components, as the directory walk sorts its paths
        for entry in sorted(entries, key=lambda e: PurePosixPath(os.fsdecode(e.partition(b"\t")[2])).parts):
            meta, _, name_bytes = entry.partition(b"\t")
            mode, kind, oid = meta.decode().split()
            name = os.fsdecode(name_bytes)
            if kind != "blob" or mode == "120000":  # submodules and symbolic links are not read
                continue
            if name == spec or spec == ".":
                rel = name if spec == "." else ""
            else:
                try:
                    rel = str(PurePosixPath(name).relative_to(PurePosixPath(spec)))
                except ValueError:
                    continue
            if rel:
                parts = PurePosixPath(rel).parts
                if any(p.startswith(".") for p in parts) or not parts[-1].lower().endswith(
                        MANIFEST_SUFFIXES + ARCHIVE_SUFFIXES):
                    continue  # what the directory walk skips
                shown = str(Path(raw) / rel)
            else:
                shown = str(Path(raw))
            wanted.append((raw, shown, oid))
    blobs = _cat(sorted({oid for _, _, oid in wanted}), cwd, max_file_bytes)
    return [Source(label=f"{rev}:{label}", name=name, data=blobs[oid]) for label, name, oid in wanted]


def _cat(oids: list[str], cwd: str | None, cap: int | None) -> dict[str, bytes]:
    if not oids:
        return {}
    out = _git(["cat-file", "--batch"], cwd, stdin="".join(f"{oid}\n" for oid in oids).encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in oids:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode().split()
        if len(header) != 3 or header[1] != "blob":
            raise GitError(f"git cat-file: unexpected answer for {oid}: {' '.join(header)}")
        size = int(header[2])
        data = out[end + 1:end + 1 + size]
        blobs[oid] = data if cap is None else data[:cap + 1]  # the loader reports a file over the limit (MES003)
        pos = end + 1 + size + 1
    return blobs


def _git(args: list[str], cwd: str | None, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, timeout=GIT_TIMEOUT,
                              check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (needed for --git-base)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT} s") from None
    if done.returncode != 0 and not (args[0] == "rev-parse" and done.returncode == 1 and not done.stderr):
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise GitError(f"git {args[0]}: {message[-1] if message else f'exit code {done.returncode}'}")
    return done.stdout
