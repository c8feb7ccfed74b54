"""Patch a station's .xlsx/.xlsm package in place of rebuilding it (issue 15).

A return copy must be the station's own workbook with marks added, nothing lost.
openpyxl rewrites every part and drops what it does not model (images, charts,
text boxes, VBA, custom XML, extension lists, threaded comments), so the marks
are added to the package directly:

- fills and cell formats appended to ``styles.xml`` (existing style ids untouched);
- the ``s`` attribute of each marked cell (the cell is added when the sheet has none);
- a comments part and its legacy VML drawing per marked sheet (what Excel and WPS
  show as notes), merged into the sheet's own comments and drawing when it has them;
- the list sheet placed first and made active, its text appended to ``sharedStrings.xml``;
- the entries in ``[Content_Types].xml``, ``workbook.xml`` and the rels parts.

What that forces changes too, and nothing else: ``localSheetId`` of defined names
shifted, ``activeTab`` moved to the new sheet and the ``tabSelected`` of the sheet
that was active cleared (else the sheets open grouped). Every other part is copied
byte for byte (entry names written with "\\" are read as "/", as calamine does).

Each part that is changed is first checked with the same hardened expat parser
the reader uses (no DOCTYPE, no entities); the edits themselves are made on the
text, so that prefixes, namespaces and ``mc:Ignorable`` lists stay as the station's
program wrote them. Anything this module does not understand raises
``Unpatchable`` and the caller falls back to the old openpyxl copy.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

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
VML_NS = {"v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
          "x": "urn:schemas-microsoft-com:office:excel"}
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
MAX_PART = 64 * 1024 * 1024

# Top-level worksheet children that come after <legacyDrawing> (ECMA-376 CT_Worksheet).
_AFTER_LEGACY = {"legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst", "AlternateContent"}
_CELL_RE = re.compile(r"^\$?([A-Z]{1,3})\$?([1-9]\d{0,6})$")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAG = re.compile(r"""<(/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")


class Unpatchable(Exception):
    """The package is not one this module can patch safely; copy it another way."""


@dataclass
class Mark:
    sheet: str
    address: str           # A1 style, as the issue names it
    fill: str              # RRGGBB
    text: str              # the note, already masked


@dataclass
class ListCell:
    text: str
    style: str = "body"    # title | plain | header | body | a fill colour RRGGBB (body with that fill)


@dataclass
class ListSheet:
    name: str
    rows: list[tuple[int, list[ListCell], float | None]]   # (row number, cells from column A, height)
    widths: list[float]
    freeze_row: int                                          # rows above it stay in view
    header_fill: str = "D9E1F2"
    author: str = "零工驿站考核工具"


# ---- small XML helpers ------------------------------------------------------------

def check_xml(data: bytes, name: str) -> None:
    """Well-formed, and no DOCTYPE or entity: the reader's hardened expat parser."""
    import xml.parsers.expat

    from .workbook import _NoDTD, _new_parser

    p = _new_parser()
    try:
        p.Parse(data, True)
    except (_NoDTD, xml.parsers.expat.ExpatError) as e:
        raise Unpatchable(f"{name}: {e!r}") from None


def _elements(data: bytes, local: str) -> list[dict[str, str]]:
    from .workbook import WorkbookError, _elements

    try:
        return _elements(data, local)
    except WorkbookError as e:
        raise Unpatchable(str(e)) from None


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
    head = xml[:xml.find(">", xml.find("<", xml.find("?>") + 1 if "?>" in xml[:200] else 0)) + 1]
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
        return xml[:m.start()] + tag + content + f"</{prefix}{local}>" + xml[m.end():]
    if first:
        return xml[:m.end()] + content + xml[m.end():]
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
    return xml[:m.start()] + _set_attr(m.group(0), "count", str(n)) + xml[m.end():]


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
    body = xml[span[0]:span[1]]
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


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def split_address(address: str) -> tuple[int, int] | None:
    m = _CELL_RE.match((address or "").strip().upper())
    return (int(m.group(2)), col_number(m.group(1))) if m else None


# ---- the package --------------------------------------------------------------------

class Package:
    """The zip's parts by (normalised) name, read lazily; what changes is kept aside."""

    def __init__(self, data: bytes):
        from .preflight import normalize_member_names

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
        if info.file_size > MAX_PART:
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
                zi.compress_type = info.compress_type if info.compress_type in (
                    zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) else zipfile.ZIP_DEFLATED
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
        return [(r.get("Id", ""), _resolve(self.owner, r.get("Target", ""))) for r in self.items
                if r.get("Type") == rel_type and r.get("TargetMode") != "External"]

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
        self.xml = _insert_into(self.xml, self.prefix, "Relationships",
                                f'<{self.prefix}Relationship Id="{rid}" Type="{rel_type}" Target="{esc_attr(target)}"/>')
        self.dirty = True
        return rid

    def drop(self, rid: str) -> None:
        p = re.escape(self.prefix)
        self.xml = re.sub(rf"<{p}Relationship\b[^>]*\sId\s*=\s*[\"']{re.escape(rid)}[\"'][^>]*?(?:/>|>\s*</{p}Relationship>)",
                          "", self.xml, count=1)
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
        self.xml = _insert_into(self.xml, self.prefix, "Types",
                                f'<{self.prefix}Override PartName="/{esc_attr(part)}" ContentType="{ctype}"/>')
        self.dirty = True

    def default(self, ext: str, ctype: str) -> None:
        for d in _elements(self.xml.encode("utf-8"), "Default"):
            if (d.get("Extension") or "").lower() == ext:
                return
        self.xml = _insert_into(self.xml, self.prefix, "Types",
                                f'<{self.prefix}Default Extension="{ext}" ContentType="{ctype}"/>', first=True)
        self.dirty = True

    def drop(self, part: str) -> None:
        p = re.escape(self.prefix)
        pat = re.compile(rf"<{p}Override\b[^>]*\sPartName\s*=\s*[\"']/{re.escape(part)}[\"'][^>]*?(?:/>|>\s*</{p}Override>)",
                         re.I)
        new = pat.sub("", self.xml, count=1)
        self.dirty |= new != self.xml
        self.xml = new

    def save(self) -> None:
        if self.dirty:
            self.pkg.put(self.NAME, self.xml)


# ---- styles -----------------------------------------------------------------------------

class Styles:
    """Fills, fonts and cell formats appended to styles.xml; existing ids untouched."""

    def __init__(self, pkg: Package, part: str | None):
        self.pkg = pkg
        if part is None:
            raise Unpatchable("no styles part")
        self.part = part
        self.xml = pkg.text(part)
        self.p = _root_prefix(self.xml, "styleSheet")
        for need in ("fonts", "fills", "cellXfs"):
            if _block(self.xml, self.p, need) is None:
                raise Unpatchable(f"styles without <{need}>")
        self.xfs = _children(self.xml, self.p, "cellXfs", "xf")
        self.n_fonts = _count_children(self.xml, self.p, "fonts", "font")
        self.n_fills = _count_children(self.xml, self.p, "fills", "fill")
        self.new_fonts: list[str] = []
        self.new_fills: list[str] = []
        self.new_xfs: list[str] = []
        self._fill_ids: dict[str, int] = {}
        self._font_ids: dict[tuple, int] = {}
        self._xf_ids: dict[tuple, int] = {}

    def fill(self, rgb: str) -> int:
        if rgb not in self._fill_ids:
            p = self.p
            self.new_fills.append(f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{rgb}"/>'
                                  f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>')
            self._fill_ids[rgb] = self.n_fills + len(self.new_fills) - 1
        return self._fill_ids[rgb]

    def font(self, size: float, bold: bool) -> int:
        key = (size, bold)
        if key not in self._font_ids:
            p = self.p
            self.new_fonts.append(f"<{p}font>{f'<{p}b/>' if bold else ''}<{p}sz val=\"{size:g}\"/>"
                                  f'<{p}name val="宋体"/><{p}family val="3"/><{p}charset val="134"/></{p}font>')
            self._font_ids[key] = self.n_fonts + len(self.new_fonts) - 1
        return self._font_ids[key]

    def _xf(self, key: tuple, text: str) -> int:
        if key not in self._xf_ids:
            self.new_xfs.append(text)
            self._xf_ids[key] = len(self.xfs) + len(self.new_xfs) - 1
        return self._xf_ids[key]

    def marked(self, s: int, rgb: str) -> int:
        """The station's cell format ``s`` with its fill replaced by ``rgb``."""
        if not 0 <= s < len(self.xfs):
            s = 0
        if not self.xfs:
            raise Unpatchable("no cell formats")
        fill = self.fill(rgb)
        xf = self.xfs[s]
        head_end = xf.index(">") + 1
        head = xf[:head_end]
        head = _set_attr(head, "fillId", str(fill))
        head = _set_attr(head, "applyFill", "1")
        return self._xf(("mark", s, rgb), head + xf[head_end:])

    def list_xf(self, size: float, bold: bool, rgb: str | None, wrap: bool) -> int:
        p = self.p
        font = self.font(size, bold)
        fill = self.fill(rgb) if rgb else 0
        align = f'<{p}alignment vertical="top" wrapText="1"/>' if wrap else ""
        apply_fill = ' applyFill="1"' if rgb else ""
        apply_align = ' applyAlignment="1"' if wrap else ""
        text = (f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0" applyFont="1"'
                f"{apply_fill}{apply_align}" + (f">{align}</{p}xf>" if align else "/>"))
        return self._xf(("list", size, bold, rgb, wrap), text)

    def save(self) -> None:
        if not (self.new_fonts or self.new_fills or self.new_xfs):
            return
        xml = self.xml
        for local, new, child in (("fonts", self.new_fonts, "font"), ("fills", self.new_fills, "fill"),
                                  ("cellXfs", self.new_xfs, "xf")):
            if new:
                xml = _insert_into(xml, self.p, local, "".join(new))
                xml = _recount(xml, self.p, local, child)
        self.pkg.put(self.part, xml)


# ---- shared strings -----------------------------------------------------------------------

class SharedStrings:
    def __init__(self, pkg: Package, book: str, book_rels: Rels, ctypes: ContentTypes):
        self.pkg = pkg
        found = book_rels.targets(RT_SST)
        if found:
            self.part = found[0][1]
            self.xml = pkg.text(self.part)
        else:
            base = posixpath.dirname(book)
            self.part = posixpath.join(base, "sharedStrings.xml")
            if pkg.has(self.part):
                self.part = pkg.free_name(posixpath.join(base, "sharedStrings{}.xml"))
            self.xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        f'<sst xmlns="{MAIN_NS}" count="0" uniqueCount="0"></sst>')
            book_rels.add(RT_SST, self.part)
            ctypes.override(self.part, CT_SST)
        self.p = _root_prefix(self.xml, "sst")
        self.base = len(re.findall(rf"<{re.escape(self.p)}si[\s>/]", self.xml))
        self.new: list[str] = []
        self.index: dict[str, int] = {}
        self.refs = 0

    def add(self, text: str) -> int:
        self.refs += 1
        if text not in self.index:
            self.new.append(f"<{self.p}si>{_t(text, self.p)}</{self.p}si>")
            self.index[text] = self.base + len(self.new) - 1
        return self.index[text]

    def save(self) -> None:
        if not self.new:
            return
        xml = _insert_into(self.xml, self.p, "sst", "".join(self.new))
        m = re.search(rf"<{re.escape(self.p)}sst\b[^>]*>", xml)
        tag = m.group(0)
        count = _get_attr(tag, "count")
        if count is not None:
            tag = _set_attr(tag, "count", str((int(count) if count.isdigit() else 0) + self.refs))
        if _get_attr(tag, "uniqueCount") is not None:
            tag = _set_attr(tag, "uniqueCount", str(self.base + len(self.new)))
        self.pkg.put(self.part, xml[:m.start()] + tag + xml[m.end():])


# ---- the worksheet edits ------------------------------------------------------------------

def _sheet_data(xml: str, p: str) -> tuple[int, int, int]:
    """(start of <sheetData>, end of its start tag, end of </sheetData>) or the empty form."""
    m = re.search(rf"<{re.escape(p)}sheetData\b[^>]*?(/?)>", xml)
    if m is None:
        raise Unpatchable("no sheetData")
    if m.group(1):
        return m.start(), m.end(), m.end()
    close = xml.find(f"</{p}sheetData>", m.end())
    if close < 0:
        raise Unpatchable("no </sheetData>")
    return m.start(), m.end(), close + len(f"</{p}sheetData>")


def _merged_top_left(xml: str, p: str) -> list[tuple[int, int, int, int]]:
    out = []
    for m in re.finditer(rf"<{re.escape(p)}mergeCell\b[^>]*>", xml):
        ref = _get_attr(m.group(0), "ref") or ""
        a, _, b = ref.partition(":")
        ta, tb = split_address(a), split_address(b or a)
        if ta and tb:
            out.append((ta[0], ta[1], tb[0], tb[1]))
    return out


def style_cells(xml: str, p: str, cells: dict[tuple[int, int], object], style_of) -> str:
    """Set the ``s`` of each (row, col) to ``style_of(old_s, key)``; add missing cells and rows."""
    ds, body_start, de = _sheet_data(xml, p)
    pp = re.escape(p)
    if body_start == de:  # <sheetData/>
        open_tag = xml[ds:body_start][:-2].rstrip() + ">"
        xml = xml[:ds] + open_tag + f"</{p}sheetData>" + xml[de:]
        ds, body_start, de = _sheet_data(xml, p)
    body_end = de - len(f"</{p}sheetData>")
    by_row: dict[int, dict[int, object]] = {}
    for (r, c), key in cells.items():
        by_row.setdefault(r, {})[c] = key
    row_re = re.compile(rf"<{pp}row\b[^>]*?(?:/>|>.*?</{pp}row>)", re.S)
    cell_re = re.compile(rf"<{pp}c\b[^>]*?(?:/>|>.*?</{pp}c>)", re.S)
    edits: list[tuple[int, int, str]] = []
    rows_seen = []
    for m in row_re.finditer(xml, body_start, body_end):
        head = m.group(0)[:m.group(0).index(">") + 1]
        r_attr = _get_attr(head, "r")
        if r_attr is None or not r_attr.isdigit():
            raise Unpatchable("row without r")
        rows_seen.append((int(r_attr), m.start(), m.end()))
    for r, cols in sorted(by_row.items()):
        hit = next(((s, e) for rn, s, e in rows_seen if rn == r), None)
        if hit is None:
            pos = next((s for rn, s, _e in rows_seen if rn > r), body_end)
            cells_xml = "".join(f'<{p}c r="{col_letters(c)}{r}" s="{style_of(0, cols[c])}"/>' for c in sorted(cols))
            edits.append((pos, pos, f'<{p}row r="{r}">{cells_xml}</{p}row>'))
            continue
        s, e = hit
        row = xml[s:e]
        if row.endswith("/>") and not row.endswith(f"</{p}row>"):
            row = row[:-2].rstrip() + f"></{p}row>"
        head_end = row.index(">") + 1
        close = row.rfind(f"</{p}row>")
        found: dict[int, tuple[int, int]] = {}
        positions = []
        for cm in cell_re.finditer(row, head_end, close):
            ctag = cm.group(0)[:cm.group(0).index(">") + 1]
            ref = _get_attr(ctag, "r")
            rc = split_address(ref or "")
            if rc is None:
                raise Unpatchable("cell without r")
            found[rc[1]] = (cm.start(), cm.end())
            positions.append((rc[1], cm.start()))
        row_edits = []
        for c, key in cols.items():
            if c in found:
                cs, _ce = found[c]
                ctag = row[cs:row.index(">", cs) + 1]
                old = _get_attr(ctag, "s")
                new_s = style_of(int(old) if old and old.isdigit() else 0, key)
                row_edits.append((cs, cs + len(ctag), _set_attr(ctag, "s", str(new_s))))
            else:
                pos = next((st for cc, st in positions if cc > c), close)
                row_edits.append((pos, pos, f'<{p}c r="{col_letters(c)}{r}" s="{style_of(0, key)}"/>'))
        grown = any(a == b for a, b, _t in row_edits)
        for a, b, text in sorted(row_edits, key=lambda t: (t[0], t[1]), reverse=True):
            row = row[:a] + text + row[b:]
        if grown:  # "spans" is a hint of the row's first and last column; a new cell may fall outside it
            row = _set_attr(row[:row.index(">") + 1], "spans", None) + row[row.index(">") + 1:]
        edits.append((s, e, row))
    for a, b, text in sorted(edits, key=lambda t: (t[0], t[1]), reverse=True):
        xml = xml[:a] + text + xml[b:]
    return xml


def clear_tab_selected(xml: str, p: str) -> str:
    def fix(m):
        return _set_attr(m.group(0), "tabSelected", None)
    return re.sub(rf"<{re.escape(p)}sheetView\b[^>]*>", fix, xml)


def _comment_xml(p: str, ref: str, author_id: int, text: str) -> str:
    return (f'<{p}comment ref="{ref}" authorId="{author_id}"><{p}text><{p}r><{p}rPr><{p}sz val="9"/>'
            f'<{p}rFont val="宋体"/><{p}family val="3"/><{p}charset val="134"/></{p}rPr>'
            f"{_t(text, p)}</{p}r></{p}text></{p}comment>")


def _vml_shape(shape_id: int, row0: int, col0: int, text: str) -> str:
    lines = text.count("\n") + 1 + len(text) // 28
    rows = max(3, min(24, lines + 1))
    return (f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
            f'margin-left:59.25pt;margin-top:1.5pt;width:210pt;height:{min(400, 20 + 15 * lines)}pt;z-index:{shape_id % 1024};'
            'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
            '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{col0 + 1}, 15, {max(0, row0 - 1)}, 10, {col0 + 4}, 15, {max(0, row0 - 1) + rows}, 4</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{row0}</x:Row><x:Column>{col0}</x:Column></x:ClientData></v:shape>")


_SHAPETYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
              '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')


_VML_DECL = "".join(f' xmlns:{k}="{uri}"' for k, uri in VML_NS.items())


def _vml_blocks(pkg: Package) -> set[int]:
    used: set[int] = set()
    for name in list(pkg.names) + list(pkg.added):
        if name.lower().endswith(".vml") and name not in pkg.removed:
            try:
                text = pkg.read(name).decode("utf-8", "replace")
            except Unpatchable:
                continue
            for m in re.finditer(r'<o:idmap\b[^>]*\bdata\s*=\s*"([^"]*)"', text):
                used.update(int(x) for x in re.findall(r"\d+", m.group(1)))
    return used


class SheetNotes:
    """The notes of one worksheet: its comments part and VML drawing, made or merged into."""

    def __init__(self, pkg: Package, ctypes: ContentTypes, sheet_part: str, sheet_xml: str, p: str, author: str):
        self.pkg, self.ctypes, self.sheet_part, self.p, self.author = pkg, ctypes, sheet_part, p, author
        self.rels = Rels(pkg, sheet_part)
        self.sheet_xml = sheet_xml
        comments = self.rels.targets(RT_COMMENTS)
        self.comments_part = comments[0][1] if comments else None
        self.vml_part = None
        self.legacy_rid = None
        ds, _bs, de = _sheet_data(sheet_xml, p)
        root_close = sheet_xml.rfind(f"</{p}worksheet>")
        if root_close < 0:
            raise Unpatchable("no </worksheet>")
        root_open = re.search(rf"<{re.escape(p)}worksheet\b[^>]*>", sheet_xml).end()
        self.insert_at = root_close
        self.legacy_tag = None
        tops = list(_top_level(sheet_xml, root_open, ds)) + list(_top_level(sheet_xml, de, root_close))
        for name, s, _e, tag in tops:
            if s < ds:
                continue
            if name == "legacyDrawing":
                self.legacy_tag = tag
                rid = next((v for k, v in re.findall(r"""\s([\w:]*id)\s*=\s*["']([^"']*)["']""", tag)
                            if k.endswith(":id")), None)
                rel = self.rels.by_id(rid or "")
                if rel is None or rel.get("TargetMode") == "External":
                    raise Unpatchable("legacyDrawing without its part")
                self.vml_part = _resolve(sheet_part, rel.get("Target", ""))
                self.legacy_rid = rid
            elif name in _AFTER_LEGACY and self.insert_at == root_close:
                self.insert_at = s

    def add(self, notes: list[tuple[int, int, str]]) -> str:
        """Add the notes (row, col, text); returns the sheet XML, changed when it had no drawing."""
        if self.comments_part:
            xml = self.pkg.text(self.comments_part)
        else:
            self.comments_part = self.pkg.free_name("xl/comments{}.xml")
            xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="{MAIN_NS}">'
                   "<authors></authors><commentList></commentList></comments>")
            self.rels.add(RT_COMMENTS, self.comments_part)
            self.ctypes.override(self.comments_part, CT_COMMENTS)
        cp = _root_prefix(xml, "comments")
        authors = _children(xml, cp, "authors", "author")
        author_id = next((i for i, a in enumerate(authors)
                          if re.sub(r"<[^>]*>", "", a) == esc(self.author)), None)
        if author_id is None:
            xml = _insert_into(xml, cp, "authors", f"<{cp}author>{esc(self.author)}</{cp}author>")
            author_id = len(authors)
        existing = {}
        for m in re.finditer(rf"<{re.escape(cp)}comment\b[^>]*?(?:/>|>.*?</{re.escape(cp)}comment>)", xml, re.S):
            rc = split_address(_get_attr(m.group(0)[:m.group(0).index(">") + 1], "ref") or "")
            if rc:
                existing[rc] = (m.start(), m.end())
        new_comments, new_shapes, merged = [], [], []
        for r, c, text in sorted(notes):
            if (r, c) in existing:
                merged.append(((r, c), text))
            else:
                new_comments.append(_comment_xml(cp, f"{col_letters(c)}{r}", author_id, text))
                new_shapes.append((r - 1, c - 1, text))
        # The station's own note on a marked cell stays; ours follows it as another run.
        for (rc, text) in sorted(merged, key=lambda t: existing[t[0]][0], reverse=True):
            s, e = existing[rc]
            block = xml[s:e]
            cl = re.escape(cp)
            tm = re.search(rf"<{cl}text\b[^>]*>", block)
            close = block.rfind(f"</{cp}text>")
            if tm is None or close < 0:
                continue
            inner = block[tm.end():close]
            if re.match(rf"\s*<{cl}t[\s>]", inner):  # a plain <t>: make it a run, runs cannot follow it otherwise
                tend = inner.find(f"</{cp}t>") + len(f"</{cp}t>")
                inner = f"<{cp}r>{inner[:tend]}</{cp}r>" + inner[tend:]
            run = (f"<{cp}r><{cp}rPr><{cp}sz val=\"9\"/><{cp}rFont val=\"宋体\"/><{cp}family val=\"3\"/>"
                   f"<{cp}charset val=\"134\"/></{cp}rPr>{_t(chr(10) + text, cp)}</{cp}r>")
            # runs come before any phonetic runs (rPh) and properties
            ph = re.search(rf"<{cl}(rPh|phoneticPr)\b", inner)
            inner = inner[:ph.start()] + run + inner[ph.start():] if ph else inner + run
            block = block[:tm.end()] + inner + block[close:]
            xml = xml[:s] + block + xml[e:]
        if new_comments:
            xml = _insert_into(xml, cp, "commentList", "".join(new_comments))
        self.pkg.put(self.comments_part, xml)
        sheet_xml = self.sheet_xml
        if new_shapes:
            sheet_xml = self._shapes(new_shapes)
        self.rels.save()
        return sheet_xml

    def _shapes(self, shapes: list[tuple[int, int, str]]) -> str:
        sheet_xml = self.sheet_xml
        if self.vml_part:
            vml = self.pkg.read(self.vml_part).decode("utf-8", "replace")
            # Excel's VML is not always well-formed XML, so it is edited as text. Our shapes
            # use v:, o:, x:; where the drawing binds them otherwise (openpyxl writes ns0:
            # on each element) they are declared on each shape, as openpyxl does.
            local = "" if all(re.search(rf'xmlns:{k}\s*=\s*"{re.escape(uri)}"', vml[:vml.find(">", vml.find("<xml")) + 1])
                              for k, uri in VML_NS.items()) else _VML_DECL
            if "<xml" not in vml:
                raise Unpatchable("VML drawing without <xml>")
            ids = [int(x) for x in re.findall(r"_x0000_s(\d+)", vml)]
            blocks = [int(x) for m in re.finditer(r'<o:idmap\b[^>]*\bdata\s*=\s*"([^"]*)"', vml)
                      for x in re.findall(r"\d+", m.group(1))]
            start = max(ids + [max(blocks or [1]) * 1024]) + 1
            add = "" if 'id="_x0000_t202"' in vml else _SHAPETYPE.replace("<v:shapetype", "<v:shapetype" + local, 1)
            add += "".join(_vml_shape(start + i, r, c, t).replace("<v:shape", "<v:shape" + local, 1)
                           for i, (r, c, t) in enumerate(shapes))
            close = vml.rfind("</xml>")
            if close < 0:
                raise Unpatchable("VML without </xml>")
            self.pkg.put(self.vml_part, vml[:close] + add + vml[close:])
            return sheet_xml
        used = _vml_blocks(self.pkg)
        n_blocks = -(-len(shapes) // 1023)
        first = 1
        while any(b in used for b in range(first, first + n_blocks)):
            first += 1
        data = ",".join(str(b) for b in range(first, first + n_blocks))
        body = "".join(_vml_shape(first * 1024 + 1 + i, r, c, t) for i, (r, c, t) in enumerate(shapes))
        vml = (f'<xml xmlns:v="{VML_NS["v"]}" xmlns:o="{VML_NS["o"]}" xmlns:x="{VML_NS["x"]}">'
               f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data}"/></o:shapelayout>'
               f"{_SHAPETYPE}{body}</xml>")
        self.vml_part = self.pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        self.pkg.put(self.vml_part, vml)
        self.ctypes.default("vml", CT_VML)
        rid = self.rels.add(RT_VML, self.vml_part)
        rp = _ns_prefix(sheet_xml, REL_NS)
        attr = f'{rp}:id="{rid}"' if rp else f'xmlns:r="{REL_NS}" r:id="{rid}"'
        tag = f"<{self.p}legacyDrawing {attr}/>"
        return sheet_xml[:self.insert_at] + tag + sheet_xml[self.insert_at:]


# ---- the list sheet -------------------------------------------------------------------------

def list_sheet_xml(spec: ListSheet, styles: Styles, sst: SharedStrings) -> str:
    def style(kind: str) -> int:
        if kind == "title":
            return styles.list_xf(12, True, None, False)
        if kind == "plain":
            return styles.list_xf(10, False, None, False)
        if kind == "header":
            return styles.list_xf(10, True, spec.header_fill, True)
        if kind == "body":
            return styles.list_xf(10, False, None, True)
        return styles.list_xf(10, False, kind, True)

    rows = []
    last_col = max((len(cells) for _, cells, _ in spec.rows), default=1)
    last_row = max((r for r, _, _ in spec.rows), default=1)
    for r, cells, height in spec.rows:
        attrs = f' ht="{height:g}" customHeight="1"' if height else ""
        cs = "".join(f'<c r="{col_letters(c)}{r}" s="{style(cell.style)}" t="s"><v>{sst.add(cell.text)}</v></c>'
                     for c, cell in enumerate(cells, start=1) if cell.text != "")
        rows.append(f'<row r="{r}"{attrs}>{cs}</row>')
    cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(spec.widths, 1))
    top = f"A{spec.freeze_row}"
    pane = (f'<pane ySplit="{spec.freeze_row - 1}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>') if spec.freeze_row > 1 else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="A1:{col_letters(last_col)}{last_row}"/>'
            f'<sheetViews><sheetView tabSelected="1" workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="13.5"/><cols>{cols}</cols><sheetData>{"".join(rows)}</sheetData>'
            '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>')


# ---- the whole patch ------------------------------------------------------------------------

def patch(data: bytes, marks: list[Mark], spec: ListSheet) -> tuple[bytes, int]:
    """The package ``data`` with ``marks`` and the list sheet added; and how many cells were marked."""
    pkg = Package(data)
    ctypes = ContentTypes(pkg)
    root_rels = Rels(pkg, "")
    docs = root_rels.targets(REL_NS + "/officeDocument")
    if not docs:
        raise Unpatchable("no officeDocument")
    book = docs[0][1]
    book_rels = Rels(pkg, book)
    book_xml = pkg.text(book)
    bp = _root_prefix(book_xml, "workbook")
    rp = _ns_prefix(book_xml, REL_NS)
    sheets = []  # (name, rid, start tag span)
    span = _block(book_xml, bp, "sheets")
    if span is None:
        raise Unpatchable("no <sheets>")
    for m in re.finditer(rf"<{re.escape(bp)}sheet\b[^>]*?(?:/>|>\s*</{re.escape(bp)}sheet>)",
                         book_xml[:span[1]]):
        if m.start() < span[0]:
            continue
        tag = m.group(0)
        # r:id, whether its prefix is declared on the root or on the element itself
        rid = next((v for k, v in re.findall(r"""\s([\w.-]+:id)\s*=\s*["']([^"']*)["']""", tag)), None)
        name = _unescape(_get_attr(tag, "name") or "")
        sheets.append((name, rid, m.start(), m.end(), tag))
    if not sheets or any(s[1] is None for s in sheets):
        raise Unpatchable("sheets without ids")
    styles_found = book_rels.targets(RT_STYLES)
    styles = Styles(pkg, styles_found[0][1] if styles_found else None)

    # A copy that was returned before and sent back: its old list goes.
    old_index = next((i for i, s in enumerate(sheets) if s[0] == spec.name), None)
    if old_index is not None:
        name, rid, s0, e0, _tag = sheets[old_index]
        rel = book_rels.by_id(rid)
        if rel is not None:
            part = _resolve(book, rel.get("Target", ""))
            pkg.remove(part)
            pkg.remove(_rels_name(part))
            ctypes.drop(part)
            book_rels.drop(rid)
        book_xml = book_xml[:s0] + book_xml[e0:]
        del sheets[old_index]

    def new_index(old: int) -> int | None:
        if old_index is not None:
            if old == old_index:
                return None
            if old > old_index:
                old -= 1
        return old + 1

    marked = 0
    by_sheet: dict[str, list[Mark]] = {}
    for mk in marks:
        by_sheet.setdefault(mk.sheet, []).append(mk)
    for name, rid, *_ in sheets:
        rel = book_rels.by_id(rid)
        if rel is None or rel.get("Type") not in RT_SHEETS or rel.get("TargetMode") == "External":
            continue
        part = _resolve(book, rel.get("Target", ""))
        if not pkg.has(part):
            continue
        # Only worksheets have cells to mark; a chart sheet that was active is deselected too.
        group = by_sheet.get(name, []) if rel.get("Type") == RT_WORKSHEET else []
        raw = pkg.read(part)
        if not group and not re.search(rb"""tabSelected\s*=\s*["'](1|true)""", raw):
            continue
        xml = pkg.text(part)
        p = _root_prefix(xml, "worksheet" if rel.get("Type") == RT_WORKSHEET else r"(?:chartsheet|dialogsheet)")
        new = clear_tab_selected(xml, p)
        if group:
            merged = _merged_top_left(xml, p)
            cells: dict[tuple[int, int], Mark] = {}
            texts: dict[tuple[int, int], list[str]] = {}
            for mk in group:
                rc = split_address(mk.address)
                if rc is None:
                    continue
                for r1, c1, r2, c2 in merged:
                    if r1 <= rc[0] <= r2 and c1 <= rc[1] <= c2:
                        rc = (r1, c1)
                        break
                cells.setdefault(rc, mk)  # the caller orders marks worst first
                texts.setdefault(rc, []).append(mk.text)
            if cells:
                new = style_cells(new, p, cells, lambda s, mk: styles.marked(s, mk.fill))
                notes = SheetNotes(pkg, ctypes, part, new, p, spec.author)
                new = notes.add([(r, c, "\n".join(t)) for (r, c), t in texts.items()])
                marked += len(cells)
        if new != xml:
            pkg.put(part, new)

    # The list sheet: a new part, first in the book and the active one.
    sst = SharedStrings(pkg, book, book_rels, ctypes)
    list_part = pkg.free_name(posixpath.join(posixpath.dirname(book), "worksheets", "sheet{}.xml"))
    pkg.put(list_part, list_sheet_xml(spec, styles, sst))
    ctypes.override(list_part, CT_WORKSHEET)
    list_rid = book_rels.add(RT_WORKSHEET, list_part)
    ids = [int(x) for x in re.findall(r"""\ssheetId\s*=\s*["'](\d+)["']""", book_xml)]
    rattr = f'{rp}:id="{list_rid}"' if rp else f'xmlns:r="{REL_NS}" r:id="{list_rid}"'
    entry = f'<{bp}sheet name="{esc_attr(spec.name)}" sheetId="{max(ids, default=0) + 1}" {rattr}/>'
    book_xml = _insert_into(book_xml, bp, "sheets", entry, first=True)

    # Defined names belong to a sheet by its position: shift them, drop the old list's.
    def fix_name(m):
        whole = m.group(0)
        head = whole[:whole.index(">") + 1]
        old = _get_attr(head, "localSheetId")
        if old is None or not old.isdigit():
            return whole
        n = new_index(int(old))
        if n is None:
            return ""
        return _set_attr(head, "localSheetId", str(n)) + whole[len(head):]

    pp = re.escape(bp)
    book_xml = re.sub(rf"<{pp}definedName\b[^>]*?(?:/>|>.*?</{pp}definedName>)", fix_name, book_xml, flags=re.S)

    def fix_view(m):
        tag = _set_attr(m.group(0), "activeTab", "0")
        return _set_attr(tag, "firstSheet", None)
    book_xml = re.sub(rf"<{pp}workbookView\b[^>]*>", fix_view, book_xml)
    pkg.put(book, book_xml)

    styles.save()
    sst.save()
    book_rels.save()
    ctypes.save()
    for name in list(pkg.changed) + list(pkg.added):
        if not name.lower().endswith(".vml"):
            check_xml(pkg.changed.get(name) or pkg.added[name], name)
    return pkg.save(), marked


def _unescape(s: str) -> str:
    import html

    return html.unescape(s)
