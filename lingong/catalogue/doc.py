"""Generate docs/问题代码.md from the issue catalogue: `python -m lingong.catalogue.doc`."""

from __future__ import annotations

from lingong.catalogue.issues import CATALOGUE
from lingong.layout import DOCS_DIR

DOC = DOCS_DIR / "问题代码.md"


def render() -> str:
    lines = [
        "# 校验问题代码一览",
        "",
        "本页由 `python -m lingong.catalogue.doc` 根据 `lingong/catalogue/issues.py` 的问题目录生成，请勿手工修改。",
        "代码稳定不变，校验报告、退回副本和 results.json 都引用这些代码。",
        "",
        "| 代码 | 严重程度 | 问题 | 说明模板 | 处理建议 |",
        "|---|---|---|---|---|",
    ]
    for t in CATALOGUE.values():
        cells = [t.code, t.severity, t.title, t.message, t.hint]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render(), encoding="utf-8")
    print(f"已生成 {DOC}")


if __name__ == "__main__":
    main()
