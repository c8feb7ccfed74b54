"""An OOXML package read from bytes and edited as text (for lingong.render.xlsx_patch).

Parts are looked up by name without regard to case, as OPC wants, after entry
names written with "\\" are read as "/" (ooxml.archive.normalize_member_names, as
calamine reads them). A part is only ever edited after the reader's hardened
expat parser (lingong.ooxml.safexml) has accepted it; the edits are made on
the text so that prefixes, namespace declarations and ``mc:Ignorable`` lists stay
as the station's program wrote them. Parts nobody edits are written back with
their bytes unchanged.

Over 300 lines because the package is patched as text with a few XML helpers, and
those helpers and their one caller's steps are read together.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from lingong.ooxml import safexml
from lingong.ooxml.archive import normalize_member_names
from lingong.ooxml.limits import MAX_PART_BYTES

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
RT_WORKSHEET = REL_NS + "/worksheet"
RT_SHEETS = (RT_WORKSHEET, REL_NS + "/chartsheet", REL_NS + "/dialogsheet")
RT_STYLES = REL_NS + "/styles"
RT_SST = REL_NS + "/sharedStrings"
RT_COMMENTS = REL_NS + "/comments"
RT_VML = REL_NS + "/vmlDrawing"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
VML_NS = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "x": "urn:schemas-microsoft-com:office:excel",
}
FIXED_DATE = (1980, 1, 1, 0, 0, 0)

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAG = re.compile(r"""<(/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")


class Unpatchable(Exception):
    """The package is not one this module can patch safely; copy it another way."""


# ---- small XML helpers ------------------------------------------------------------


def check_xml(data: bytes, name: str) -> None:
    """Well-formed, and no DOCTYPE or entity: the reader's hardened parser."""
    try:
        safexml.check(data)
    except (safexml.Forbidden, safexml.Malformed) as e:
        raise Unpatchable(f"{name}: {e!r}") from None


def _elements(data: bytes, local: str) -> list[dict[str, str]]:
    try:
        return safexml.elements(data, local)
    except (safexml.Forbidden, safexml.Malformed) as e:
        raise Unpatchable(repr(e)) from None


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;")


def ooxml_text(text: object) -> str:
    """Text for a <t>: illegal characters dropped, a literal ``_xHHHH_`` kept literal."""
    s = _ILLEGAL.sub("", str(text))
    s = re.sub(r"_(x[0-9A-Fa-f]{4}_)", r"_x005F_\1", s)
    return esc(s)


def _t(text: object, prefix: str = "") -> str:
    s = ooxml_text(text)
    space = ' xml:space="preserve"' if s != s.strip() or "\n" in s else ""
    return f"<{prefix}t{space}>{s}</{prefix}t>"


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unpatchable(f"{name} is not UTF-8") from None


def _root_prefix(xml: str, local: str) -> str:
    m = re.search(r"<(?:([A-Za-z_][\w.-]*):)?" + local + r"[\s>/]", xml)
    if not m:
        raise Unpatchable(f"no <{local}>")
    return m.group(1) + ":" if m.group(1) else ""


def _ns_prefix(xml: str, uri: str) -> str | None:
    """The prefix bound to ``uri`` on the root element (None when unbound)."""
    head = xml[: xml.find(">", xml.find("<", xml.find("?>") + 1 if "?>" in xml[:200] else 0)) + 1]
    m = re.search(r'xmlns:([A-Za-z_][\w.-]*)\s*=\s*["\']' + re.escape(uri) + r'["\']', head)
    return m.group(1) if m else None


def _set_attr(tag: str, name: str, value: str | None) -> str:
    """A start tag with attribute ``name`` set (None removes it)."""
    pat = re.compile(r"(\s)" + re.escape(name) + r"""\s*=\s*("[^"]*"|'[^']*')""")
    if pat.search(tag):
        if value is None:
            return pat.sub("", tag, count=1)
        return pat.sub(lambda m: f'{m.group(1)}{name}="{value}"', tag, count=1)
    if value is None:
        return tag
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end].rstrip()} {name}="{value}"{tag[end:]}'


def _get_attr(tag: str, name: str) -> str | None:
    m = re.search(r"\s" + re.escape(name) + r"""\s*=\s*(?:"([^"]*)"|'([^']*)')""", tag)
    return None if m is None else (m.group(1) if m.group(1) is not None else m.group(2))


def _insert_into(xml: str, prefix: str, local: str, content: str, *, first: bool = False) -> str:
    """``content`` added as the last (or first) children of the first <local> element,
    which may be written empty (<local/>)."""
    m = re.search(rf"<{re.escape(prefix)}{local}\b[^>]*?(/?)>", xml)
    if m is None:
        raise Unpatchable(f"no <{local}>")
    if m.group(1):
        tag = m.group(0)[:-2].rstrip() + ">"
        return xml[: m.start()] + tag + content + f"</{prefix}{local}>" + xml[m.end() :]
    if first:
        return xml[: m.end()] + content + xml[m.end() :]
    close = xml.find(f"</{prefix}{local}>", m.end())
    if close < 0:
        raise Unpatchable(f"no </{local}>")
    return xml[:close] + content + xml[close:]


def _recount(xml: str, prefix: str, local: str, child: str) -> str:
    """The count attribute of the first <local> (when it has one) set to its number of <child>."""
    m = re.search(rf"<{re.escape(prefix)}{local}\b[^>]*>", xml)
    if m is None or _get_attr(m.group(0), "count") is None:
        return xml
    n = _count_children(xml, prefix, local, child)
    return xml[: m.start()] + _set_attr(m.group(0), "count", str(n)) + xml[m.end() :]


def _block(xml: str, prefix: str, local: str) -> tuple[int, int] | None:
    """Span of the first <local>…</local> (or <local/>)."""
    m = re.search(rf"<{re.escape(prefix)}{local}\b[^>]*?(/?)>", xml)
    if m is None:
        return None
    if m.group(1):
        return m.start(), m.end()
    close = xml.find(f"</{prefix}{local}>", m.end())
    if close < 0:
        raise Unpatchable(f"no </{local}>")
    return m.start(), close + len(f"</{prefix}{local}>")


def _children(xml: str, prefix: str, parent: str, child: str) -> list[str]:
    """The <child> elements of the first <parent> (children of that name do not nest)."""
    span = _block(xml, prefix, parent)
    if span is None:
        return []
    body = xml[span[0] : span[1]]
    p = re.escape(prefix)
    return re.findall(rf"<{p}{child}\b(?:[^>]*?/>|[^>]*?>.*?</{p}{child}>)", body, re.S)


def _count_children(xml: str, prefix: str, parent: str, child: str) -> int:
    return len(_children(xml, prefix, parent, child))


def _top_level(xml: str, start: int, end: int):
    """(local name, start, end, tag) of each element whose start tag is at depth 0
    in xml[start:end]; comments and processing instructions are skipped."""
    depth = 0
    pos = start
    while pos < end:
        lt = xml.find("<", pos, end)
        if lt < 0:
            return
        if xml.startswith("<!--", lt):
            pos = xml.find("-->", lt) + 3
            continue
        if xml.startswith("<?", lt) or xml.startswith("<![CDATA[", lt):
            pos = xml.find(">", lt) + 1
            continue
        m = _TAG.match(xml, lt)
        if m is None:
            raise Unpatchable("unexpected markup")
        closing, name, _attrs, empty = m.groups()
        if closing:
            depth -= 1
        else:
            if depth == 0:
                yield name.rsplit(":", 1)[-1], m.start(), m.end(), m.group(0)
            if not empty:
                depth += 1
        pos = m.end()


# ---- the package --------------------------------------------------------------------


class Package:
    """The zip's parts by (normalised) name, read lazily; what changes is kept aside."""

    def __init__(self, data: bytes):
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise Unpatchable(repr(e)) from None
        if normalize_member_names(self.zf):
            raise Unpatchable("member names cannot be trusted")
        self.infos = self.zf.infolist()
        self.names = {i.filename for i in self.infos}
        self.lower = {n.lower(): n for n in self.names}
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        self.removed: set[str] = set()

    def has(self, name: str) -> bool:
        return name.lower() in self.lower or name in self.added

    def read(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        if name in self.added:
            return self.added[name]
        real = self.lower.get(name.lower())
        if real is None:
            raise Unpatchable(f"missing part {name}")
        info = self.zf.getinfo(real)
        if info.file_size > MAX_PART_BYTES:
            raise Unpatchable(f"{name} too big")
        return self.zf.read(info)

    def text(self, name: str) -> str:
        data = self.read(name)
        check_xml(data, name)
        return _decode(data, name)

    def put(self, name: str, text: str) -> None:
        data = text.encode("utf-8")
        real = self.lower.get(name.lower())
        if real is not None and real not in self.removed:
            self.changed[real] = data
        else:
            self.added[name] = data

    def remove(self, name: str) -> None:
        real = self.lower.get(name.lower())
        if real is not None:
            self.removed.add(real)
        self.added.pop(name, None)

    def free_name(self, pattern: str) -> str:
        taken = set(self.lower) | {n.lower() for n in self.added}
        n = 1
        while pattern.format(n).lower() in taken:
            n += 1
        return pattern.format(n)

    def save(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in self.infos:
                name = info.filename
                if name in self.removed:
                    continue
                data = self.changed.get(name)
                if data is None:
                    data = self.zf.read(info)
                zi = zipfile.ZipInfo(name, info.date_time)
                zi.compress_type = (
                    info.compress_type
                    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                    else zipfile.ZIP_DEFLATED
                )
                zi.external_attr = info.external_attr
                zout.writestr(zi, data)
            for name, data in self.added.items():
                zi = zipfile.ZipInfo(name, FIXED_DATE)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(zi, data)
        return out.getvalue()


def _rels_name(part: str) -> str:
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target)).lstrip("/")


def _relative(source_part: str, target_part: str) -> str:
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")


class Rels:
    """A .rels part, added to by text."""

    def __init__(self, pkg: Package, owner: str):
        self.pkg, self.owner, self.name = pkg, owner, _rels_name(owner)
        if pkg.has(self.name):
            self.xml = pkg.text(self.name)
            self.items = [r for r in _elements(self.xml.encode("utf-8"), "Relationship")]
        else:
            self.xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}"></Relationships>'
            self.items = []
        self.prefix = _root_prefix(self.xml, "Relationships")
        self.dirty = False

    def targets(self, rel_type: str) -> list[tuple[str, str]]:
        """(Id, part name) of the internal relationships of a type."""
        return [
            (r.get("Id", ""), _resolve(self.owner, r.get("Target", "")))
            for r in self.items
            if r.get("Type") == rel_type and r.get("TargetMode") != "External"
        ]

    def by_id(self, rid: str) -> dict[str, str] | None:
        return next((r for r in self.items if r.get("Id") == rid), None)

    def add(self, rel_type: str, part: str) -> str:
        ids = {r.get("Id") for r in self.items}
        n = len(self.items) + 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        target = _relative(self.owner, part)
        self.items.append({"Id": rid, "Type": rel_type, "Target": target})
        self.xml = _insert_into(
            self.xml,
            self.prefix,
            "Relationships",
            f'<{self.prefix}Relationship Id="{rid}" Type="{rel_type}" Target="{esc_attr(target)}"/>',
        )
        self.dirty = True
        return rid

    def drop(self, rid: str) -> None:
        p = re.escape(self.prefix)
        self.xml = re.sub(
            rf"<{p}Relationship\b[^>]*\sId\s*=\s*[\"']{re.escape(rid)}[\"'][^>]*?(?:/>|>\s*</{p}Relationship>)",
            "",
            self.xml,
            count=1,
        )
        self.items = [r for r in self.items if r.get("Id") != rid]
        self.dirty = True

    def save(self) -> None:
        if self.dirty:
            self.pkg.put(self.name, self.xml)


class ContentTypes:
    NAME = "[Content_Types].xml"

    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.xml = pkg.text(self.NAME)
        self.prefix = _root_prefix(self.xml, "Types")
        self.dirty = False

    def override(self, part: str, ctype: str) -> None:
        self.xml = _insert_into(
            self.xml,
            self.prefix,
            "Types",
            f'<{self.prefix}Override PartName="/{esc_attr(part)}" ContentType="{ctype}"/>',
        )
        self.dirty = True

    def default(self, ext: str, ctype: str) -> None:
        for d in _elements(self.xml.encode("utf-8"), "Default"):
            if (d.get("Extension") or "").lower() == ext:
                return
        self.xml = _insert_into(
            self.xml,
            self.prefix,
            "Types",
            f'<{self.prefix}Default Extension="{ext}" ContentType="{ctype}"/>',
            first=True,
        )
        self.dirty = True

    def drop(self, part: str) -> None:
        p = re.escape(self.prefix)
        pat = re.compile(
            rf"<{p}Override\b[^>]*\sPartName\s*=\s*[\"']/{re.escape(part)}[\"'][^>]*?(?:/>|>\s*</{p}Override>)", re.I
        )
        new = pat.sub("", self.xml, count=1)
        self.dirty |= new != self.xml
        self.xml = new

    def save(self) -> None:
        if self.dirty:
            self.pkg.put(self.NAME, self.xml)


def _unescape(s: str) -> str:
    import html

    return html.unescape(s)
