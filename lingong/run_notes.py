"""What the console says about an assessment beyond its figures: its kind and version, what a
rerun changed against the version it replaces, what a recheck decided, which outputs stayed
locked and what the mail step wrote."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lingong import layout
from lingong.grade.history_query import read_rows, recorded_inputs, results_of_run
from lingong.model.filenames import display_path
from lingong.model.periods import date_cn
from lingong.model.records import KIND_REPORT
from lingong.model.run import RunSummary
from lingong.runtime.outfiles import locked_message
from lingong.words import ACCEPTED


def tell_mail(summary: RunSummary, drafts, notice_path, locked) -> None:
    """What ``write_mail`` wrote, in the summary the digest prints."""
    if drafts is not None:
        summary.notes.append(
            f"邮件草稿：{len(drafts.written)} 封"
            + (
                f"；没有可用邮箱的驿站 {len(drafts.no_address)} 个：" + "、".join(r.station for r in drafts.no_address)
                if drafts.no_address
                else ""
            )
        )
        summary.paths["mail"] = layout.mail_dir(summary.out_dir)
    if notice_path is not None:
        summary.paths["notice"] = notice_path
    tell_locked(summary, locked)


def tell_locked(summary: RunSummary, locked: list[Path]) -> None:
    """Name each output left unreplaced in the digest; the run ends with status 1."""
    for p in locked:
        note = locked_message(p)
        if note not in summary.notes:
            summary.notes.append(note)
    if locked:
        summary.exit_code = max(summary.exit_code, 1)


def what_changed(db: Path, plan, results: list, recheck: bool, outcomes) -> list[str]:
    """The console's account of a rerun (which stations' grade or state changed since the version
    it replaces) or of a recheck (what it decided, and the resubmitted reports it used)."""
    lines = []
    if recheck:
        lines.extend(recheck_lines(results))
        if plan.follows is not None:
            before = {f["sha256"] for f in recorded_inputs(db, plan.follows.run_id)}
            codes = {r.station.code for r in results}
            used = [
                o
                for o in outcomes
                if o.kind == KIND_REPORT and o.status == ACCEPTED and o.station in codes and o.sha256 not in before
            ]
            if used:
                lines.append(
                    f"复查采用了考核（{date_cn(plan.follows.assessed_on)}）以后重新报送的报表 {len(used)} 份："
                    + "、".join(f"{o.station} {o.month} {o.file}" for o in used[:10])
                    + ("等" if len(used) > 10 else "")
                )
            else:
                lines.append(f"复查没有采用考核（{date_cn(plan.follows.assessed_on)}）以后重新报送的报表")
    if plan.replaces is not None:
        old = results_of_run(db, plan.replaces.run_id)
        changed = []
        for r in results:
            o = old.get(r.station.code)
            was = (o["final_overall"], o["rectification"]) if o else ("", "")
            now = (r.final_overall if r.graded else "", r.rectification)
            if was != now:
                changed.append(f"{r.station.code} {r.station.name}：{state_text(*was)} → {state_text(*now)}")
        lines.append(
            f"与第{plan.replaces.version}版（考核日期 {date_cn(plan.replaces.assessed_on)}）相比，"
            + (f"等次或整改状态有变化的驿站 {len(changed)} 个：" if changed else "没有驿站的等次或整改状态变化")
        )
        lines.extend(f"  {c}" for c in changed)
        sent = read_rows(
            db,
            "SELECT COUNT(*) AS n FROM mail_log WHERE period = ? AND kind = 'results' AND status = 'sent'",
            (plan.replaces.period,),
        )
        if sent and sent[0]["n"]:
            lines.append(
                f"注意：这个考核期已经发出 {sent[0]['n']} 封考核结果邮件（上一版的）；新的一版需要重新生成并发送的，"
                f"请运行 mail，再运行 send"
            )
    return lines


def state_text(grade: str, rect: str) -> str:
    return "、".join(x for x in (grade or "未考核", rect) if x)


def recheck_lines(results: list) -> list[str]:
    """复查 N 个驿站：10 × 限期整改 → 整改结束 1 个、建议取消 7 个、限期整改 2 个."""
    moves = Counter((r.earlier.rectification if r.earlier else "", r.rectification) for r in results)
    by_before: dict[str, Counter] = {}
    for (was, now), n in moves.items():
        by_before.setdefault(was, Counter())[now] += n
    parts = [
        f"{sum(c.values())} × {was or '—'} → " + "、".join(f"{now or '—'} {n} 个" for now, n in sorted(c.items()))
        for was, c in sorted(by_before.items())
    ]
    return [f"复查 {len(results)} 个驿站（本期限期整改、建议取消的驿站）：" + "；".join(parts)]


def assessment_lines(a, moved) -> list[str]:
    """What the assessment is, for the console: its kind and version, where the last one went."""
    lines = [f"{a.kind}：{a.title()}，第{a.version}版，记录编号 {a.id}"]
    if moved is not None:
        lines.append(f"上一版的文件已移到 {display_path(moved.dest)}（原样保留，不再改动）")
    return lines + list(a.notes)
