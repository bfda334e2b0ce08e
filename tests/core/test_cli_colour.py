"""`mesdoctor check --color auto|always|never`: ANSI colour in the table output only when asked, or (auto)
when stdout is a terminal and NO_COLOR is unset; never in the other formats or in an --output file on auto."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from tests.factories import NOW
from tests.scenarios import motivating_case

SGR = re.compile(r"\x1b\[[0-9;]*m")
BOLD_TITLE = "\x1b[1mMES Doctor\x1b[0m"  # the first line: painted outside the grids
RED_BROKEN = "\x1b[31mbroken\x1b[0m"  # a STATUS cell of the services grid
MASKED_ESCAPE = "\\x1b["  # what printable() turns a real ESC into: the text backslash, x, 1, b, [
ROOT = Path(__file__).resolve().parents[2]


def coloured(text: str) -> bool:
    """Real SGR colour codes (an ESC byte) are in the text."""
    return SGR.search(text) is not None


class TtyStream(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def incident(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("colour") / "incident.yaml"
    path.write_text(motivating_case(NOW).yaml)  # one broken, one healthy MES (RSA keys: made once)
    return path


@pytest.fixture(autouse=True)
def _no_color_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)


def run(*argv: str, stdout: io.StringIO | None = None) -> str:
    out = stdout if stdout is not None else io.StringIO()
    main(["check", *argv, "--now", NOW.isoformat()], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_always_colours_the_table(incident: Path) -> None:
    out = run(str(incident), "--color", "always")
    assert coloured(out) and out.startswith(BOLD_TITLE)


def test_never_and_auto_off_a_terminal_are_plain(incident: Path) -> None:
    assert "\x1b" not in run(str(incident), "--color", "never")
    assert "\x1b" not in run(str(incident), "--color", "auto")
    assert "\x1b" not in run(str(incident))  # auto is the default


def test_auto_on_a_terminal_colours(incident: Path) -> None:
    out = run(str(incident), stdout=TtyStream())
    assert coloured(out) and out.startswith(BOLD_TITLE)


def test_never_wins_over_a_terminal(incident: Path) -> None:
    assert "\x1b" not in run(str(incident), "--color", "never", stdout=TtyStream())


def test_no_color_environment_turns_auto_off(incident: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b" not in run(str(incident), stdout=TtyStream())
    assert coloured(run(str(incident), "--color", "always", stdout=TtyStream()))  # an explicit ask still wins


def test_auto_does_not_colour_an_output_file(incident: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    assert run(str(incident), "--output", str(target), stdout=TtyStream()) == ""
    text = target.read_text()
    assert "billing" in text and "\x1b" not in text


@pytest.mark.parametrize("how", ["always", "terminal"])
def test_status_cells_are_coloured_not_masked(incident: Path, how: str) -> None:
    out = (run(str(incident), "--color", "always") if how == "always"
           else run(str(incident), stdout=TtyStream()))
    assert MASKED_ESCAPE not in out
    assert RED_BROKEN in out and "\x1b[32mhealthy\x1b[0m" in out


def test_colour_only_decorates(incident: Path) -> None:
    """Stripping the colour codes from the coloured table gives exactly the plain table."""
    coloured = run(str(incident), "--color", "always")
    plain = run(str(incident), "--color", "never")
    assert coloured != plain
    assert SGR.sub("", coloured) == plain


@pytest.mark.parametrize("fmt", ["json", "markdown", "sarif", "junit"])
def test_other_formats_are_never_coloured(incident: Path, fmt: str) -> None:
    out = run(str(incident), "--format", fmt, "--color", "always", stdout=TtyStream())
    assert out and "\x1b" not in out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminal test written for Linux")
def test_real_terminal_and_pipe(incident: Path) -> None:
    """The real sys.stdout of a process: a pseudo-terminal gets colour, a pipe does not."""
    import pty

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    argv = [sys.executable, "-m", "core", "check", str(incident), "--now", NOW.isoformat()]
    piped = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "billing" in piped.stdout and "\x1b" not in piped.stdout

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=slave, stderr=subprocess.DEVNULL)
        os.close(slave)
        chunks = []
        while True:  # read while it runs (a full pty buffer would block it); EIO once it has exited
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=120)
    finally:
        os.close(master)
    assert coloured(b"".join(chunks).decode())
