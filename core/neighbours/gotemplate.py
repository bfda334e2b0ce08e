"""A small evaluator for the Go `text/template` subset Kuma's templates use.

Kuma renders HostnameGenerator templates (`{{ .DisplayName }}.extsvc.mesh.local`) and MeshIdentity
SPIFFE ID templates (`{{ .Mesh }}.{{ .Zone }}.mesh.local`, `/ns/{{ .Namespace }}/sa/{{ .ServiceAccount }}`)
with Go's `text/template` and one extra function, `label "<key>"`. This module evaluates what those
templates contain in practice: text, `{{ .Field }}`, `label`, string/number literals, pipelines with
`print`/`printf`/`len`/`index`/`eq`/`ne`/`and`/`or`/`not`, comments, trim markers, `if`/`else`/`with`.

Three outcomes, as Go's: the rendered text; `TemplateParseError` for what Go refuses to parse (an
unknown function, an unclosed action); `TemplateExecError` for what fails while executing (a field
the data does not have, `label` of a missing key). A valid Go construct outside the subset (`range`,
variables, `define`...) raises `TemplateUnsupported`: the caller then says it did not evaluate it.
Written from the language's documented behaviour, not from Go's sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Label = Callable[[str], str]


class TemplateError(Exception):
    """Base of the evaluation errors; `str()` is a one-line reason."""


class TemplateParseError(TemplateError):
    pass


class TemplateExecError(TemplateError):
    pass


class TemplateUnsupported(TemplateError):
    pass


_BUILTINS = frozenset({"and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
                       "println", "urlquery", "eq", "ne", "lt", "le", "gt", "ge"})
_EVALUATED = frozenset({"and", "index", "len", "not", "or", "print", "printf", "println", "eq", "ne", "label"})
_KEYWORDS = frozenset({"if", "else", "end", "with", "range", "define", "template", "block", "break", "continue"})
_TOKEN = re.compile(r'''\s+|"(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||\$[A-Za-z0-9_]*|:=|=|'(?:[^'\\]|\\.)'|'''
                    r'''(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|.''')


@dataclass(frozen=True, slots=True)
class _Text:
    text: str


@dataclass(frozen=True, slots=True)
class _Action:
    tokens: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class _Block:
    keyword: str  # "if" or "with"
    branches: tuple[tuple[tuple[str, ...] | None, tuple[Any, ...]], ...]  # (condition, body); None = else


def render(template: str, data: Mapping[str, str], label: Label | None = None,
           functions: frozenset[str] = frozenset({"label"})) -> str:
    """Render `template` with `data` (the fields a template may read) and the `label` function.

    `functions` are the extra functions the template was parsed with (Kuma always adds `label`). A
    template is parsed once per process (templates are few, the MES they are rendered for many).
    """
    nodes = _parsed(template, functions)
    if len(nodes) <= 3 and all(isinstance(n, _Text) or _is_field(n) for n in nodes):
        return "".join(n.text if isinstance(n, _Text) else _field(n, data) for n in nodes)  # the usual template
    out: list[str] = []
    _execute(nodes, dict(data), data, label, out)
    return "".join(out)


def _is_field(node: Any) -> bool:
    return isinstance(node, _Action) and len(node.tokens) == 1 and node.tokens[0][:1] == "." and \
        node.tokens[0].count(".") == 1 and len(node.tokens[0]) > 1


def _field(node: _Action, data: Mapping[str, str]) -> str:
    return _text(_operand(node.tokens[0], data, node.source))


@lru_cache(maxsize=256)
def _parsed(template: str, functions: frozenset[str]) -> tuple[Any, ...]:
    return _parse(template, functions)


def parse(template: str, functions: frozenset[str] = frozenset({"label"})) -> None:
    """Raise what parsing `template` raises in Go (TemplateParseError), or TemplateUnsupported."""
    _parsed(template, functions)


# --- parsing -------------------------------------------------------------------------------------------


def _parse(template: str, functions: frozenset[str]) -> tuple[Any, ...]:
    items = _lex(template)
    nodes, rest, ender = _nodes(items, 0, functions, top=True)
    if ender is not None:
        raise TemplateParseError(f"template: :1: unexpected {{{{{ender}}}}}")
    del rest
    return nodes


def _lex(template: str) -> list[Any]:
    items: list[Any] = []
    pos = 0
    trim_next = False
    while True:
        start = template.find("{{", pos)
        text = template[pos:] if start < 0 else template[pos:start]
        if trim_next:
            text = text.lstrip(" \t\r\n")
        if start < 0:
            if text:
                items.append(_Text(text))
            return items
        end = template.find("}}", start + 2)
        if end < 0:
            raise TemplateParseError("template: :1: unclosed action")
        inner = template[start + 2:end]
        if inner.startswith("- ") or inner == "-":
            text = text.rstrip(" \t\r\n")
            inner = inner[1:]
        trim_next = inner.endswith(" -")
        if trim_next:
            inner = inner[:-1]
        if text:
            items.append(_Text(text))
        stripped = inner.strip()
        if stripped.startswith("/*"):
            if not stripped.endswith("*/"):
                raise TemplateParseError("template: :1: unclosed comment")
        else:
            tokens = tuple(t for t in _TOKEN.findall(inner) if not t.isspace())
            if not tokens:
                raise TemplateParseError("template: :1: missing value for command")
            items.append(_Action(tokens, stripped))
        pos = end + 2


def _nodes(items: list[Any], i: int, functions: frozenset[str], *,
           top: bool) -> tuple[tuple[Any, ...], int, str | None]:
    out: list[Any] = []
    while i < len(items):
        item = items[i]
        if isinstance(item, _Text):
            out.append(item)
            i += 1
            continue
        head = item.tokens[0]
        if head in ("end", "else"):
            return tuple(out), i, head
        if head in ("if", "with"):
            block, i = _block(items, i, functions)
            out.append(block)
            continue
        if head in _KEYWORDS or any(t.startswith("$") for t in item.tokens):
            raise TemplateUnsupported(f"`{{{{{item.source}}}}}` is outside the evaluated subset")
        _check_pipeline(item.tokens, functions)
        out.append(item)
        i += 1
    return tuple(out), i, None


def _block(items: list[Any], i: int, functions: frozenset[str]) -> tuple[_Block, int]:
    keyword = items[i].tokens[0]
    condition: tuple[str, ...] | None = items[i].tokens[1:]
    if not condition:
        raise TemplateParseError(f"template: :1: missing value for {keyword}")
    branches: list[tuple[tuple[str, ...] | None, tuple[Any, ...]]] = []
    i += 1
    while True:
        assert condition is None or condition
        if condition is not None:
            _check_pipeline(condition, functions)
        body, i, ender = _nodes(items, i, functions, top=False)
        branches.append((condition, body))
        if ender is None:
            raise TemplateParseError("template: :1: unexpected EOF")
        tokens = items[i].tokens
        i += 1
        if ender == "end":
            if len(tokens) > 1:
                raise TemplateParseError("template: :1: unexpected token after end")
            return _Block(keyword, tuple(branches)), i
        if condition is None:
            raise TemplateParseError("template: :1: expected end; found {{else}}")
        if len(tokens) > 1:
            if tokens[1] != keyword:
                raise TemplateUnsupported("`else` with another keyword is outside the evaluated subset")
            condition = tokens[2:]
            if not condition:
                raise TemplateParseError(f"template: :1: missing value for {keyword}")
        else:
            condition = None


def _check_pipeline(tokens: tuple[str, ...], functions: frozenset[str]) -> None:
    depth = 0
    expect_command = True
    for token in tokens:
        if token == "(":
            depth += 1
            expect_command = True
            continue
        if token == ")":
            depth -= 1
            if depth < 0:
                raise TemplateParseError("template: :1: unexpected right paren")
            continue
        if token == "|":
            expect_command = True
            continue
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token) and token not in ("true", "false", "nil"):
            if token not in _BUILTINS and token not in functions:
                raise TemplateParseError(f'template: :1: function "{token}" not defined')
            if token not in _EVALUATED:
                raise TemplateUnsupported(f"function `{token}` is outside the evaluated subset")
        elif token in (":=", "=") or (len(token) == 1 and not token.isalnum() and token not in '."`'):
            raise TemplateParseError(f"template: :1: unexpected {token!r} in command")
        expect_command = False
    del expect_command
    if depth:
        raise TemplateParseError("template: :1: unclosed left paren")


# --- execution -----------------------------------------------------------------------------------------


def _execute(nodes: tuple[Any, ...], dot: Any, data: Mapping[str, str], label: Label | None, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, _Text):
            out.append(node.text)
        elif isinstance(node, _Action):
            out.append(_text(_pipeline(list(node.tokens), dot, label, node.source)))
        else:
            for condition, body in node.branches:
                if condition is None:
                    _execute(body, dot, data, label, out)
                    break
                value = _pipeline(list(condition), dot, label, " ".join(condition))
                if _truth(value):
                    _execute(body, value if node.keyword == "with" else dot, data, label, out)
                    break


def _pipeline(tokens: list[str], dot: Any, label: Label | None, source: str) -> Any:
    commands: list[list[str]] = [[]]
    depth = 0
    for token in tokens:
        if token == "|" and depth == 0:
            commands.append([])
            continue
        depth += token == "("
        depth -= token == ")"
        commands[-1].append(token)
    value: Any = _NO_VALUE
    for index, command in enumerate(commands):
        if not command:
            raise TemplateParseError("template: :1: missing command")
        extra = [value] if index > 0 else []
        value = _command(command, dot, label, source, extra)
    return value


def _command(tokens: list[str], dot: Any, label: Label | None, source: str, piped: list[Any]) -> Any:
    args: list[Any] = []
    i = 0
    head = tokens[0]
    name = head if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", head) and head not in ("true", "false", "nil") else None
    if name is not None:
        i = 1
    while i < len(tokens):
        token = tokens[i]
        if token == "(":
            depth, j = 1, i + 1
            while j < len(tokens) and depth:
                depth += tokens[j] == "("
                depth -= tokens[j] == ")"
                j += 1
            args.append(_pipeline(tokens[i + 1:j - 1], dot, label, source))
            i = j
            continue
        args.append(_operand(token, dot, source))
        i += 1
    args += piped
    if name is None:
        if len(args) != 1:
            raise TemplateExecError(f"can't give argument to non-function {tokens[0]}")
        return args[0]
    return _call(name, args, label, source)


class _NoValue:
    def __repr__(self) -> str:
        return "<no value>"


_NO_VALUE = _NoValue()


def _operand(token: str, dot: Any, source: str) -> Any:
    if token == ".":
        return dot
    if token.startswith("."):
        value = dot
        for field in token[1:].split("."):
            if isinstance(value, Mapping) and field in value:
                value = value[field]
            elif isinstance(value, Mapping):
                raise TemplateExecError(f'executing "" at <{token}>: can\'t evaluate field {field}')
            else:
                raise TemplateExecError(f'executing "" at <{token}>: can\'t evaluate field {field} in type string')
        return value
    if token.startswith('"'):
        return _unquote(token)
    if token.startswith("`"):
        return token[1:-1]
    if token in ("true", "false"):
        return token == "true"
    if token == "nil":
        raise TemplateExecError("nil is not a command")
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    if re.fullmatch(r"-?\d+\.\d+", token):
        return float(token)
    raise TemplateParseError(f"template: :1: unexpected {token!r} in operand")


def _unquote(token: str) -> str:
    body = token[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


def _call(name: str, args: list[Any], label: Label | None, source: str) -> Any:
    if name == "label":
        if len(args) != 1 or not isinstance(args[0], str):
            raise TemplateExecError(f'executing "" at <{source}>: wrong number of args for label: want 1 got '
                                    f'{len(args)}')
        if label is None:
            raise TemplateExecError("label is not available")
        try:
            return label(args[0])
        except TemplateExecError as exc:
            raise TemplateExecError(f'template: :1: executing "" at <{source}>: error calling label: {exc}') from None
    if name in ("print", "println"):
        text = _go_print(args)
        return text + "\n" if name == "println" else text
    if name == "printf":
        if not args or not isinstance(args[0], str):
            raise TemplateExecError("printf needs a format string")
        return _printf(args[0], args[1:])
    if name == "len":
        if len(args) != 1 or not hasattr(args[0], "__len__"):
            raise TemplateExecError("len of an argument without a length")
        return len(args[0])
    if name == "index":
        value = args[0]
        for key in args[1:]:
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                raise TemplateExecError(f"error calling index: cannot index with {key!r}") from None
        return value
    if name in ("eq", "ne"):
        if len(args) < 2:
            raise TemplateExecError(f"wrong number of args for {name}")
        equal = any(args[0] == other for other in args[1:])
        return equal if name == "eq" else not equal
    if name == "not":
        return not _truth(args[0]) if len(args) == 1 else _raise_args(name)
    if name == "and":
        for value in args:
            if not _truth(value):
                return value
        return args[-1] if args else _raise_args(name)
    if name == "or":
        for value in args:
            if _truth(value):
                return value
        return args[-1] if args else _raise_args(name)
    raise TemplateUnsupported(f"function `{name}` is outside the evaluated subset")


def _raise_args(name: str) -> Any:
    raise TemplateExecError(f"wrong number of args for {name}")


def _go_print(args: list[Any]) -> str:
    """Go's `fmt.Sprint`: a space between operands when neither is a string."""
    out = ""
    for i, value in enumerate(args):
        if i and not isinstance(value, str) and not isinstance(args[i - 1], str):
            out += " "
        out += _text(value)
    return out


def _printf(fmt: str, args: list[Any]) -> str:
    values = iter(args)

    def sub(m: re.Match[str]) -> str:
        verb = m.group(1)
        if verb == "%":
            return "%"
        try:
            value = next(values)
        except StopIteration:
            return f"%!{verb}(MISSING)"
        if verb == "q":
            return '"' + _text(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        if verb == "d" and not isinstance(value, int):
            return f"%!d({type(value).__name__}={_text(value)})"
        return _text(value)

    return re.sub(r"%([%svdq])", sub, fmt)


def _truth(value: Any) -> bool:
    if value is _NO_VALUE or value is None:
        return False
    return bool(value)


def _text(value: Any) -> str:
    if value is _NO_VALUE or value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_text(v)}" for k, v in sorted(value.items())) + "]"
    return str(value)
