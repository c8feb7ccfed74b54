"""Mail drafts to stations: one .eml per station plus a mail-merge list.

A draft is a complete message a mail program opens (Outlook opens it as an
unsent message thanks to ``X-Unsent: 1``) and ``send`` sends unchanged
but for From/Date. Everything in it is derived from the run, so the same run
gives byte-identical drafts and the same Message-ID. The message itself is built
in mail/mime.py, the 邮件清单 workbook written by mail/mail_list.py.

Over 300 lines because write_drafts is one loop (what to attach, why a station gets no
draft, the message) whose outcomes the 邮件清单 rows record together.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr
from pathlib import Path
from typing import Mapping, Sequence

from lingong.catalogue.issues import ERROR, sort_key
from lingong.errors import MailTemplateError
from lingong.grade.city import failed_facts, how_decided
from lingong.layout import MAIL_LIST_NAME, drafts_parts
from lingong.mail.mail_list import DraftRow, write_mail_list
from lingong.mail.mime import MAIL_POLICY, attachments_hash, build_message, message_id
from lingong.mail.send import ENV_SENDER, ENV_USER
from lingong.model.periods import month_label, month_text
from lingong.model.records import Issue, Period, Station, StationResult
from lingong.read.addresses import check_address, is_bare_address
from lingong.render.form import form_path
from lingong.render.template_errors import explain
from lingong.render.wording import date_cn, earlier_text, recheck_decision, rectification_text
from lingong.report_template import county_order
from lingong.runtime import outfiles, privacy

SUBJECT_TEMPLATE = "邮件主题.j2"
BODY_TEMPLATE = "邮件正文.j2"
BLANK_BODY_TEMPLATE = "模板邮件正文.j2"

KIND_RESULTS = "results"
KIND_TEMPLATES = "templates"


STATUS_WRITTEN = "已生成草稿"
STATUS_NO_ADDRESS = "未生成：驿站名册中没有电子邮箱"
STATUS_BAD_ADDRESS = "未生成：电子邮箱无法使用"
STATUS_NO_FORM = "未生成：没有找到考核验收表"
STATUS_NO_TEMPLATE = "未生成：没有找到空白模板"
STATUS_NOT_GRADED = "未生成：本期不参加考核"


@dataclass(frozen=True)
class DraftsSummary:
    folder: Path
    list_path: Path
    kind: str
    rows: tuple[DraftRow, ...]

    @property
    def written(self) -> tuple[DraftRow, ...]:
        return tuple(r for r in self.rows if r.written)

    @property
    def no_address(self) -> tuple[DraftRow, ...]:
        """Stations that got no draft because the registry has no usable address."""
        return tuple(r for r in self.rows if r.status.startswith((STATUS_NO_ADDRESS, STATUS_BAD_ADDRESS)))

    @property
    def not_written(self) -> tuple[DraftRow, ...]:
        return tuple(r for r in self.rows if not r.written)


# ---- templates ------------------------------------------------------------------


def mail_environment(templates_dir: Path):
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    # Sandboxed and strict: the bureau edits these files; a misspelt variable
    # must stop the run with its name, not silently leave a blank in 100 mails.
    return SandboxedEnvironment(
        loader=FileSystemLoader(str(templates_dir), encoding="utf-8"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_mail(env, name: str, context: dict) -> str:
    import jinja2

    try:
        return env.get_template(name).render(**context)
    except (jinja2.TemplateError, TypeError, ValueError) as e:
        raise MailTemplateError(explain(e, f"邮件模板“{name}”（模板文件夹 {env.loader.searchpath[0]}）")) from None


def issue_row(i: Issue) -> dict:
    # A message that names the place already must not be preceded by it: "月度指标!E11：月度指标!E11（…）".
    sheet = "" if i.sheet and i.sheet in i.message else i.sheet
    cell = "" if i.cell and f"{i.sheet}!{i.cell}" in i.message else i.cell
    where = "!".join(p for p in (sheet, cell) if p)
    m = privacy.mask
    return {
        "severity": i.severity,
        "code": i.code,
        "month": month_text(i.month),
        "file": m(i.file),
        "where": m(where),
        "message": m(i.message),
        "found": m(i.found),
        "expected": m(i.expected),
        "hint": m(i.hint),
    }


def _months_text(keys: list[str]) -> str:
    """2023-01..2023-12 -> 2023年1月至12月; 2023-01, 2023-03 -> 2023年1月、3月 (one year, as a period is)."""
    months = sorted(set(keys))
    if len(months) == 1:
        return month_label(months[0])
    nums = [int(k[5:]) for k in months]
    year = months[0][:4]
    if all(k[:4] == year for k in months) and nums == list(range(nums[0], nums[-1] + 1)):
        return f"{year}年{nums[0]}月至{nums[-1]}月"
    if all(k[:4] == year for k in months):
        return f"{year}年" + "、".join(f"{n}月" for n in nums)
    return "、".join(month_label(k) for k in months)


def _issue_rows(issues: list[Issue]) -> list[dict]:
    """One row an issue, except that the same issue in the same place of several monthly reports
    (a phone number never filled in, all year) is one row naming its months: a station reads
    what to fix once, not twelve times."""
    groups: dict[tuple, list[Issue]] = {}
    for i in issues:
        monthly = bool(re.fullmatch(r"\d{4}-\d{2}", i.month or ""))
        key = (i.severity, i.code, i.sheet, i.cell, i.message, i.hint) if monthly else (id(i),)
        groups.setdefault(key, []).append(i)
    rows = []
    for same in groups.values():
        row = issue_row(same[0])
        if len(same) > 1:
            row["month"] = f"{_months_text([i.month for i in same])}（{len(same)}份报表）"
            row["file"] = ""
        row["count"] = len(same)
        rows.append(row)
    return rows


def _fmt_date(d) -> str:
    return date_cn(d)


def _decision(d, computed: str) -> dict | None:
    """A 考核组意见 as the form says it: the grade, the computed one it changed (or confirmed), the reason."""
    if d is None:
        return None
    return {
        "grade": d.grade,
        "computed": computed,
        "changed": d.grade != computed,
        "reason": privacy.mask(d.reason),
    }


def _item_grade(it) -> dict:
    return {"number": it.number, "name": it.name, "grade": it.final, "decision": _decision(it.decision, it.computed)}


def _context(
    *,
    kind: str,
    period: Period,
    station: Station,
    result: StationResult | None,
    issues: list[Issue],
    attachments: list[str],
    sender: str,
    return_names: list[str] = (),
) -> dict:
    st = {"code": station.code, "name": station.name, "county": station.county, "leader": station.leader}
    ctx = {
        "kind": kind,
        "period": {"key": period.key, "label": period.label},
        "station": st,
        "attachments": attachments,
        "return_copies": list(return_names),
        "sender": sender,
        "issues": _issue_rows(issues),
        "issue_count": len(issues),
        "errors": sum(1 for i in issues if i.severity == ERROR),
        "result": None,
    }
    if result is not None:
        failed = failed_facts(result)
        ctx["result"] = {
            "grade": result.final_overall,
            "computed": result.computed_overall,
            "decided": result.overall_decision is not None,
            "provisional": result.provisional,
            "returns_lapsed": result.returns_lapsed,
            "missing_months": [month_label(m) for m in result.missing_months],
            "rejected_months": [month_label(m) for m in result.rejected_months],
            "failed_items": list(failed.names),
            "rectification": result.rectification,
            "deadline": _fmt_date(result.deadline),
            "rectification_text": rectification_text(result),
            "how_decided": how_decided(result),
            "failed_reasons": failed.text,
            "failed_item_reasons": failed.items,
            "months_not_used": failed.unused,
            "assessed_on": _fmt_date(result.assessed_on),
            "item_grades": [_item_grade(it) for it in result.items],
            "decision": _decision(result.overall_decision, result.computed_overall),
            "at_risk": [a.text for a in result.at_risk],
        }
        ctx["result"].update(_recheck_context(result))
    return ctx


def _recheck_context(result: StationResult) -> dict:
    """A recheck's mail: the earlier result beside the new one, and what the recheck decided."""
    if result.earlier is None:
        return {"recheck": False, "earlier": "", "recheck_decision": ""}
    return {"recheck": True, "earlier": earlier_text(result.earlier), "recheck_decision": recheck_decision(result)}


# ---- files ------------------------------------------------------------------------


def _form_path(out_dir: Path, result: StationResult) -> Path:

    return form_path(out_dir, result)


# The office that signs every mail body, short enough for one encoded word: Python's own parser
# (not Outlook or Foxmail) reads a space into a display name folded over two encoded words.
SENDER_NAME = "随州市零工驿站考核小组办公室"


def draft_from(sender: str, env: Mapping[str, str]) -> str:
    """The From: of a draft: the given address, else the SMTP settings' sender (or login)
    from the environment, shown with the office's name; "" when none is set.

    Outlook and Foxmail open an X-Unsent draft with the account chosen there, so this
    only tells a clerk who the mail is from; ``send`` sets the From of its SMTP login.
    The Message-ID does not depend on it, so setting it later changes no mail's identity."""
    address = (sender or env.get(ENV_SENDER, "") or env.get(ENV_USER, "")).strip()
    if not address or not is_bare_address(address):
        return ""
    return formataddr((SENDER_NAME, address))


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def write_drafts(
    out_dir: Path,
    *,
    period: Period,
    results: list[StationResult],
    stations: dict[str, Station],
    issues: list[Issue],
    templates_dir: Path,
    sender: str = "",
    kind: str = KIND_RESULTS,
    date_header: datetime | None = None,
    blank_templates: dict[str, Path] | None = None,
    return_copies: Mapping[str, Sequence[Path]] | None = None,
    env: Mapping[str, str] | None = None,
) -> DraftsSummary:
    """Write out_dir/邮件/<code>_<name>.eml for each station and 邮件清单.xlsx.

    kind="results": attach the station's 考核验收表 (and 退回 copies when it has
    validation rows: ``return_copies[code]``, the copies this run wrote). kind="templates": attach ``blank_templates[code]``; those
    drafts go to out_dir/邮件/空白模板/. Stations without a usable address get
    no draft but a row saying why. Drafts of an earlier run that this run did
    not write again are removed so they cannot be sent by mistake."""
    out_dir = Path(out_dir)
    from_header = draft_from(sender, os.environ if env is None else env)
    if kind not in (KIND_RESULTS, KIND_TEMPLATES):
        raise ValueError(kind)
    folder = outfiles.inside(out_dir, *drafts_parts(templates=kind == KIND_TEMPLATES))
    env = mail_environment(Path(templates_dir))
    body_name = BODY_TEMPLATE if kind == KIND_RESULTS else BLANK_BODY_TEMPLATE

    by_station: dict[str, list[Issue]] = {}
    months = set(period.months)
    for i in issues:
        if i.station and (not i.month or i.month in months):
            by_station.setdefault(i.station, []).append(i)
    county_of = {code: s.county for code, s in stations.items()}

    if kind == KIND_RESULTS:
        targets = [(r.station.code, r) for r in results]
    else:
        targets = [
            (code, None)
            for code in sorted((blank_templates or {}), key=lambda c: (county_order(county_of.get(c, "")), c))
        ]
    rows: list[DraftRow] = []
    written: set[Path] = set()
    for code, result in targets:
        station = stations.get(code) or (result.station if result else Station(code, "", ""))
        st_issues = sorted(by_station.get(code, []), key=lambda i: sort_key(i, stations))
        address = check_address(station.email)
        recipients = (address.address,) if address.address else ()
        base = dict(
            station=code,
            name=station.name,
            county=station.county,
            address_as_typed=privacy.mask(station.email or ""),
            issue_count=len(st_issues),
        )

        # What to attach, and why there is nothing to send.
        files: list[Path] = []
        status = ""
        if kind == KIND_RESULTS:
            if not result.graded:
                status = STATUS_NOT_GRADED
            else:
                form = _form_path(out_dir, result)
                if not form.is_file():
                    status = f"{STATUS_NO_FORM}（{form.name}），请先运行考核生成考核验收表"
                else:
                    files.append(form)
                    if st_issues:
                        # The copies this run wrote, as it wrote them (a copy left locked is not there).
                        files.extend(p for p in (return_copies or {}).get(code, ()) if Path(p).is_file())
        else:
            p = (blank_templates or {}).get(code)
            if p is None or not Path(p).is_file():
                status = STATUS_NO_TEMPLATE
            else:
                files.append(Path(p))
        if not status and not recipients:
            status = (
                f"{STATUS_BAD_ADDRESS}（“{privacy.mask(address.shown)}”：{address.problem}），"
                "请在驿站名册中改正（见校验报告 R008）后重新生成"
                if address.problem
                else f"{STATUS_NO_ADDRESS}，请在驿站名册中补填后重新生成"
            )
        if status:
            rows.append(
                DraftRow(
                    recipients=recipients, subject="", attachments=tuple(f.name for f in files), status=status, **base
                )
            )
            continue

        attachments = [(f.name, f.read_bytes()) for f in files]
        names = [n for n, _ in attachments]
        ctx = _context(
            kind=kind,
            period=period,
            station=station,
            result=result,
            issues=st_issues,
            attachments=names,
            sender=sender,
            return_names=[f.name for f in files[1:]] if kind == KIND_RESULTS else [],
        )
        subject = privacy.mask(_one_line(render_mail(env, SUBJECT_TEMPLATE, ctx)))
        body = privacy.mask(render_mail(env, body_name, ctx))
        att_hash = attachments_hash(attachments)
        mid = message_id(period.key, code, kind, att_hash, sender)
        msg = build_message(
            recipients=recipients,
            subject=subject,
            body=body,
            attachments=attachments,
            msg_id=mid,
            date_header=date_header,
            sender=from_header,
            station=code,
            period=period.key,
            kind=kind,
            attachments_sha256=att_hash,
        )
        eml = folder / outfiles.file_name(f"{code}_{station.name}", ".eml", folder=folder)
        outfiles.write_bytes_atomic(eml, msg.as_bytes(policy=MAIL_POLICY))
        written.add(eml)
        rows.append(
            DraftRow(
                recipients=recipients,
                subject=subject,
                attachments=tuple(names),
                status=STATUS_WRITTEN,
                eml=eml,
                message_id=mid,
                **base,
            )
        )

    if folder.is_dir():
        for old in folder.glob("*.eml"):
            if old not in written:
                old.unlink()
    list_path = folder / MAIL_LIST_NAME
    what = "考核结果" if kind == KIND_RESULTS else "空白模板"
    write_mail_list(list_path, rows, title=f"随州市零工驿站{period.label}{what}邮件清单")
    return DraftsSummary(folder=folder, list_path=list_path, kind=kind, rows=tuple(rows))


def format_drafts_summary(summary: DraftsSummary) -> str:
    """Chinese lines for the console."""
    what = "考核结果" if summary.kind == KIND_RESULTS else "空白模板"
    lines = [f"已生成{what}邮件草稿 {len(summary.written)} 封，在 {summary.folder}", f"邮件清单：{summary.list_path}"]
    missing = summary.not_written
    if missing:
        lines.append(f"以下 {len(missing)} 个驿站没有生成邮件，需要人工处理：")
        lines.extend(f"  {r.station} {r.name}（{r.county}）：{r.status}" for r in missing)
    return "\n".join(lines)
