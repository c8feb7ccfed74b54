"""Office Open XML packages, read and edited in one place: one module a part, as XlsxWriter
keeps them. Used by lingong.read (the scanners beside calamine) and lingong.render.xlsx_patch
(the return copy); it imports nothing of lingong but the plain values of lingong.model.

- limits: how much of a package is inflated and parsed;
- safexml: the one hardened XML parser (defusedxml's refusals on a bare expat parser);
- archive: zip members inflated within those bounds, entry names read as calamine reads them,
  a package repacked;
- namespaces: namespaces, relationship and content types;
- markup: elements found by a tokenizer of a checked part, and its text edited there;
- package: a package's parts read lazily and written back, the rest byte for byte;
- relationships, content_types: the .rels parts and [Content_Types].xml;
- styles, shared_strings, worksheet, comments (with vml), workbook: the parts a return copy edits.
"""
