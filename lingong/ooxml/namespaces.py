"""The names a package is made of: namespaces, relationship types, content types, and the
one part every OPC package has at a fixed name."""

from __future__ import annotations

from collections.abc import Iterable

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
VML_NS = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "x": "urn:schemas-microsoft-com:office:excel",
}

RT_OFFICE_DOCUMENT = REL_NS + "/officeDocument"
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

CONTENT_TYPES = "[Content_Types].xml"


def has_content_types(names: Iterable[str]) -> bool:
    """Whether ``names`` (a package's part names) hold [Content_Types].xml, which makes it an
    OPC package. OPC part names compare without regard to case: some exporters write
    [content_types].xml."""
    return any(n.lower() == "[content_types].xml" for n in names)
