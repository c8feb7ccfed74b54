"""Signs of a message rendered with a field missing."""

import re

EMPTY_SLOT = re.compile(
    r"（\s*[，、；：]?\s*）"  # （）, （，）
    r"|（\s*[，、；]"  # （，x）
    r"|[，、；：]\s*[）。；]"  # x，）  ：。
    r"|“\s*”|\"\s*\""  # “”
    r"|\s[）。，；：]"  # 上限 ）
    r"|[：:]\s*$"  # ends on a colon
    r"|\s{2,}|^\s|\s$"
    r"|第\s*行"
)
