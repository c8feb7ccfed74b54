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
        self.new_fonts: list[str] = []
        self.new_fills: list[str] = []
        self.new_xfs: list[str] = []
        self._fill_ids: dict[str, int] = {}
        self._font_ids: dict[tuple, int] = {}
        self._xf_ids: dict[tuple, int] = {}

    def fill(self, rgb: str) -> int:
        if rgb not in self._fill_ids:
            p = self.p
            self.new_fills.append(
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="FF{rgb}"/>'
                f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
            )
            self._fill_ids[rgb] = self.n_fills + len(self.new_fills) - 1
        return self._fill_ids[rgb]

    def font(self, size: float, bold: bool) -> int:
        key = (size, bold)
        if key not in self._font_ids:
            p = self.p
            self.new_fonts.append(
                f'<{p}font>{f"<{p}b/>" if bold else ""}<{p}sz val="{size:g}"/>'
                f'<{p}name val="{self.font_name}"/><{p}family val="3"/><{p}charset val="134"/></{p}font>'
            )
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
        if not (self.new_fonts or self.new_fills or self.new_xfs):
            return
        xml, p = self.xml, self.p
        for local, new, child in (
            ("fonts", self.new_fonts, "font"),
            ("fills", self.new_fills, "fill"),
            ("cellXfs", self.new_xfs, "xf"),
        ):
            if new:
                xml = markup.insert_into(xml, f"{p}{local}", "".join(new))
                xml = markup.recount(xml, f"{p}{local}", f"{p}{child}")
        self.pkg.put(self.part, xml)
