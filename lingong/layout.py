"""Where everything is: the project's folders and every output folder and file name.

Stated once so that a step that needs another step's files (the mail step the return
copies, the recheck the history) asks here rather than repeating a literal.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "templates"
DEFAULT_RULES = TEMPLATES_DIR / "rules.toml"
DEFAULT_INPUT = ROOT / "input"
DEFAULT_OUTPUT = ROOT / "output"
DOCS_DIR = ROOT / "docs"

# Under the output folder
DEMO_FOLDER = "demo"  # output/demo when --demo has no --output
SAMPLE_INPUT_FOLDER = "样例输入"  # the demo's generated city
BLANK_TEMPLATES_FOLDER = "空白模板"  # <out>/空白模板/<YYYY-MM>/
HISTORY_DB_NAME = "考核历史.sqlite3"
LOCK_NAME = "运行中.lock"

# Under a period's folder <out>/<period>/
RETURNS_FOLDER = "退回修改"
MAIL_FOLDER = "邮件"
MAIL_LIST_NAME = "邮件清单.xlsx"
VALIDATION_REPORT_SUFFIX = "校验报告.xlsx"  # 随州市零工驿站<period>校验报告.xlsx: see validation_report_name
RESULTS_JSON_NAME = "results.json"
MONTHLY_CSV_NAME = "月度明细.csv"
CACHE_NAME = "读取缓存.sqlite3"  # the read cache beside the history, in the output root
WEB_SERVER_FILE_NAME = "网页服务.json"  # while `serve` runs: its port and process, so a second serve says where it is
RUN_RECORD_NAME = "运行记录.json"
NOTICE_NAME = "通报（草稿）.docx"
FORM_SUFFIX = "_考核验收表.xlsx"
RECORD_CARD_NAME = "考核记录.json"  # which assessment a folder holds (the record is in the history)
OLD_VERSIONS_FOLDER = "旧版本"  # <period>/旧版本/第1版_<考核日期>_<生成时间>/: a replaced version's files
RECHECK_FOLDER_PREFIX = "复查"  # <period>/复查YYYY-MM-DD/: a recheck's own folder
RETURN_COPY_SUFFIX = "_退回.xlsx"  # 退回修改/<驿站编号>_<YYYY-MM>[_<n>]_退回.xlsx: see render/return_copy.copy_name


def validation_report_name(period_label: str) -> str:
    """Named with the period, as the other documents people open are: two reports attached
    to one mail, or copied out of their period folders, can be told apart."""
    return f"随州市零工驿站{period_label}{VALIDATION_REPORT_SUFFIX}"


def summary_name(period_label: str) -> str:
    return f"随州市零工驿站{period_label}考核汇总表.xlsx"


def returns_dir(period_dir: Path) -> Path:
    return Path(period_dir) / RETURNS_FOLDER


def mail_dir(period_dir: Path) -> Path:
    return Path(period_dir) / MAIL_FOLDER


def blank_templates_parts(month: str) -> tuple[str, ...]:
    """<out>/空白模板/<YYYY-MM>/: a month's blank templates, under the output folder."""
    return (BLANK_TEMPLATES_FOLDER, month)


def blank_templates_dir(out_root: Path, month: str) -> Path:
    return Path(out_root).joinpath(*blank_templates_parts(month))


def drafts_parts(*, templates: bool = False) -> tuple[str, ...]:
    """Where mail drafts go under the folder of what they carry: <period>/邮件/ for results,
    <out>/空白模板/<YYYY-MM>/邮件/空白模板/ for a month's blank templates (mail writes there, send reads)."""
    return (MAIL_FOLDER, BLANK_TEMPLATES_FOLDER) if templates else (MAIL_FOLDER,)


def assessment_folder(period_key: str, recheck_on=None) -> str:
    """Where an assessment's documents go, relative to the output folder: <period>/ for the
    period's assessment, <period>/复查YYYY-MM-DD/ for a recheck (``recheck_on`` its date)."""
    return period_key if recheck_on is None else f"{period_key}/{RECHECK_FOLDER_PREFIX}{recheck_on.isoformat()}"


def old_version_name(version: int, assessed_on, started_at) -> str:
    """第1版_2023-07-10_生成于20230710-090000: the folder a replaced version's files are kept in
    (``started_at``: when that version was made, a datetime in China's time; None when unknown)."""
    made = f"_生成于{started_at:%Y%m%d-%H%M%S}" if started_at is not None else ""
    return f"第{version}版_{assessed_on.isoformat()}{made}"


# Mail that arrives (issue 27): fetched attachments under the input folder, receipts under the output
INTAKE_FOLDER = "收件"  # <input>/收件/<YYYY-MM of receipt>/<sender>_<original name>
RECEIPTS_FOLDER = "回执"  # <out>/回执/<YYYY-MM-DD>/: the receipt drafts of a day's fetches
