"""Fetch the official SARIF 2.1.0 JSON Schema (2.1.0-rtm.5) for the SARIF output test.

PyPI has no package shipping it; Microsoft's MIT-licensed npm package `@microsoft/jest-sarif`
does. The package tarball is read straight from the npm registry with the standard library (no
`npm` needed) and the schema is kept only if its SHA-256 is the pinned one.

    python -m tests.tools.fetch_sarif_schema DEST
"""

from __future__ import annotations

import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

URL = "https://registry.npmjs.org/@microsoft/jest-sarif/-/jest-sarif-1.0.0-beta.0.tgz"
MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"
SHA256 = "2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8"
MAX_BYTES = 5 * 2**20


def schema_from_tarball(data: bytes) -> bytes:
    """The pinned schema out of the package tarball; ValueError if it is missing or not the pinned one."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        try:
            member = archive.getmember(MEMBER)
        except KeyError:
            raise ValueError(f"{MEMBER} is not in the package") from None
        handle = archive.extractfile(member)
        if handle is None:
            raise ValueError(f"{MEMBER} is not a regular file")
        schema = handle.read(MAX_BYTES)
    digest = hashlib.sha256(schema).hexdigest()
    if digest != SHA256:
        raise ValueError(f"{MEMBER} has sha256 {digest}, expected {SHA256}")
    return schema


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    dest = Path(argv[0])
    try:
        with urllib.request.urlopen(URL, timeout=60) as response:
            data = response.read(MAX_BYTES)
        schema = schema_from_tarball(data)
    except (OSError, ValueError, tarfile.TarError) as exc:
        print(f"could not fetch the SARIF schema from {URL}: {exc}", file=sys.stderr)
        return 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_suffix(".partial")
    partial.write_bytes(schema)
    partial.replace(dest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
