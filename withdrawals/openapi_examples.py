"""OpenAPI examples of the withdrawals API.

Requests are written here; every answer is the server's own, recorded by
``manage.py openapi_examples`` (``config.openapi_recording``) into
``config/openapi_examples/withdrawals.json``. The households are those of
``seed_demo``: 张伟 buys a flat and draws on his father 陈强's account too
(52号文 lets parents and children draw for a purchase); 陈强, buying one of his
own, draws on his son 张伟's; 王芳 (新市民) draws for rent at the 1.8万元 a year
of the special groups. Names, ID and account numbers are fictitious; bank
accounts are masked in responses.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from gjj import openapi_examples as common

response = partial(common.response, "withdrawals")
error = partial(common.error, "withdrawals")
pair = partial(common.pair, "withdrawals")

# --- requests -------------------------------------------------------------------------------

PURCHASE_WITH_PARENT_REQUEST: dict[str, Any] = {
    "kind": "purchase",
    "purchase_number": "晋(2026)阳泉市不动产权第0012345号",
    "price": "1200000.00",
    "contract_date": "2026-02-20",
    "loans_amount": "850000.00",
    "voucher_amount": "0.00",
    "property_address": "阳泉市城区桃北西街1号3单元502室",
    "bank_name": "中国建设银行阳泉分行",
    "bank_account": "6217000011112222333",
    "members": [
        {"relation": "self", "amount": "80000.00"},
        {"relation": "parent", "family_member": 5, "amount": "100000.00"},
    ],
}
PURCHASE_WITH_CHILD_REQUEST: dict[str, Any] = {
    "kind": "purchase",
    "purchase_number": "YQ-SP-2026-0306-0302",
    "price": "680000.00",
    "contract_date": "2026-03-06",
    "loans_amount": "450000.00",
    "property_address": "阳泉市矿区桃南东路6号1单元302室",
    "bank_name": "中国银行阳泉分行",
    "bank_account": "6013820500009876543",
    "members": [
        {"relation": "self", "amount": "120000.00"},
        {"relation": "child", "family_member": 7, "amount": "6500.00"},
    ],
}
RENTAL_REQUEST: dict[str, Any] = {
    "kind": "rental",
    "amount": "4500.00",
    "period_type": "quarterly",
    "period_index": 1,
    "property_address": "阳泉市郊区荫营镇荫营村32号",
    "bank_name": "中国工商银行阳泉分行",
    "bank_account": "6212260500001234567",
}

CANCEL_REQUEST: dict[str, Any] = {"reason": "租赁合同备案信息有误，更正后重新申请"}
# The query of the purchase limits example.
PURCHASE_LIMITS_QUERY = {
    "purchase_number": "晋(2026)阳泉市不动产权第0012345号",
    "price": "1200000.00",
    "contract_date": "2026-02-20",
    "loans_amount": "850000.00",
}

# --- applications ---------------------------------------------------------------------------

APPLICATION_LIST_EXAMPLES = [response("list", "购房提取（含父母账户）")]

APPLICATION_CREATE_EXAMPLES = [
    *pair(
        "purchase_draft",
        "购房提取（本人与父母）",
        PURCHASE_WITH_PARENT_REQUEST,
        description=(
            "自筹部分 = 房价120万 − 贷款85万 = 35万元，本人与父亲合计提取18万元；"
            "父亲一栏待其本人确认授权（见 /api/v1/withdrawals/consents/）"
        ),
    ),
    *pair(
        "with_child_draft",
        "购房提取（本人与子女）",
        PURCHASE_WITH_CHILD_REQUEST,
        description="family_member 为 /api/v1/me/ 中 family 的编号；子女须为本中心缴存职工",
    ),
    *pair(
        "rental_draft",
        "租房提取（新市民，按季）",
        RENTAL_REQUEST,
        description="特定群体每人每年1.8万元（52号文第二条），其他缴存职工1.5万元",
    ),
    error("create_family_member_not_found", "家庭成员不存在", 400),
    error("create_exceeds_own_funds", "超过自筹部分", 400),
    error("create_owns_home", "家庭在本市有住房", 400),
    error("create_invalid", "格式不符", 400),
    error("create_in_flight", "已有在办申请", 409),
    error("idempotency_key_reused", "Idempotency-Key 重复使用", 409),
]

APPLICATION_DETAIL_EXAMPLES = [
    response(
        "purchase_consented",
        "购房提取（父亲已确认授权）",
        description="limits 为提交时按当日政策测算的额度及其依据（政策行编号）",
    ),
    response("rental_cancelled", "租房提取（已撤回）"),
]

APPLICATION_SUBMIT_EXAMPLES = [
    response(
        "purchase_submitted",
        "购房提取已提交",
        description="按提交日重新核对额度与家庭关系；父亲的授权可在提交后确认",
    ),
    response("rental_submitted", "租房提取已提交"),
    error("submit_outside_window", "超过购房提取期限", 400),
    error("rental_cap_exceeded", "超过年度租房提取额度", 400),
    error("submit_closed", "当前状态不能提交", 409),
]

APPLICATION_CANCEL_EXAMPLES = [
    *pair("rental_cancelled", "撤回租房提取", CANCEL_REQUEST),
    error("cancel_invalid", "原因过长", 400),
    error("cancel_closed", "当前状态不能撤回", 409),
]

APPLICATION_HISTORY_EXAMPLES = [response("rental_history", "租房提取：提交后撤回")]

# --- limits ---------------------------------------------------------------------------------

RENTAL_LIMITS_EXAMPLES = [
    response(
        "rental_limits",
        "新市民（1.8万元/年）",
        description="本年度尚未提取；本次最多可申请 min(剩余额度, 账户余额)",
    ),
    error("rental_limits_invalid", "年度超出范围", 400),
]

PURCHASE_LIMITS_EXAMPLES = [
    response(
        "purchase_limits",
        "本人、配偶与父母可提取",
        description=(
            "?price=1200000.00&contract_date=2026-02-20&loans_amount=850000.00："
            "自筹35万元；未成年子女不是缴存职工，不能提取"
        ),
    ),
    response("with_child_limits", "本人与子女可提取"),
    error("purchase_limits_invalid", "缺少参数", 400),
]

# --- consents -------------------------------------------------------------------------------

_CONSENT_CLOSED = error("consent_closed", "申请已办结", 409)
_CONSENT_RECORDED = error("consent_recorded", "已确认过", 409)

CONSENT_LIST_EXAMPLES = [response("consent_list", "儿子购房，待父亲确认")]

CONSENT_ACCEPT_EXAMPLES = [response("consent_accepted", "同意"), _CONSENT_CLOSED, _CONSENT_RECORDED]

CONSENT_DECLINE_EXAMPLES = [
    response(
        "consent_declined",
        "拒绝",
        description="拒绝后本人退出该申请，申请人的提取合计相应减少",
    ),
    _CONSENT_CLOSED,
    _CONSENT_RECORDED,
]
