"""workbook.xml: its list of sheets, a sheet put first and made the active one, and what that
forces: defined names local to a sheet follow it to its new position, the views open on it."""

from __future__ import annotations

from typing import NamedTuple

from lingong.ooxml import markup
from lingong.ooxml.markup import Element, Unpatchable
from lingong.ooxml.namespaces import REL_NS


class SheetEntry(NamedTuple):
    name: str
    rid: str | None  # r:id, whatever its prefix and wherever that is declared
    element: Element


class BookXml:
    """The text of workbook.xml (``xml``) and the edits made to it."""

    def __init__(self, xml: str):
        self.xml = xml
        self.p = markup.root_prefix(xml, "workbook")
        self.rel_prefix = markup.ns_prefix(xml, REL_NS)

    def _sheets(self) -> Element:
        el = markup.find(self.xml, f"{self.p}sheets")
        if el is None:
            raise Unpatchable("no <sheets>")
        return el

    def sheets(self) -> list[SheetEntry]:
        out = []
        for el in markup.children(self.xml, self._sheets(), f"{self.p}sheet"):
            tag = el.head(self.xml)
            rid = next((v for k, v in markup.attrs(tag).items() if k.endswith(":id")), None)
            out.append(SheetEntry(markup.unescape(markup.get_attr(tag, "name") or ""), rid, el))
        return out

    def drop(self, entry: SheetEntry) -> None:
        self.xml = markup.without(self.xml, entry.element)

    def put_first(self, name: str, rid: str) -> None:
        """A sheet entry for ``name`` (relationship ``rid``), first in the list, with a new sheetId."""
        ids = [markup.get_attr(s.element.head(self.xml), "sheetId") or "" for s in self.sheets()]
        top = max((int(i) for i in ids if i.isdigit()), default=0)
        rp = self.rel_prefix
        rattr = f'{rp}:id="{rid}"' if rp else f'xmlns:r="{REL_NS}" r:id="{rid}"'
        entry = f'<{self.p}sheet name="{markup.esc_attr(name)}" sheetId="{top + 1}" {rattr}/>'
        self.xml = markup.insert_into(self.xml, f"{self.p}sheets", entry, first=True)

    def move_local_names(self, new_index) -> None:
        """Each defined name local to a sheet given that sheet's new position ``new_index(old)``
        (None: the sheet is gone, and so is the name)."""
        names = markup.child_of(self.xml, f"{self.p}definedNames", f"{self.p}definedName")
        for el in reversed(names):
            head = el.head(self.xml)
            old = markup.get_attr(head, "localSheetId")
            if old is None or not old.isdigit():
                continue
            n = new_index(int(old))
            if n is None:
                self.xml = markup.without(self.xml, el)
            else:
                self.xml = markup.with_head(self.xml, el, markup.set_attr(head, "localSheetId", str(n)))

    def print_titles(self, sheet_name: str, row: int) -> None:
        """Row ``row`` of the first sheet (``sheet_name``) printed on every page: its
        ``_xlnm.Print_Titles``."""
        p = self.p
        quoted = "'" + sheet_name.replace("'", "''") + "'"
        name = (
            f'<{p}definedName name="_xlnm.Print_Titles" localSheetId="0">'
            f"{markup.esc_attr(quoted)}!${row}:${row}</{p}definedName>"
        )
        if markup.find(self.xml, f"{p}definedNames") is not None:
            self.xml = markup.insert_into(self.xml, f"{p}definedNames", name)
            return
        # definedNames follows sheets (and functionGroups / externalReferences, when present).
        at, after = None, False
        for el in markup.children(self.xml, markup.root(self.xml)):
            if el.name == f"{p}sheets":
                at, after = el.end, True
            elif after and el.local in ("functionGroups", "externalReferences"):
                at = el.end
        if at is None:
            raise Unpatchable("no </sheets>")
        self.xml = self.xml[:at] + f"<{p}definedNames>{name}</{p}definedNames>" + self.xml[at:]

    def open_on_first(self) -> None:
        """Every view opens on the first sheet, scrolled to the start of the tabs."""
        for view in reversed(markup.child_of(self.xml, f"{self.p}bookViews", f"{self.p}workbookView")):
            head = markup.set_attr(view.head(self.xml), "activeTab", "0")
            self.xml = markup.with_head(self.xml, view, markup.set_attr(head, "firstSheet", None))
