"""The run record (运行记录.json): what a run read, with which rules, and what it wrote,
so that every grade can be reproduced."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lingong import layout
from lingong.model.filenames import display_path
from lingong.model.run import RunSummary
from lingong.runtime import xlsx_fast
from lingong.runtime.outfiles import write_text_atomic
from lingong.runtime.privacy import dumps_masked


def write_run_record(summary: RunSummary, rules, run_info: dict, *, exit_code: int, paths: dict[str, Path]) -> Path:
    """运行记录.json of the run ``summary`` describes, with the exit status and the outputs
    its documents leave (``exit_code``, ``paths``: known only once they are written)."""
    rec = {
        "schema": "lingong-run-record/1",
        **{k: (dict(v) if isinstance(v, Counter) else v) for k, v in run_info.items()},
        "rules": {"path": display_path(rules.path), "sha256": rules.sha256},
        "exit_code": exit_code,
        "input_files": [
            {
                "file": o.file,
                "sha256": o.sha256,
                "size": o.size,
                "kind": o.kind,
                "status": o.status,
                "station": o.station,
                "month": o.month,
                "reason": o.reason,
            }
            for o in summary.outcomes
        ],
        "issues": dict(Counter(i.severity for i in summary.issues)),
        "outputs": {k: display_path(v) for k, v in {**summary.paths, **paths}.items()},
        # Whether the workbooks were written the short ways, and if not why (an xlsxwriter
        # other than the one they were checked on): the same bytes either way, only slower.
        "xlsx_fast": xlsx_fast.status().record(),
    }
    p = summary.out_dir / layout.RUN_RECORD_NAME

    # Masked like every output; the history database keeps the real file names.
    write_text_atomic(p, dumps_masked(rec, ensure_ascii=False, indent=2, sort_keys=True))
    return p
