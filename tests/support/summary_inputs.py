"""The rules and run information a 汇总表 test writes into its 说明 sheet."""

RULES_INFO = {
    "title": "随州市零工驿站运维考核（暂行）2023版",
    "path": "templates/考核规则.toml",
    "sha256": "3f2a" * 16,
    "values": {
        "targets.prorate_rounding": "up",
        "targets.excellent_ratio": 1.2,
        "overall.fail_items": 1,
        "overall.excellent_items": 4,
        "rectification.deadline_days": 30,
        "at_risk.periods": '["H1"]',
    },
}
RUN_INFO = {
    "tool_version": "0.1.0",
    "run_id": "20230705-0001",
    "started_at": "2023-07-05 09:00:00",
    "input_dir": "input",
    "counts": {"报表": 3, "跳过": 1, "无法读取": 1},
}
