"""`_grid`, the terminal table's column layout: padding, truncation of long cells and of the last column, and
one printable line per cell whether a column is all plain text or holds a control character or colour."""

from __future__ import annotations

from core.report.table import Painter, _grid


def test_plain_columns_are_padded_to_their_widest_cell_and_the_last_one_is_cut_at_the_width() -> None:
    rows = [["ok", "a", "short"], ["broken", "bbbb", "x" * 40]]
    assert _grid(["S", "NAME", "WHY"], rows, width=34) == [
        "  S       NAME  WHY",
        "  ok      a     short",
        "  broken  bbbb  " + "x" * 19 + "…",
    ]


def test_a_cell_wider_than_48_is_cut_and_its_column_held_at_48() -> None:
    rows = [["n" * 60, "z"]]
    lines = _grid(["NAME", "LAST"], rows, width=200)
    assert lines[1] == "  " + "n" * 47 + "…  z"


def test_control_characters_and_line_breaks_show_as_escapes_in_an_otherwise_plain_column() -> None:
    rows = [["fine", "ok"], ["evil\x1b[2Jname\nnext", "ok"]]
    lines = _grid(["NAME", "X"], rows, width=80)
    assert "\x1b" not in "".join(lines) and "\n" not in "".join(lines)
    assert lines[2].startswith("  evil\\x1b[2Jname\\nnext  ok")
    assert lines[1] == "  fine" + " " * (len("evil\\x1b[2Jname\\nnext") - 4) + "  ok"


def test_coloured_cells_are_padded_by_their_visible_width() -> None:
    paint = Painter(colour=True)
    rows = [[paint.status("ok"), "a"], [paint.status("broken"), "b"]]
    lines = _grid(["STATUS", "N"], rows, width=80)
    assert lines[1] == "  \x1b[32mok\x1b[0m      a"
    assert lines[2] == "  \x1b[31mbroken\x1b[0m  b"
