"""The legacy VML drawing that shows a sheet's notes (as Excel and WPS draw them): a new
drawing, or shapes added to the sheet's own.

VML is edited as text by patterns, unlike every other part: Excel's VML is not always
well-formed XML, so no parser can be asked where things are; the patterns look only for the
few markers Excel's own drawings always carry (the <xml> root, shape ids, o:idmap).
"""

from __future__ import annotations

import re

from lingong.ooxml.markup import Unpatchable
from lingong.ooxml.namespaces import VML_NS
from lingong.ooxml.package import Package

SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
_DECL = "".join(f' xmlns:{k}="{uri}"' for k, uri in VML_NS.items())
_IDMAP = re.compile(r'<o:idmap\b[^>]*\bdata\s*=\s*"([^"]*)"')
SHAPES_PER_BLOCK = 1023  # shape ids are numbered in blocks of 1024, one o:idmap number each


def shape(shape_id: int, row0: int, col0: int, text: str) -> str:
    """The hidden note box of the cell (row0, col0), sized for ``text``."""
    lines = text.count("\n") + 1 + len(text) // 28
    rows = max(3, min(24, lines + 1))
    return (
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
        f"margin-left:59.25pt;margin-top:1.5pt;width:210pt;height:{min(400, 20 + 15 * lines)}pt;z-index:{shape_id % 1024};"
        'visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{col0 + 1}, 15, {max(0, row0 - 1)}, 10, {col0 + 4}, 15, {max(0, row0 - 1) + rows}, 4</x:Anchor>"
        f"<x:AutoFill>False</x:AutoFill><x:Row>{row0}</x:Row><x:Column>{col0}</x:Column></x:ClientData></v:shape>"
    )


def blocks_in_use(pkg: Package) -> set[int]:
    """The shape-id blocks every drawing of the package claims (o:idmap)."""
    used: set[int] = set()
    for name in list(pkg.names) + list(pkg.added):
        if name.lower().endswith(".vml") and name not in pkg.removed:
            try:
                text = pkg.read(name).decode("utf-8", "replace")
            except Unpatchable:
                continue
            for m in _IDMAP.finditer(text):
                used.update(int(x) for x in re.findall(r"\d+", m.group(1)))
    return used


def with_shapes(vml: str, shapes: list[tuple[int, int, str]]) -> str:
    """The sheet's own drawing ``vml`` with a note shape for each (row0, col0, text) added."""
    # Our shapes use v:, o:, x:; where the drawing binds them otherwise (openpyxl writes ns0:
    # on each element) they are declared on each shape, as openpyxl does.
    root_tag = vml[: vml.find(">", vml.find("<xml")) + 1]
    local = (
        "" if all(re.search(rf'xmlns:{k}\s*=\s*"{re.escape(uri)}"', root_tag) for k, uri in VML_NS.items()) else _DECL
    )
    if "<xml" not in vml:
        raise Unpatchable("VML drawing without <xml>")
    ids = [int(x) for x in re.findall(r"_x0000_s(\d+)", vml)]
    blocks = [int(x) for m in _IDMAP.finditer(vml) for x in re.findall(r"\d+", m.group(1))]
    start = max(ids + [max(blocks or [1]) * 1024]) + 1
    add = "" if 'id="_x0000_t202"' in vml else SHAPETYPE.replace("<v:shapetype", "<v:shapetype" + local, 1)
    add += "".join(
        shape(start + i, r, c, t).replace("<v:shape", "<v:shape" + local, 1) for i, (r, c, t) in enumerate(shapes)
    )
    close = vml.rfind("</xml>")
    if close < 0:
        raise Unpatchable("VML without </xml>")
    return vml[:close] + add + vml[close:]


def new_drawing(shapes: list[tuple[int, int, str]], used: set[int]) -> str:
    """A drawing of its own for the note shapes, in shape-id blocks no other drawing claims
    (``used``)."""
    n_blocks = -(-len(shapes) // SHAPES_PER_BLOCK)
    first = 1
    while any(b in used for b in range(first, first + n_blocks)):
        first += 1
    data = ",".join(str(b) for b in range(first, first + n_blocks))
    body = "".join(shape(first * 1024 + 1 + i, r, c, t) for i, (r, c, t) in enumerate(shapes))
    return (
        f'<xml xmlns:v="{VML_NS["v"]}" xmlns:o="{VML_NS["o"]}" xmlns:x="{VML_NS["x"]}">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{data}"/></o:shapelayout>'
        f"{SHAPETYPE}{body}</xml>"
    )
