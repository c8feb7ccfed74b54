"""The console digest: the end-of-run text a clerk reads."""

from __future__ import annotations

from collections import Counter

from lingong.catalogue.issues import ERROR, INFO, WARNING
from lingong.choose.selection import NOT_REGISTERED
from lingong.grade.city import CountyTally, city_tally
from lingong.model.filenames import display_path
from lingong.model.periods import months_short
from lingong.model.records import (
    KIND_DECISIONS,
    KIND_REGISTRY,
    KIND_REJECTED,
    KIND_REPORT,
    KIND_SKIPPED,
    KIND_UNSTABLE,
    OUT_OF_PERIOD,
)
from lingong.model.run import RunSummary
from lingong.render.wording import date_cn
from lingong.words import GRADES, KIND_LABELS, OPEN_CASE_STATES, RETURNED


def _grades(tally: CountyTally) -> str:
    return "，".join(f"{g} {n}" for g, n in zip(GRADES, tally.grades))


def digest(summary: RunSummary, *, page: bool = False) -> str:
    """The end-of-run text for the console: what was read, what needs a person."""
    kinds = Counter(o.kind for o in summary.outcomes)
    sev = Counter(i.severity for i in summary.issues)
    lines = []
    if summary.period_note:
        lines.append(summary.period_note)
    lines.append(
        f"考核期：{summary.period.label}（{summary.period.key}）"
        + (f"　考核日期：{date_cn(summary.assessed_on)}" if summary.assessed_on else "")
    )
    lines.extend(_assessment_lines(summary))
    lines.append(
        f"文件：共 {len(summary.outcomes)} 个；"
        + "，".join(
            f"{KIND_LABELS[k]} {kinds.get(k, 0)} 个"
            # Every kind that occurred, 驿站名册 and 考核组意见 too: the parts add up to the total.
            for k in (KIND_REPORT, KIND_REGISTRY, KIND_DECISIONS, KIND_SKIPPED, KIND_REJECTED, KIND_UNSTABLE)
            if k in (KIND_REPORT, KIND_SKIPPED, KIND_REJECTED) or kinds.get(k)
        )
        + (
            f"；其中{OUT_OF_PERIOD}的报表 {outside} 个"
            if (outside := sum(o.status == OUT_OF_PERIOD for o in summary.outcomes))
            else ""
        )
    )
    lines.append(f"校验问题：错误 {sev.get(ERROR, 0)} 条，警告 {sev.get(WARNING, 0)} 条，提示 {sev.get(INFO, 0)} 条")
    if summary.bureau_issues:
        lines.append(
            f"驿站名册和考核组意见的问题 {len(summary.bureau_issues)} 条（请业务人员处理，不发给驿站；"
            f"见校验报告“名册与考核组意见问题”工作表）："
        )
        for i in summary.bureau_issues[:10]:
            where = "!".join(x for x in (i.sheet, i.cell) if x)
            lines.append(f"  【{i.severity}】{i.file}{' ' + where if where else ''}：{i.message}。{i.hint}")
        if len(summary.bureau_issues) > 10:
            lines.append(f"  ……其余 {len(summary.bureau_issues) - 10} 条见校验报告")

    graded = [r for r in summary.results if r.graded]
    lines.append("")
    lines.append("各县（市、区）考核结果：")
    tally = city_tally(summary.results)
    for c in tally.counties:
        if c.graded:
            lines.append(f"  {c.county}：{_grades(c)}")
    lines.append(f"  合计 {tally.total.graded} 个驿站：{_grades(tally.total)}")

    attention = []
    rejected = [o for o in summary.outcomes if o.kind == KIND_REJECTED]
    # Every report sent back: with an error of its own, or from a station the registry lacks (R001).
    returned = [o for o in summary.outcomes if o.kind == KIND_REPORT and o.status in (RETURNED, NOT_REGISTERED)]
    unregistered = sum(o.status == NOT_REGISTERED for o in returned)
    if rejected:
        attention.append(
            f"  无法读取的文件 {len(rejected)} 个："
            + "、".join(o.file for o in rejected[:5])
            + ("等" if len(rejected) > 5 else "")
        )
    if returned:
        attention.append(
            f"  有错误已退回的报表 {len(returned)} 份"
            + (f"（其中驿站不在名册 {unregistered} 份，请先核对驿站名册）" if unregistered else "")
            + ("，退回副本在“退回修改”文件夹" if "returns" in summary.paths else "")
        )
    missing = sum(len(r.missing_months) for r in graded)
    if missing:
        who = [f"{r.station.code}（{months_short(r.missing_months)}）" for r in graded if r.missing_months]
        attention.append(
            f"  缺报 {missing} 个站月（{len(who)} 个驿站）：" + "、".join(who[:10]) + ("等" if len(who) > 10 else "")
        )
    prov = [r.station.code for r in graded if r.provisional]
    if prov:
        attention.append(f"  暂定结果 {len(prov)} 个驿站：" + "、".join(prov))
    rect = [
        f"{r.station.code}（{r.rectification}" + (f"，期限{date_cn(r.deadline)}" if r.deadline else "") + "）"
        for r in graded
        if r.rectification in OPEN_CASE_STATES
    ]
    if rect:
        attention.append(f"  需整改或建议取消 {len(rect)} 个驿站：" + "、".join(rect))
    attention.extend(f"  {n}" for n in summary.notes)
    if attention:
        lines.append("")
        lines.append("需要人工关注：")
        lines.extend(attention)

    lines.append("")
    lines.append(f"输出文件夹：{display_path(summary.out_dir)}")
    names = {
        "summary": "汇总表",
        "validation": "校验报告",
        "results": "结果数据",
        "run_record": "运行记录",
        "notice": "通报草稿",
        "mail": "邮件草稿",
    }
    for key, label in names.items():
        if key in summary.paths:
            lines.append(f"  {label}：{display_path(summary.paths[key])}")
    if step := next_step(summary, page=page):
        lines.append("")
        lines.append(step)
    return "\n".join(lines)


def _assessment_lines(summary: RunSummary) -> list[str]:
    """Which recorded assessment this is (kind, version), where the last version went, and what
    changed: a rerun's changed stations, a recheck's decisions and the reports resubmitted."""
    return list(getattr(summary, "lines", ()) or ())


def next_step(summary: RunSummary, *, page: bool = False) -> str:
    """What the clerk does next: the mails and the 通报 once the results are in, sending once drafted
    (``page``: in the words of the web page's buttons rather than the commands)."""
    if not summary.results:
        return ""
    key = summary.period.key
    if page:
        if "mail" not in summary.paths:
            return "下一步：核对结果后，在“邮件”页点“生成邮件草稿”，生成邮件草稿和通报草稿（不发送）。"
        return "下一步：在“邮件”页先点“试发送（不发出）”核对收件人，确认后点“发送”。"
    if "mail" not in summary.paths:
        return f"下一步：核对结果后运行 python process.py mail --period {key}，生成邮件草稿和通报草稿（不发送）。"
    return (
        f"下一步：核对邮件草稿后运行 python process.py send --period {key} --dry-run 查看将要发送的邮件，"
        "确认后去掉 --dry-run 发送。"
    )
