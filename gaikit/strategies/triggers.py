"""The trigger language: declarative conditions over named game features.

A trigger is never evaluated as Python. It is parsed by a tiny tokenizer and
recursive-descent parser into a tree of comparisons and ``all``/``any``/``not``
nodes, then compiled into closures that only read numbers from a mapping.

Two spellings, freely nested:

* a string: ``lane_danger > 0.5 and not (lives <= 1 or is_player)``. Tokens
  are names (``[A-Za-z_][A-Za-z0-9_]*``), numbers, the comparisons
  ``> >= < <= == != =`` (``=`` means ``==``, as in Paradox scripts), the words
  ``and``/``or``/``not`` (also ``AND``/``OR``/``NOT``), ``true``/``false`` and
  parentheses. A bare name is true when its value is non-zero.
* a mapping: ``{feature: lane_danger, gt: 0.5}`` (exactly one of ``gt ge lt
  le eq ne``; the right side is a number or a name), ``{all: [...]}``,
  ``{any: [...]}``, ``{not: <trigger>}``; a list is ``all``; ``true``/``false``
  are constants.

Anything else -- quotes, calls, attributes, brackets, operators such as ``+``
-- is a syntax error, so ``__import__('os')`` can never run.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Union

#: A compiled trigger: reads features from a mapping, returns a bool.
Check = Callable[[Mapping[str, float]], bool]

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne,
}
_KEY_OPS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "==", "ne": "!="}
_TOKEN = re.compile(
    r"\s*(?:(?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>>=|<=|==|!=|>|<|=)|(?P<paren>[()]))"
)
_WORDS = {"and", "or", "not", "true", "false", "yes", "no"}
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class TriggerError(ValueError):
    """A trigger that does not parse; the message says where and what was expected."""


Operand = Union[str, float]


@dataclass(frozen=True)
class Node:
    """One node of a parsed trigger: ``op`` is a comparison, ``all``, ``any``, ``not``, ``truthy`` or ``const``."""

    op: str
    args: tuple[Any, ...]

    def names(self) -> set[str]:
        """Every feature or value name this trigger reads."""
        if self.op in ("all", "any", "not"):
            return set().union(*(child.names() for child in self.args)) if self.args else set()
        if self.op == "const":
            return set()
        return {a for a in self.args if isinstance(a, str)}

    def text(self) -> str:
        """The trigger in the string spelling (for explanations)."""
        if self.op == "const":
            return "true" if self.args[0] else "false"
        if self.op == "truthy":
            return str(self.args[0])
        if self.op == "not":
            return f"not ({self.args[0].text()})"
        if self.op in ("all", "any"):
            word = " and " if self.op == "all" else " or "
            return word.join(f"({c.text()})" if c.op in ("all", "any") else c.text() for c in self.args) or (
                "true" if self.op == "all" else "false"
            )
        left, right = self.args
        return f"{left} {self.op} {_fmt(right)}"

    def compile(self) -> Check:
        """A closure evaluating this node against a feature mapping."""
        if self.op == "const":
            value = bool(self.args[0])
            return lambda f: value
        if self.op == "truthy":
            name = self.args[0]
            return lambda f: f[name] != 0
        if self.op == "not":
            inner = self.args[0].compile()
            return lambda f: not inner(f)
        if self.op in ("all", "any"):
            parts = tuple(c.compile() for c in self.args)
            if self.op == "all":
                return lambda f: all(p(f) for p in parts)
            return lambda f: any(p(f) for p in parts)
        cmp = _COMPARE[self.op]
        left, right = self.args
        if isinstance(right, str):
            return lambda f: cmp(f[left], f[right])
        return lambda f: cmp(f[left], right)


def _fmt(x: Operand) -> str:
    return x if isinstance(x, str) else f"{x:g}"


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            bad = text[pos:].lstrip()[:1]
            col = len(text) - len(text[pos:].lstrip()) + 1
            raise TriggerError(f"unexpected character {bad!r} at column {col} in trigger {text!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def word(self, *words: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] == "name" and tok[1].lower() in words:
            self.i += 1
            return True
        return False

    def fail(self, expected: str) -> TriggerError:
        tok = self.peek()
        found = f"{tok[1]!r} at column {tok[2]}" if tok else "the end"
        return TriggerError(f"expected {expected} but found {found} in trigger {self.text!r}")

    def parse(self) -> Node:
        if not self.tokens:
            raise TriggerError("empty trigger")
        node = self.or_expr()
        if self.peek() is not None:
            raise self.fail("'and', 'or' or the end")
        return node

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.word("or"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Node("any", tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.not_expr()]
        while self.word("and"):
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else Node("all", tuple(parts))

    def not_expr(self) -> Node:
        if self.word("not"):
            return Node("not", (self.not_expr(),))
        return self.atom()

    def atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.fail("a comparison")
        if tok == ("paren", "(", tok[2]):
            self.i += 1
            node = self.or_expr()
            closing = self.peek()
            if closing is None or closing[1] != ")":
                raise self.fail("')'")
            self.i += 1
            return node
        if tok[0] == "name" and tok[1].lower() in ("true", "yes", "false", "no"):
            self.i += 1
            return Node("const", (tok[1].lower() in ("true", "yes"),))
        left = self.operand()
        op = self.peek()
        if op is None or op[0] != "op":
            if isinstance(left, str):
                return Node("truthy", (left,))
            raise self.fail("a comparison operator after a number")
        self.i += 1
        right = self.operand()
        symbol = "==" if op[1] == "=" else op[1]
        if not isinstance(left, str):
            if not isinstance(right, str):
                raise TriggerError(f"comparison of two numbers in trigger {self.text!r}; name a feature")
            left, right, symbol = right, left, {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(symbol, symbol)
        return Node(symbol, (left, right))

    def operand(self) -> Operand:
        tok = self.peek()
        if tok is None or tok[0] not in ("name", "number") or tok[1].lower() in _WORDS:
            raise self.fail("a feature name or a number")
        self.i += 1
        return float(tok[1]) if tok[0] == "number" else tok[1]


def parse_trigger(raw: Any) -> Node:
    """Parse a trigger in either spelling into a :class:`Node`; raises :class:`TriggerError`."""
    if isinstance(raw, bool):
        return Node("const", (raw,))
    if isinstance(raw, str):
        return _Parser(raw).parse()
    if isinstance(raw, list):
        return Node("all", tuple(parse_trigger(item) for item in raw))
    if isinstance(raw, Mapping):
        return _parse_mapping(raw)
    raise TriggerError(f"a trigger is a string, a mapping or a list, got {type(raw).__name__} {raw!r}")


def _parse_mapping(raw: Mapping[str, Any]) -> Node:
    keys = set(raw)
    for combinator in ("all", "any"):
        if keys == {combinator}:
            items = raw[combinator]
            if not isinstance(items, list):
                raise TriggerError(f"'{combinator}' takes a list of triggers, got {items!r}")
            return Node(combinator, tuple(parse_trigger(item) for item in items))
    if keys == {"not"}:
        return Node("not", (parse_trigger(raw["not"]),))
    if "feature" in keys:
        ops = keys & set(_KEY_OPS)
        extra = keys - set(_KEY_OPS) - {"feature"}
        if extra or len(ops) != 1:
            raise TriggerError(
                f"a comparison is {{feature: NAME, <op>: VALUE}} with exactly one op of "
                f"{', '.join(_KEY_OPS)}; got keys {sorted(keys)}"
            )
        name = raw["feature"]
        if not isinstance(name, str) or not re.match(NAME_PATTERN, name):
            raise TriggerError(f"'feature' must be a name, got {name!r}")
        key = ops.pop()
        right = raw[key]
        if isinstance(right, bool) or not isinstance(right, (int, float, str)):
            raise TriggerError(f"'{key}' must be a number or a feature name, got {right!r}")
        if isinstance(right, str) and not re.match(NAME_PATTERN, right):
            raise TriggerError(f"'{key}' must be a number or a feature name, got {right!r}")
        return Node(_KEY_OPS[key], (name, right if isinstance(right, str) else float(right)))
    raise TriggerError(
        f"unknown trigger keys {sorted(keys)}; expected {{feature, gt|ge|lt|le|eq|ne}}, all, any or not"
    )
