"""The 说明 sheet of the city summary: what the period, the files and the rules were, in words
(the rules' general settings; each item's targets are on the forms)."""

from __future__ import annotations

import json

from lingong.model.periods import PERIOD_TAGS, month_label
from lingong.model.records import Period
from lingong.render.summary_book import Book
from lingong.words import KIND_LABELS


def notes_sheet(bk: Book, period: Period, results, outcomes, rules_info: dict, run_info: dict) -> None:
    ws = bk.sheet("说明", f"随州市零工驿站{period.label}考核汇总表说明")
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 70)
    kinds = {}
    for o in outcomes:
        kinds[o.kind] = kinds.get(o.kind, 0) + 1
    statuses = {}
    for o in outcomes:
        if o.status:
            statuses[o.status] = statuses.get(o.status, 0) + 1
    span = f"{month_label(period.months[0])}至{month_label(period.months[-1])}"
    rows = [
        ("考核期", f"{period.label}（{span}）"),
        (
            "参加考核驿站",
            f"{sum(1 for r in results if r.graded)} 个（本期未运营 {sum(1 for r in results if not r.graded)} 个）",
        ),
        ("考核规则", rules_info.get("title", "")),
        (
            "月度报表",
            f"读取 {kinds.get('report', 0)} 份：" + "，".join(f"{k} {v} 份" for k, v in sorted(statuses.items())),
        ),
        ("跳过的文件", f"{kinds.get('skipped', 0)} 个"),
        ("无法读取的文件", f"{kinds.get('rejected', 0)} 个"),
        ("读取时仍在变化的文件", f"{kinds.get('unstable', 0)} 个（下次运行再处理）"),
    ]
    for k in sorted(run_info):
        if k in _DEVELOPER_KEYS:  # paths and ids are in 运行记录.json, not where a clerk reads
            continue
        v = run_info[k]
        if k == "assessed_on" and v:
            v = month_label(v[:7]) + f"{int(v[8:])}日"
        if isinstance(v, dict):
            v = "，".join(f"{KIND_LABELS.get(a, a)} {b}" for a, b in sorted(v.items()))
        elif isinstance(v, bool):
            v = "是" if v else "否"
        rows.append((_RUN_LABELS.get(k, k), str(v)))
    rows.append(
        (
            "等次说明",
            "综合等次：任一项目不合格为不合格；无不合格且至少 4 项优秀为优秀；其余为合格。"
            "考核组意见改定的等次已标注。暂定：本期有报表被退回，待重新报送后复核。",
        )
    )
    rows.extend(rule_rows(rules_info.get("values", {})))
    r = bk.table(ws, ["项目", "内容"], rows, [24, 70], filters=False, keep=0)
    unused = [o for o in outcomes if o.kind in ("skipped", "rejected", "unstable")]
    if unused:
        r += 1
        ws.write_string(r, 0, "未使用的文件", bk.head)
        ws.write_string(r, 1, "原因", bk.head)
        r += 1
        for o in sorted(unused, key=lambda o: o.file):
            bk.cell(ws, r, 0, o.file)
            bk.cell(ws, r, 1, o.reason or o.kind)
            bk.fit_row(ws, r, [o.file, o.reason or o.kind], [24, 70])
            r += 1


_DEVELOPER_KEYS = {"input_dir", "input", "run_id"}


_ROUNDING = {"up": "向上取整", "nearest": "四舍五入", "down": "向下取整"}


def rule_rows(values: dict) -> list[tuple[str, str]]:
    """The rules' general settings in words (each item's targets are on the forms)."""

    v = values.get
    rows = []
    if v("targets.prorate_rounding"):
        rows.append(("目标折算", f"半年目标按运营月数折算，{_ROUNDING.get(v('targets.prorate_rounding'), '')}"))
    if v("targets.excellent_ratio"):
        ratio = float(v("targets.excellent_ratio"))
        rows.append(
            ("优秀比例", f"优秀要求为合格指标的 {ratio:.0%}，{_ROUNDING.get(v('targets.ratio_rounding'), '向上取整')}")
        )
    if v("overall.fail_items") and v("overall.excellent_items"):
        rows.append(
            (
                "综合等次",
                f"{v('overall.fail_items')} 项及以上不合格为不合格；无不合格且至少 "
                f"{v('overall.excellent_items')} 项优秀为优秀；其余为合格",
            )
        )
    if v("rectification.deadline_days"):
        rows.append(("整改期限", f"考核日期后 {v('rectification.deadline_days')} 天"))
    if v("outliers.min") and v("outliers.factor"):
        rows.append(
            (
                "数字异常提示",
                f"某月数字至少为 {v('outliers.min')}，且超过该驿站该指标各月中位数的 {v('outliers.factor')} 倍时"
                "提示核对（只提示，不影响评定）",
            )
        )
    if v("at_risk.periods"):
        try:
            periods = json.loads(v("at_risk.periods"))
        except (TypeError, ValueError):
            periods = []
        names = "、".join(PERIOD_TAGS[p] for p in periods if p in PERIOD_TAGS)
        if names:
            rows.append(("全年进度预警", f"{names}考核时提示按目前进度可能完不成全年要求的驿站"))
    return rows


_RUN_LABELS = {
    "version": "工具版本",
    "tool_version": "工具版本",
    "run_id": "运行编号",
    "started_at": "生成时间",
    "input": "输入文件夹",
    "input_dir": "输入文件夹",
    "counts": "统计",
    "period": "考核期代码",
    "recheck": "整改复核",
    "files": "输入文件（按类别）",
    "assessed_on": "考核日期",
}
