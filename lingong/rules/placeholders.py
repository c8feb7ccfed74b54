"""Placeholders in texts the bureau edits in the rules file: ``{name}`` or
``{key.attr}`` from an allow-list, and nothing else.

``str.format`` would let a text reach into the program (``{x.__init__.__globals__}``
prints the environment, SMTP password included) or blow up a page
(``{needed:>999999999}``); these texts are filled by plain lookup instead, and
checked when the rules are loaded so that a bad one stops the run before anything
is written.
"""

from __future__ import annotations

import string


class PlaceholderError(ValueError):
    """A text has a placeholder that is not allowed; ``str(e)`` says which, in Chinese."""


def placeholders(text: str) -> list[str]:
    """The placeholder names in ``text``; PlaceholderError for conversions (``!r``),
    format specs (``:>9``) and unbalanced braces."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as e:
        raise PlaceholderError(f"花括号不成对（{e}）；文字中的花括号请写成 {{{{ 和 }}}}") from None
    names = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if conversion or spec:
            raise PlaceholderError(f"占位符 {shown} 不能带 ! 或 : 格式说明，请写成 {{{name}}}")
        names.append(name)
    return names


def check(text: str, allowed: set[str] | frozenset[str]) -> None:
    """PlaceholderError unless every placeholder of ``text`` is in ``allowed``."""
    for name in placeholders(text):
        if name not in allowed:
            raise PlaceholderError(f"占位符 {{{name}}} 无法识别，可用：{'、'.join(sorted(allowed))}")


def fill(text: str, values: dict[str, object]) -> str:
    """``text`` with each placeholder replaced by ``str(values[name])`` (KeyError if
    missing). Nothing is looked up on an object: ``{a.b}`` is the key "a.b"."""
    out = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            if conversion or spec:
                raise PlaceholderError(f"占位符 {{{name}}} 不能带 ! 或 : 格式说明")
            value = values[name]
            out.append("" if value is None else str(value))
    return "".join(out)
