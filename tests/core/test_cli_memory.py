"""The CLI never shows a MemoryError traceback: should the machine run out anyway, it is a one-line error."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from core import cli


def test_a_memory_error_is_a_message_and_exit_code_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.yaml").write_text("kind: ConfigMap\n")

    def exhausted(*_args: object, **_kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(cli, "analyse", exhausted)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["check", str(tmp_path / "a.yaml")], stdout=out, stderr=err) == cli.EXIT_USAGE
    assert err.getvalue().startswith("mesdoctor: error: the machine ran out of memory")
    assert "Traceback" not in err.getvalue() and out.getvalue() == ""
