"""The .ods scanner: error cells, which calamine reads as ''."""

from __future__ import annotations

import zipfile

from lingong.ooxml import safexml
from lingong.ooxml.limits import MAX_PART_BYTES
from lingong.read.scan_base import LIMIT_PART, MAX_COLS, MAX_ROWS, Extras, WorkbookError, feed, wants

_ODS_REPEAT_CAP = MAX_ROWS + 1


def ods_extras(zf: zipfile.ZipFile, wanted) -> dict[str, Extras]:
    """LibreOffice saves an error result as value-type error with the text in
    <text:p>; calamine reads it as ''. Only scanned when the file has one."""
    info = zf.getinfo("content.xml")
    if info.file_size > MAX_PART_BYTES:
        raise WorkbookError("F005", f"content.xml 解压后超过 {LIMIT_PART}", LIMIT_PART)
    data = zf.read(info)
    if b'value-type="error"' not in data:
        return {}
    extras: dict[str, Extras] = {}
    st = {"table": None, "row": -1, "col": 0, "err": None, "text": None}

    def start(tag, attrs):
        if tag == "table:table":
            name = attrs.get("table:name", "")
            st["table"] = name if wants(wanted, name) else None
            st["row"] = -1
        elif st["table"] is None:
            return
        elif tag == "table:table-row":
            st["row"] += 1
            st["col"] = 0
            st["rrep"] = min(int(attrs.get("table:number-rows-repeated", "1") or 1), _ODS_REPEAT_CAP)
        elif tag in ("table:table-cell", "table:covered-table-cell"):
            st["crep"] = min(int(attrs.get("table:number-columns-repeated", "1") or 1), MAX_COLS + 1)
            if attrs.get("calcext:value-type") == "error":
                st["err"], st["text"] = (st["row"], st["col"]), ""

    def end(tag):
        if st["table"] is None:
            return
        if tag in ("table:table-cell", "table:covered-table-cell"):
            if st["err"] is not None:
                r, c = st["err"]
                if r < MAX_ROWS and c < MAX_COLS:
                    extras.setdefault(st["table"], Extras()).errors[(r, c)] = st["text"].strip()
                st["err"] = None
            st["col"] += st.get("crep", 1)
        elif tag == "table:table-row":
            st["row"] += st.get("rrep", 1) - 1
        elif tag == "table:table":
            st["table"] = None

    def text(s):
        if st["err"] is not None:
            st["text"] += s

    p = safexml.parser()
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, text
    p.buffer_text = True
    feed(p, data)
    return extras
