"""Finding elements in a part's text, and editing the text there.

A part is edited as text so that prefixes, namespace declarations, ``mc:Ignorable`` lists and
every byte not edited stay as the station's program wrote them. Where to edit is found by a
tokenizer, run only on text the hardened parser has accepted (Package.text checks it with
safexml): each "<" of such a text opens a comment, a CDATA section, a processing instruction or
a tag, and a tag ends at the first ">" outside its quoted attribute values (which may hold ">").
A search of the raw text for "<name" would be fooled by a comment, a CDATA section or such a
value; a walk over the tokens is not. A text with none of them (what Office writes) is searched
directly for the tags of one name, at C speed: there every "<" starts a tag. Anything else
raises ``Unpatchable``.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterator
from typing import NamedTuple


class Unpatchable(Exception):
    """The package is not one this module can patch safely; copy it another way."""


_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"
    r"""|<(/?)([^\W\d][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""",
    re.S,
)
_ATTR = re.compile(r"""\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_NAME_END = re.compile(r"<[^\s/>]+")
OPEN, CLOSE, EMPTY = 0, 1, 2


class Tag(NamedTuple):
    kind: int  # OPEN, CLOSE or EMPTY
    name: str  # as written, prefix and all
    start: int
    end: int


class Element(NamedTuple):
    name: str  # as written, prefix and all
    start: int  # its "<"
    head_end: int  # just past its start tag
    body_end: int  # where its end tag starts (head_end when written <name/>)
    end: int  # just past its end tag

    @property
    def local(self) -> str:
        return self.name.rpartition(":")[2]

    @property
    def empty(self) -> bool:
        """Written as one tag, <name/>."""
        return self.end == self.head_end

    def head(self, xml: str) -> str:
        return xml[self.start : self.head_end]

    def text(self, xml: str) -> str:
        return xml[self.start : self.end]


_PLAIN: list[tuple[str, bool]] = []  # the last texts looked at: an edit asks about one text many times


def _plain(xml: str) -> bool:
    """No comment, CDATA section or processing instruction past the XML declaration (what
    Office programs write): every "<" of the text then starts a tag."""
    for text, plain in _PLAIN:
        if text is xml:
            return plain
    plain = xml.find("<!") < 0 and xml.find("<?", 1) < 0
    _PLAIN[:] = [(xml, plain), *_PLAIN[:3]]
    return plain


def _tag(m: re.Match) -> Tag:
    return Tag(CLOSE if m.group(1) else EMPTY if m.group(4) else OPEN, m.group(2), m.start(), m.end())


def tags(xml: str, pos: int = 0, end: int | None = None) -> Iterator[Tag]:
    """The tags of xml[pos:end] in order; comments, CDATA and processing instructions skipped."""
    end = len(xml) if end is None else end
    for m in _TOKEN.finditer(xml, pos, end):
        if xml.find("<", pos, m.start()) >= 0:
            raise Unpatchable("unexpected markup")
        pos = m.end()
        if m.group(2) is not None:
            yield _tag(m)
    if xml.find("<", pos, end) >= 0:
        raise Unpatchable("unexpected markup")


@functools.lru_cache(maxsize=256)
def _same_name(name: str) -> re.Pattern:
    """A start or end tag called ``name`` (not a longer name that begins with it)."""
    return re.compile(rf"<(/?){re.escape(name)}(?=[\s/>])")


@functools.lru_cache(maxsize=256)
def _start_of(name: str) -> re.Pattern:
    return re.compile(rf"<{re.escape(name)}(?=[\s/>])")


def _element(xml: str, tag: Tag, limit: int, plain: bool) -> Element:
    """The element ``tag`` opens, its end found before ``limit``. In a plain text only the tags
    of its own name are looked at (C-speed searches); otherwise every tag is walked."""
    if tag.kind == EMPTY:
        return Element(tag.name, tag.start, tag.end, tag.end, tag.end)
    depth = 0
    if plain:
        close = xml.find(f"</{tag.name}", tag.end, limit)
        after = close + 2 + len(tag.name)
        if (
            0 <= close
            and after < len(xml)
            and xml[after] in ">\t\n\r "
            and not _start_of(tag.name).search(xml, tag.end, close)
        ):
            return Element(tag.name, tag.start, tag.end, close, xml.index(">", after) + 1)  # nothing of its name inside
        for m in _same_name(tag.name).finditer(xml, tag.end, limit):
            if not m.group(1):
                t = _TOKEN.match(xml, m.start())
                if t is None:
                    raise Unpatchable("unexpected markup")
                depth += 0 if t.group(4) else 1
            elif depth:
                depth -= 1
            else:
                t = _TOKEN.match(xml, m.start())
                if t is None:
                    raise Unpatchable("unexpected markup")
                return Element(tag.name, tag.start, tag.end, t.start(), t.end())
    else:
        for t in tags(xml, tag.end, limit):
            if t.kind == OPEN:
                depth += 1
            elif t.kind == CLOSE:
                if depth:
                    depth -= 1
                elif t.name != tag.name:
                    raise Unpatchable(f"<{tag.name}> closed by </{t.name}>")
                else:
                    return Element(tag.name, tag.start, tag.end, t.start, t.end)
    raise Unpatchable(f"no </{tag.name}>")


def find(xml: str, name: str) -> Element | None:
    """The first element called ``name`` (prefix and all), at any depth."""
    plain = _plain(xml)
    if plain:
        m = _same_name(name).search(xml)
        if m is None:
            return None
        t = _TOKEN.match(xml, m.start())
        if m.group(1) or t is None:  # its end tag first: not what the parser accepted
            raise Unpatchable(f"unexpected markup at <{name}>")
        return _element(xml, _tag(t), len(xml), True)
    for t in tags(xml):
        if t.kind != CLOSE and t.name == name:
            return _element(xml, t, len(xml), False)
    return None


def root(xml: str) -> Element:
    for t in tags(xml):
        if t.kind == CLOSE:
            break
        return _element(xml, t, len(xml), _plain(xml))
    raise Unpatchable("no root element")


def children(xml: str, parent: Element, name: str | None = None) -> list[Element]:
    """The child elements of ``parent`` (only those called ``name``, when given), in order. The
    text of each child is skipped over as a whole (_element), not walked tag by tag."""
    plain = _plain(xml)
    out: list[Element] = []
    pos, end = parent.head_end, parent.body_end
    while (m := _TOKEN.search(xml, pos, end)) is not None:
        if not plain and xml.find("<", pos, m.start()) >= 0:
            raise Unpatchable("unexpected markup")
        if m.group(2) is None:  # a comment, CDATA, a processing instruction
            pos = m.end()
            continue
        t = _tag(m)
        if t.kind == CLOSE:
            raise Unpatchable(f"unexpected </{t.name}>")
        el = _element(xml, t, end, plain)
        if name is None or el.name == name:
            out.append(el)
        pos = el.end
    if not plain and xml.find("<", pos, end) >= 0:
        raise Unpatchable("unexpected markup")
    return out


def count(xml: str, name: str) -> int:
    """How many elements called ``name`` the text holds, at any depth."""
    if _plain(xml):
        return len(_start_of(name).findall(xml))
    return sum(1 for t in tags(xml) if t.kind != CLOSE and t.name == name)


def child_of(xml: str, parent_name: str, name: str) -> list[Element]:
    """The ``name`` children of the first element called ``parent_name`` ([] when none)."""
    parent = find(xml, parent_name)
    return [] if parent is None else children(xml, parent, name)


def root_prefix(xml: str, *locals_: str) -> str:
    """The prefix of the root element ("x:", or "" when unprefixed), which must be called one
    of ``locals_``."""
    for t in tags(xml):
        prefix, _, local = t.name.rpartition(":")
        if local not in locals_:
            break
        return prefix + ":" if prefix else ""
    raise Unpatchable(f"no <{locals_[0]}>")


def ns_prefix(xml: str, uri: str) -> str | None:
    """The prefix the root element binds to ``uri`` (None when it binds none)."""
    first = next(tags(xml), None)
    if first is None:
        return None
    for name, value in attrs(xml[first.start : first.end]).items():
        if name.startswith("xmlns:") and value == uri:
            return name[len("xmlns:") :]
    return None


# ---- attributes of one start tag ----------------------------------------------------------


def _attr_matches(tag: str) -> Iterator[re.Match]:
    pos = _NAME_END.match(tag).end()
    while (m := _ATTR.match(tag, pos)) is not None:
        yield m
        pos = m.end()


def attrs(tag: str) -> dict[str, str]:
    """The attributes of a start tag, by name as written, their values as written (escaped)."""
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _attr_matches(tag)}


def get_attr(tag: str, name: str) -> str | None:
    for m in _attr_matches(tag):
        if m.group(1) == name:
            return m.group(2) if m.group(2) is not None else m.group(3)
    return None


def set_attr(tag: str, name: str, value: str | None) -> str:
    """A start tag with attribute ``name`` set to ``value`` (None removes it), the rest as it was."""
    for m in _attr_matches(tag):
        if m.group(1) == name:
            if value is None:  # with the one blank before it
                return tag[: m.start(1) - 1] + tag[m.end() :]
            return f'{tag[: m.start(1)]}{name}="{value}"{tag[m.end() :]}'
    if value is None:
        return tag
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end].rstrip()} {name}="{value}"{tag[end:]}'


def with_head(xml: str, el: Element, head: str) -> str:
    """``xml`` with the start tag of ``el`` replaced by ``head``."""
    return xml[: el.start] + head + xml[el.head_end :]


# ---- edits ---------------------------------------------------------------------------------


def opened(xml: str, el: Element) -> tuple[str, Element]:
    """``xml`` with ``el`` written <name ...></name> when it was <name .../>, and the element now."""
    if not el.empty:
        return xml, el
    head = el.head(xml)[:-2].rstrip() + ">"
    close = f"</{el.name}>"
    xml = xml[: el.start] + head + close + xml[el.end :]
    head_end = el.start + len(head)
    return xml, Element(el.name, el.start, head_end, head_end, head_end + len(close))


def insert_into(xml: str, name: str, content: str, *, first: bool = False) -> str:
    """``content`` added as the last (or first) children of the first element called ``name``,
    which may be written empty (<name/>)."""
    el = find(xml, name)
    if el is None:
        raise Unpatchable(f"no <{name}>")
    xml, el = opened(xml, el)
    at = el.head_end if first else el.body_end
    return xml[:at] + content + xml[at:]


def recount(xml: str, name: str, child: str) -> str:
    """The count attribute of the first element called ``name`` (when it has one) set to its
    number of ``child`` children."""
    el = find(xml, name)
    if el is None or get_attr(el.head(xml), "count") is None:
        return xml
    return with_head(xml, el, set_attr(el.head(xml), "count", str(len(children(xml, el, child)))))


def without(xml: str, el: Element) -> str:
    return xml[: el.start] + xml[el.end :]


# ---- text ------------------------------------------------------------------------------------

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;")


def unescape(text: str) -> str:
    return html.unescape(text)


def ooxml_text(text: object) -> str:
    """Text for a <t>: illegal characters dropped, a literal ``_xHHHH_`` kept literal."""
    s = _ILLEGAL.sub("", str(text))
    s = re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", s)
    return esc(s)


def text_element(text: object, prefix: str = "") -> str:
    """A <t> holding ``text``, its spaces and line breaks kept."""
    s = ooxml_text(text)
    space = ' xml:space="preserve"' if s != s.strip() or "\n" in s else ""
    return f"<{prefix}t{space}>{s}</{prefix}t>"
