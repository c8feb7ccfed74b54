"""styles.xml: fills, fonts and cell formats appended; the ids already there stay as they are."""

from __future__ import annotations

from lingong.ooxml import markup
from lingong.ooxml.markup import Unpatchable
from lingong.ooxml.package import Package


class Styles:
    """Fills, fonts and cell formats appended to styles.xml; existing ids untouched. The fonts
    added are ``font_name``."""

    def __init__(self, pkg: Package, part: str | None, font_name: str):
        self.pkg = pkg
        if part is None:
            raise Unpatchable("no styles part")
        self.part, self.font_name = part, font_name
        self.xml = pkg.text(part)
        self.p = p = markup.root_prefix(self.xml, "styleSheet")
        found = {}
        for need in ("fonts", "fills", "cellXfs"):
            found[need] = markup.find(self.xml, f"{p}{need}")
            if found[need] is None:
                raise Unpatchable(f"styles without <{need}>")
        xfs = markup.children(self.xml, found["cellXfs"], f"{p}xf")
        self.xfs = [el.text(self.xml) for el in xfs]
        self.xf_heads = [el.head_end - el.start for el in xfs]  # where each one's start tag ends
        self.n_fonts = len(markup.children(self.xml, found["fonts"], f"{p}font"))
        self.n_fills = len(markup.children(self.xml, found["fills"], f"{p}fill"))
        # per kind: the elements added, and the id of each by what it was made from
        self.new: dict[str, list[str]] = {"font": [], "fill": [], "xf": []}
        self._ids: dict[tuple, int] = {}

    def _added(self, kind: str, key: tuple, existing: int, text) -> int:
        """The id of the element of ``kind`` made from ``key``: ``text()`` appended the first time
        after the ``existing`` ones."""
        if (kind, *key) not in self._ids:
            self.new[kind].append(text())
            self._ids[(kind, *key)] = existing + len(self.new[kind]) - 1
        return self._ids[(kind, *key)]

    def fill(self, rgb: str) -> int:
        p = self.p
        return self._added(
            "fill",
            (rgb,),
            self.n_fills,
            lambda: (
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{rgb}"/>'
                f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
            ),
        )

    def font(self, size: float, bold: bool) -> int:
        p = self.p
        return self._added(
            "font",
            (size, bold),
            self.n_fonts,
            lambda: (
                f'<{p}font>{f"<{p}b/>" if bold else ""}<{p}sz val="{size:g}"/>'
                f'<{p}name val="{self.font_name}"/><{p}family val="3"/><{p}charset val="134"/></{p}font>'
            ),
        )

    def _xf(self, key: tuple, text: str) -> int:
        return self._added("xf", key, len(self.xfs), lambda: text)

    def marked(self, s: int, rgb: str) -> int:
        """The station's cell format ``s`` with its fill replaced by ``rgb``."""
        if not 0 <= s < len(self.xfs):
            s = 0
        if not self.xfs:
            raise Unpatchable("no cell formats")
        fill = self.fill(rgb)
        xf, head_end = self.xfs[s], self.xf_heads[s]
        head = markup.set_attr(xf[:head_end], "fillId", str(fill))
        head = markup.set_attr(head, "applyFill", "1")
        return self._xf(("mark", s, rgb), head + xf[head_end:])

    def list_xf(self, size: float, bold: bool, rgb: str | None, wrap: bool) -> int:
        p = self.p
        font = self.font(size, bold)
        fill = self.fill(rgb) if rgb else 0
        align = f'<{p}alignment vertical="top" wrapText="1"/>' if wrap else ""
        apply_fill = ' applyFill="1"' if rgb else ""
        apply_align = ' applyAlignment="1"' if wrap else ""
        text = (
            f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" xfId="0" applyFont="1"'
            f"{apply_fill}{apply_align}" + (f">{align}</{p}xf>" if align else "/>")
        )
        return self._xf(("list", size, bold, rgb, wrap), text)

    def save(self) -> None:
        if not any(self.new.values()):
            return
        xml, p = self.xml, self.p
        for local, child in (("fonts", "font"), ("fills", "fill"), ("cellXfs", "xf")):
            if self.new[child]:
                xml = markup.insert_into(xml, f"{p}{local}", "".join(self.new[child]))
                xml = markup.recount(xml, f"{p}{local}", f"{p}{child}")
        self.pkg.put(self.part, xml)
