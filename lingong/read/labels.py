"""Comparing labels and codes the way a clerk reads them.

Stations retype labels ("所属县(市、区)", "报送年月：", " 驿站 编号"), switch input
methods between full- and half-width, and paste from Word. Two labels are the
same when they are the same after ``norm_label``.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# NFKC already folds （）：，［］ to ASCII; these are the look-alikes it leaves.
_PUNCT = str.maketrans(
    {
        "【": "(",
        "】": ")",
        "〔": "(",
        "〕": ")",
        "［": "(",
        "］": ")",
        "[": "(",
        "]": ")",
        "〈": "(",
        "〉": ")",
        "《": "(",
        "》": ")",
        "{": "(",
        "}": ")",
        "、": ",",
        "，": ",",
        "；": ";",
        "﹐": ",",
        "﹑": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "―": "-",
        "−": "-",
        "~": "-",
        "～": "-",
        "。": ".",
        "·": ".",
        "・": ".",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
_SPACE = re.compile(r"\s+")
_DASHES = re.compile(r"[\u2010-\u2015\u2212\uff0d_]")
_NON_WORD = re.compile(r"[\W_]+")


def norm_label(s: object) -> str:
    """NFKC, no white space at all, one form of brackets/colons/commas, no trailing colon
    or required-field star."""
    if s is None:
        return ""
    return _norm_label(s if isinstance(s, str) else str(s))


# Every header and choice cell of every report goes through these; the same few
# hundred texts recur across thousands of files, so the answers are remembered.
@functools.lru_cache(maxsize=1 << 14)
def _norm_label(s: str) -> str:
    t = unicodedata.normalize("NFKC", s).translate(_PUNCT)
    t = _SPACE.sub("", t)
    return t.strip("*").rstrip(":").strip("*")


def loose_label(s: object) -> str:
    """``norm_label`` without any punctuation: the fallback when a station typed
    "所属县(市/区)" or "所属县市区"."""
    if s is None:
        return ""
    return _loose_label(s if isinstance(s, str) else str(s))


@functools.lru_cache(maxsize=1 << 14)
def _loose_label(s: str) -> str:
    return _NON_WORD.sub("", _norm_label(s))


def norm_code(s: object) -> str:
    """A station or indicator code as typed -> canonical form: NFKC, no spaces,
    no invisible format characters (Unicode category Cf: U+2060, U+200C, U+00AD …,
    which a copy from a web page or a chat carries along), upper case, every dash
    look-alike a hyphen ("zd－003 " -> "ZD-003")."""
    if s is None:
        return ""
    if isinstance(s, float) and s.is_integer():
        s = int(s)
    t = _drop_format_chars(unicodedata.normalize("NFKC", str(s)))
    t = _SPACE.sub("", t)
    return _DASHES.sub("-", t).upper()


def _drop_format_chars(t: str) -> str:
    if t.isascii():
        return t
    return "".join(ch for ch in t if unicodedata.category(ch) != "Cf")


INVISIBLE_MARK = "[不可见字符]"


def code_typed_oddly(s: object) -> str | None:
    """When a typed code held invisible or full-width characters (that ``norm_code``
    removed or folded), the text as a person can see it, for the 提示 N001; else None.
    Spaces, case and dash look-alikes are ordinary typing and not worth a note."""
    if not isinstance(s, str) or s.isascii():
        return None
    folded = unicodedata.normalize("NFKC", s)
    if folded == s and _drop_format_chars(s) == s:
        return None
    return "".join(INVISIBLE_MARK if unicodedata.category(ch) == "Cf" else ch for ch in s.strip())


def norm_text(s: object) -> str:
    """Free text for comparing with the registry: NFKC, no white space."""
    if s is None:
        return ""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(s)))


def sheet_key(name: object) -> str:
    """How a sheet's name is compared, everywhere (choosing the sheets to read, classifying a
    workbook, finding a sheet in it): stations retype the template's names with stray spaces,
    ideographic ones too, and full-width brackets; the label normalisation forgives all of them."""
    return norm_label(name)


def sheet_lookup(sheet_names) -> dict[str, str]:
    """sheet_key -> the name as in the file (the first wins), so readers select by the
    template's name whatever a station typed around it."""
    out: dict[str, str] = {}
    for n in sheet_names:
        out.setdefault(sheet_key(n), n)
    return out


def find_sheet(wb, name: str):
    """The sheet whose name matches ``name`` by sheet_key, or None (also when it is listed in
    the file but was not read: not a wanted sheet)."""
    try:
        return wb.sheet(name)
    except KeyError:
        return None
