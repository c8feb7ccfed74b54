"""Where the program relies on a library's private methods (xlsxwriter's, for the short ways of
xlsx_fast and for the masking of xlsx_masking), each is checked against the parameters it had
when the code relying on it was checked: a library upgrade that changes one is then seen, not
silently worked around."""

from __future__ import annotations

import inspect
from collections.abc import Mapping


def parameters(f) -> str:
    """The parameters of ``f`` as names ("self, row, col, cell_format=, *args"): a default is
    shown by "=", not by its value, and annotations are left out (their text varies between
    Python versions; what a caller passes does not)."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return "?"
    out = []
    for p in sig.parameters.values():
        name = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        out.append(name + ("=" if p.default is not p.empty else ""))
    return ", ".join(out)


def first_changed(expected: Mapping[tuple[type, str], str]) -> str:
    """The first ``Class.method`` of ``expected`` (its parameters as ``parameters`` writes them)
    that is missing or takes other parameters now; "" when every one is as expected."""
    for (cls, name), params in expected.items():
        f = getattr(cls, name, None)
        if f is None or parameters(f) != params:
            return f"{cls.__name__}.{name}"
    return ""
