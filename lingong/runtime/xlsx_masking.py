"""The worksheet every output workbook is written with: each string cell, rich string and
comment masked (privacy.mask), whichever worksheet class writes it (xlsx_fast's short ways or
xlsxwriter's own).

The masking holds on to three methods of xlsxwriter: the two private ones every string and
rich string goes through (Worksheet._write_string and _write_rich_string: write, write_string,
write_row, write_column, merge_range, write_url and add_table all end there) and the public
write_comment. Unlike the short ways it is never switched off: when one of those methods is not
there with the parameters it has in the version checked, no workbook is written
(MaskingUnavailable) rather than one that might hold a number unmasked. The tests write through
every public way, with the short ways and without (tests/runtime/test_xlsx_masking.py).
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from lingong.runtime import privacy
from lingong.runtime.library_hooks import first_changed

_HOOKS = {
    (Worksheet, "_write_string"): "self, row, col, string, cell_format=",
    (Worksheet, "_write_rich_string"): "self, row, col, *args",
    (Worksheet, "write_comment"): "self, row, col, comment, options=",
}


class MaskingUnavailable(RuntimeError):
    """xlsxwriter no longer writes text the way the masking expects: nothing is written."""


class _Masking:
    """Put before a worksheet class: its text goes through privacy.mask first."""

    def _write_string(self, row, col, string, cell_format=None):
        return super()._write_string(row, col, privacy.mask(string), cell_format)

    def _write_rich_string(self, row, col, *args):
        return super()._write_rich_string(row, col, *(privacy.mask(a) if isinstance(a, str) else a for a in args))

    def write_comment(self, *args, **kw):  # (row, col, text) or ("B2", text)
        args = list(args)
        i = 1 if isinstance(args[0], str) else 2
        if len(args) > i and isinstance(args[i], str):
            args[i] = privacy.mask(args[i])
        return super().write_comment(*args, **kw)


_CLASSES: dict[tuple, type] = {}  # (base, the hooks' identities) -> its masking class


def masking(base: type[Worksheet]) -> type[Worksheet]:
    """``base`` (a subclass of xlsxwriter's Worksheet) masking every text it writes; raises
    MaskingUnavailable when xlsxwriter's methods are not those the masking was checked on."""
    key = (base, *(id(getattr(cls, name, None)) for cls, name in _HOOKS))
    if key not in _CLASSES:
        changed = first_changed(_HOOKS)
        if changed:
            raise MaskingUnavailable(
                f"xlsxwriter 的 {changed} 与本程序核对过的版本不同，无法保证身份证号、手机号打码，"
                "因此不写出任何工作簿。请安装 requirements.txt 中的 xlsxwriter 版本。"
            )
        _CLASSES[key] = type(f"Masking{base.__name__}", (_Masking, base), {})
    return _CLASSES[key]
