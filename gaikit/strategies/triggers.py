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

Paradox-style conditions ask about the agent rather than a number:
``has_strategy = ID`` (the strategy ``ID`` is active), ``has_game_rule =
RULE:PRESET`` (the game rule ``RULE`` is set to ``PRESET``) and ``country =
TAG`` (the agent is the country tagged ``TAG``). They read flags the engine
adds to every context (:func:`flag_key`); the compiler checks that the
strategy, rule and preset exist (country tags are checked by the game).

Decisions that have a target (a country the decision is about) may read the
target's scope: ``target.NAME`` (a feature of the target, e.g.
``target.strength``), ``target.has_strategy = ID``, ``target.country =
TAG`` and ``attitude = NAME`` (the agent's named attitude toward the target,
e.g. ``belligerent``; the game checks the name). The game puts these into
each option's features.

Anything else -- quotes, calls, attributes, brackets, operators such as ``+``
-- is a syntax error, so ``__import__('os')`` can never run.
"""

from __future__ import annotations

import math
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
    r"\s*(?:(?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)|(?P<name>(?:target\.)?[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>>=|<=|==|!=|>|<|=)|(?P<paren>[()])|(?P<colon>:))"
)
_WORDS = {"and", "or", "not", "true", "false", "yes", "no"}
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: Deepest nesting accepted (parentheses, ``not``, nested ``all``/``any``/``not``), as for YAML.
MAX_DEPTH = 64
_SHOWN_CHARS = 200
#: A name in a decision's target scope: ``target.`` and a name.
SCOPED_NAME_PATTERN = r"^(?:target\.)?[A-Za-z_][A-Za-z0-9_]*$"
#: The prefix of names and conditions about the target of a decision.
TARGET = "target."
#: Conditions on the agent itself (``has_strategy = ID``, ``has_game_rule = RULE:PRESET``,
#: ``country = TAG``) and on the target of a decision (``target.has_strategy = ID``, ``target.country = TAG``).
FLAG_CONDITIONS: tuple[str, ...] = (
    "has_strategy", "has_game_rule", "country", "target.has_strategy", "target.country", "attitude",
)
#: Conditions that only a decision with a target may ask (``attitude = NAME``: our named attitude toward it).
TARGET_CONDITIONS: tuple[str, ...] = ("target.has_strategy", "target.country", "attitude")


def flag_key(condition: str, *args: str) -> str:
    """The context key a flag condition reads: ``has_strategy:ID`` or ``has_game_rule:RULE:PRESET``.

    The colon keeps these keys apart from feature and value names.
    """
    return ":".join((condition, *args))


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
        if self.op == "flag":
            return {flag_key(*self.args)}
        return {a for a in self.args if isinstance(a, str)}

    def text(self) -> str:
        """The trigger in the string spelling (for explanations)."""
        if self.op == "const":
            return "true" if self.args[0] else "false"
        if self.op == "truthy":
            return str(self.args[0])
        if self.op == "flag":
            return f"{self.args[0]} = {':'.join(self.args[1:])}"
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
        if self.op == "flag":
            key = flag_key(*self.args)
            return lambda f: f.get(key, 0.0) != 0
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


def _shown(text: str) -> str:
    """``text`` quoted for an error message, shortened if long (a trigger may be megabytes)."""
    return repr(text) if len(text) <= _SHOWN_CHARS else repr(text[:_SHOWN_CHARS]) + f"... ({len(text):,} characters)"


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    # One left-to-right pass (no slicing of the rest of the text): time linear in its length.
    tokens: list[tuple[str, str, int]] = []
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            bad = pos
            while text[bad].isspace():  # a non-space character lies before ``end``
                bad += 1
            raise TriggerError(f"unexpected character {text[bad]!r} at column {bad + 1} in trigger {_shown(text)}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str, depth: int = 0) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        #: Nesting so far (parentheses, ``not``, enclosing mapping/list triggers): bounded by MAX_DEPTH.
        self.depth = depth

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            tok = self.peek()
            at = f" at column {tok[2]}" if tok else ""
            raise TriggerError(f"trigger nested more than {MAX_DEPTH} levels deep{at} in trigger {_shown(self.text)}")

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
        return TriggerError(f"expected {expected} but found {found} in trigger {_shown(self.text)}")

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
            self.enter()
            node = Node("not", (self.not_expr(),))
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.fail("a comparison")
        if tok == ("paren", "(", tok[2]):
            self.enter()
            self.i += 1
            node = self.or_expr()
            closing = self.peek()
            if closing is None or closing[1] != ")":
                raise self.fail("')'")
            self.i += 1
            self.depth -= 1
            return node
        if tok[0] == "name" and tok[1].lower() in ("true", "yes", "false", "no"):
            self.i += 1
            return Node("const", (tok[1].lower() in ("true", "yes"),))
        if tok[0] == "name" and tok[1] in FLAG_CONDITIONS:
            return self.flag(tok[1])
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
                raise TriggerError(f"comparison of two numbers in trigger {_shown(self.text)}; name a feature")
            left, right, symbol = right, left, {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(symbol, symbol)
        return Node(symbol, (left, right))

    def flag(self, condition: str) -> Node:
        self.i += 1
        op = self.peek()
        if op is None or op[1] not in ("=", "=="):
            raise self.fail(f"'=' after {condition}")
        self.i += 1
        parts = [self.plain_name(condition)]
        if condition == "has_game_rule":
            colon = self.peek()
            if colon is None or colon[0] != "colon":
                raise self.fail("':' between the rule and its preset (has_game_rule = RULE:PRESET)")
            self.i += 1
            parts.append(self.plain_name(condition))
        return Node("flag", (condition, *parts))

    def plain_name(self, condition: str) -> str:
        tok = self.peek()
        if tok is None or tok[0] != "name" or "." in tok[1]:
            raise self.fail(f"a name after {condition}")
        self.i += 1
        return tok[1]

    def operand(self) -> Operand:
        tok = self.peek()
        if tok is None or tok[0] not in ("name", "number") or tok[1].lower() in _WORDS:
            raise self.fail("a feature name or a number")
        self.i += 1
        if tok[0] != "number":
            return tok[1]
        number = float(tok[1])
        if not math.isfinite(number):
            raise TriggerError(f"number {tok[1]!r} at column {tok[2]} is out of range in trigger {_shown(self.text)}")
        return number


def parse_trigger(raw: Any) -> Node:
    """Parse a trigger in either spelling into a :class:`Node`; raises :class:`TriggerError`.

    Work is linear in the trigger's size; nesting (parentheses, ``not``,
    ``all``/``any``/``not`` mappings and lists, together) deeper than
    :data:`MAX_DEPTH` is a :class:`TriggerError`, never a ``RecursionError``.
    """
    return _parse(raw, 0)


def _parse(raw: Any, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise TriggerError(f"trigger nested more than {MAX_DEPTH} levels deep")
    if isinstance(raw, bool):
        return Node("const", (raw,))
    if isinstance(raw, str):
        return _Parser(raw, depth).parse()
    if isinstance(raw, list):
        return Node("all", tuple(_parse(item, depth + 1) for item in raw))
    if isinstance(raw, Mapping):
        return _parse_mapping(raw, depth)
    raise TriggerError(f"a trigger is a string, a mapping or a list, got {type(raw).__name__} {raw!r}")


def _parse_mapping(raw: Mapping[str, Any], depth: int) -> Node:
    keys = set(raw)
    for combinator in ("all", "any"):
        if keys == {combinator}:
            items = raw[combinator]
            if not isinstance(items, list):
                raise TriggerError(f"'{combinator}' takes a list of triggers, got {items!r}")
            return Node(combinator, tuple(_parse(item, depth + 1) for item in items))
    if keys == {"not"}:
        return Node("not", (_parse(raw["not"], depth + 1),))
    if len(keys) == 1 and next(iter(keys)) in FLAG_CONDITIONS:
        condition = next(iter(keys))
        arg = raw[condition]
        if not isinstance(arg, str):
            raise TriggerError(f"'{condition}' takes a name, got {arg!r}")
        return _Parser(f"{condition} = {arg}").parse()
    if "feature" in keys:
        ops = keys & set(_KEY_OPS)
        extra = keys - set(_KEY_OPS) - {"feature"}
        if extra or len(ops) != 1:
            raise TriggerError(
                f"a comparison is {{feature: NAME, <op>: VALUE}} with exactly one op of "
                f"{', '.join(_KEY_OPS)}; got keys {sorted(keys, key=str)}"
            )
        name = raw["feature"]
        if not isinstance(name, str) or not re.match(SCOPED_NAME_PATTERN, name):
            raise TriggerError(f"'feature' must be a name, got {name!r}")
        key = ops.pop()
        right = raw[key]
        if isinstance(right, bool) or not isinstance(right, (int, float, str)):
            raise TriggerError(f"'{key}' must be a number or a feature name, got {right!r}")
        if isinstance(right, (int, float)) and not math.isfinite(right):
            raise TriggerError(f"'{key}' must be a finite number, got {right!r}")
        if isinstance(right, str) and not re.match(SCOPED_NAME_PATTERN, right):
            raise TriggerError(f"'{key}' must be a number or a feature name, got {right!r}")
        return Node(_KEY_OPS[key], (name, right if isinstance(right, str) else float(right)))
    raise TriggerError(
        f"unknown trigger keys {sorted(keys, key=str)}; expected {{feature, gt|ge|lt|le|eq|ne}}, all, any, not, "
        f"{', '.join(FLAG_CONDITIONS)}"
    )
