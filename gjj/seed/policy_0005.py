"""Policy rows added by data migration ``gjj.0005``: two loan rules, as rows.

The rules applied before, from the engine alone and without a citation; as
rows they cite their source like every other rule, and the center can see
(and, with a later row, change) them. Frozen, like ``policy_2024``.
"""

from __future__ import annotations

from gjj.seed.policy_2024 import CENTER, D52_FROM
from gjj.seeding import ParameterRow

PARAMETERS: list[ParameterRow] = [
    ("loan.home_count.max_unsettled_pf_loans", "integer", "0", "2015-08-26", None, CENTER,
     "家庭有未结清的住房公积金贷款的，结清前不予发放新的住房公积金贷款", "decision",
     "申请时家庭可有的未结清住房公积金贷款笔数"),
    ("szg.limits", "text", "remaining_principal_and_term", D52_FROM, None, CENTER,
     "商转公贷款额度不超过商业贷款剩余本金，贷款期限不超过商业贷款剩余期限", "decision",
     "remaining_principal_and_term：额度与期限均以所转商业贷款的剩余部分为限"),
]
