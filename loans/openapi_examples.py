"""OpenAPI examples of the loan API: the calculator, applications and loans.

Requests are written here; every answer is the server's own, recorded by
``manage.py openapi_examples`` (``config.openapi_recording``) into
``config/openapi_examples/loans.json``. The calculator's answers are the
engine's under the seeded policy on ``as_of``. The applications follow
households of ``seed_demo``: 张伟 (married to 刘娜, two children, one home, a
公积金贷款 of 2014) buys a new flat through every step to 放款; 王芳 (新市民)
applies for 商转公 and for an affordable flat. Names, ID and account numbers
are fictitious.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from drf_spectacular.utils import OpenApiExample

from gjj import openapi_examples as common

response = partial(common.response, "loans")
error = partial(common.error, "loans")
pair = partial(common.pair, "loans")

# --- the calculator ----------------------------------------------------------------------

# The request of this one is ``loans.quote_api.EXAMPLE_REQUEST``, declared with the view.
MULTI_CHILD = "首套（多子女家庭核减1套）"
SECOND_HOME = "第二套住房（二手房，年利率3.075%）"
AFFORDABLE_YOUTH = "保障性住房首套（青年人，等额本金）"
SZG = "商转公（太原建设银行）"
THIRD_HOME = "第三套住房（不予贷款）"

SECOND_HOME_REQUEST = {
    "as_of": "2025-06-01",
    "property_type": "commercial",
    "new_build": False,
    "house_price": "900000.00",
    "term_months": 300,
    "repayment_method": "equal_installment",
    "homes_owned": 1,
    "prior_pf_loans": [],
    "children": 0,
    "special_groups": [],
}

AFFORDABLE_YOUTH_REQUEST = {
    "as_of": "2025-06-01",
    "property_type": "affordable",
    "new_build": True,
    "house_price": "600000.00",
    "term_months": 300,
    "repayment_method": "equal_principal",
    "homes_owned": 0,
    "special_groups": ["youth"],
    "birth_date": "1995-08-16",
    "sex": "F",
}

THIRD_HOME_REQUEST = {
    "as_of": "2025-06-01",
    "property_type": "commercial",
    "new_build": True,
    "house_price": "1000000.00",
    "term_months": 240,
    "homes_owned": 2,
    "prior_pf_loans": [{"issued_on": "2016-03-01", "settled": True}],
}

SZG_REQUEST = {
    "as_of": "2025-06-01",
    "property_type": "commercial",
    "new_build": False,
    "term_months": 298,
    "homes_owned": 1,
    "commercial_loan": {
        "bank": "CCB",
        "city": "太原",
        "issued_on": "2023-08-15",
        "remaining_principal": "420000.00",
        "remaining_term_months": 298,
    },
}

# The calculator's requests by example name (the first is declared with the view).
QUOTE_REQUESTS: dict[str, dict[str, Any]] = {
    SECOND_HOME: SECOND_HOME_REQUEST,
    AFFORDABLE_YOUTH: AFFORDABLE_YOUTH_REQUEST,
    SZG: SZG_REQUEST,
    THIRD_HOME: THIRD_HOME_REQUEST,
}
QUOTE_DESCRIPTIONS = {
    SECOND_HOME: "已有1套住房：认定第二套，首付20%，额度上限90万元，五年以上第二套年利率3.075%",
    AFFORDABLE_YOUTH: (
        "保障性住房首付15%；青年人额度上限100万元；提供出生日期与性别时按法定退休年龄限制期限"
    ),
    SZG: "2024-03-31前在太原市建设银行发放的商业贷款；额度不超过剩余本金，期限不超过剩余期限",
    THIRD_HOME: "不符合条件也是200：eligible 为 false，refusal_reasons 给出原因与依据",
}

_QUOTE_INVALID = error(
    "quote/invalid", "格式不符", 400, description="金额以字符串表示、精确到分；贷款期限有上限"
)
_QUOTE_UNQUOTABLE = error(
    "quote/unquotable",
    "无法试算的事实",
    400,
    description=(
        "各项格式正确但无法试算（房价为0、购房未填房价、房票面额超过房价、出生日期晚于试算日期"
        "等）：逐项给出引擎的代码与原因"
    ),
)

QUOTE_EXAMPLES: list[OpenApiExample] = [
    response(
        f"quote/{MULTI_CHILD}",
        MULTI_CHILD,
        description=(
            "二孩家庭购买新建商品住房：已有1套核减为0套，2014年的公积金贷款不计次数，"
            "认定首套；首付20%，多子女家庭额度上限100万元，五年以上首套年利率2.60%"
        ),
    ),
    *(
        example
        for name, request in QUOTE_REQUESTS.items()
        for example in pair(f"quote/{name}", name, request, description=QUOTE_DESCRIPTIONS[name])
    ),
    _QUOTE_INVALID,
    _QUOTE_UNQUOTABLE,
]

# The schedule's examples list the first three installments and the last.
SCHEDULE_EXAMPLES: list[OpenApiExample] = [
    response(f"schedule/{MULTI_CHILD}", MULTI_CHILD, description="此处仅列出第1–3期与最后一期"),
    *pair(
        f"schedule/{THIRD_HOME}",
        THIRD_HOME,
        THIRD_HOME_REQUEST,
        description="不符合贷款条件时没有还款计划，原因见 quote.refusal_reasons",
    ),
    _QUOTE_INVALID,
    _QUOTE_UNQUOTABLE,
]

# --- applications --------------------------------------------------------------------------

PURCHASE_REQUEST: dict[str, Any] = {
    "kind": "purchase",
    "property_address": "阳泉市城区桃北西街1号3单元502室",
    "property_type": "commercial",
    "new_build": True,
    "house_price": "1200000.00",
    "purchase_contract_date": "2026-02-20",
    "seller_name": "阳泉市某房地产开发有限公司",
    "seller_account": "6222000011112222",
    "requested_amount": "900000.00",
    "term_months": 360,
    "repayment_method": "equal_installment",
    "spouse_co_borrows": True,
    "monthly_income": "16800.00",
}

SZG_APPLICATION_REQUEST: dict[str, Any] = {
    "kind": "szg",
    "property_address": "阳泉市城区德胜街18号2单元602室",
    "szg_bank": "CCB",
    "szg_bank_name": "中国建设银行太原分行",
    "szg_city": "太原",
    "szg_issued_on": "2021-09-15",
    "szg_remaining_principal": "420000.00",
    "szg_remaining_term_months": 293,
    "szg_mode": "repay_first",
    "szg_loan_account": "14050100000000001234",
    "term_months": 293,
    "repayment_method": "equal_installment",
}

AFFORDABLE_REQUEST: dict[str, Any] = {
    "property_address": "阳泉市城区义井街5号2单元301室",
    "property_type": "affordable",
    "new_build": True,
    "house_price": "600000.00",
    "purchase_contract_date": "2026-03-12",
    "seller_name": "阳泉市保障性住房建设有限公司",
    "seller_account": "6228480500001234",
    "voucher_amount": None,
    "requested_amount": None,
    "term_months": 300,
    "repayment_method": "equal_principal",
    "spouse_co_borrows": False,
    "monthly_income": "7500.00",
}

PATCH_REQUEST: dict[str, Any] = {"requested_amount": "850000.00"}
WITHDRAW_REQUEST: dict[str, Any] = {"reason": "商业贷款已自行结清，不再办理商转公"}
REVIEW_REQUEST: dict[str, Any] = {"opinion": "材料齐全，家庭住房及贷款记录已核实，同意上报"}
APPROVE_REQUEST: dict[str, Any] = {"opinion": "同意贷款"}
REJECT_REQUEST: dict[str, Any] = {"reason": "购房合同未办理网签备案，不符合贷款条件"}
SIGN_REQUEST: dict[str, Any] = {
    "amount": "850000.00",
    "term_months": 360,
    "repayment_method": "equal_installment",
    "guarantee_type": "01",
    "repayment_day": 20,
    "guarantee_note": "以所购住房抵押",
}

_OWN_HOUSEHOLD = error("own_household", "回避", 403)
_EDIT_CLOSED = error("edit_closed", "当前状态不能办理", 409)


def _role_required(action: str) -> OpenApiExample:
    return error(f"{action}_role", "岗位不符", 403)


def _not_allowed(action: str) -> OpenApiExample:
    return error(f"{action}_closed", "当前状态不能办理", 409)


APPLICATION_LIST_EXAMPLES = [
    response("list", "本家庭的申请", description="新的在前；配偶双方看到的是同一家庭的申请")
]

APPLICATION_CREATE_EXAMPLES = [
    *pair(
        "purchase_draft",
        "购房贷款（新建商品住房，配偶共同借款）",
        PURCHASE_REQUEST,
        description="草稿：测算结果在提交时按中心掌握的家庭情况得出；收款账号在响应中遮蔽",
    ),
    *pair("szg_draft", "商转公贷款（先还后贷）", SZG_APPLICATION_REQUEST),
    error("create_invalid", "格式不符", 400),
    error("create_open_exists", "已有在办申请", 409),
    error("idempotency_key_reused", "Idempotency-Key 重复使用", 409),
]

APPLICATION_DETAIL_EXAMPLES = [
    response(
        "purchase_disbursed",
        "已放款",
        description="decision 为提交时冻结的测算结果；loan_id 指向 /api/v1/loans/{id}/",
    ),
    response("purchase_submitted", "已提交"),
]

APPLICATION_PUT_EXAMPLES = [
    *pair(
        "affordable_draft",
        "保障性住房（等额本金，按可贷最高额申请）",
        AFFORDABLE_REQUEST,
        description="整体替换草稿的各项；requested_amount 为 null 表示按可贷最高额申请",
    ),
    error("put_invalid", "格式不符", 400),
    _EDIT_CLOSED,
]

APPLICATION_PATCH_EXAMPLES = [
    *pair("purchase_edited", "调整申请金额", PATCH_REQUEST, description="只改所给字段"),
    error("patch_kind", "贷款类型不能修改", 400),
    _EDIT_CLOSED,
]

APPLICATION_SUBMIT_EXAMPLES = [
    response(
        "purchase_submitted",
        "符合贷款条件",
        description=(
            "按提交日中心登记的家庭住房、贷款记录和特定群体测算：认定首套，"
            "可贷最高96万元（首付20%），按申请金额85万元、年利率2.60%计算月还款额"
        ),
    ),
    error("submit_incomplete", "申请信息不完整", 400),
    _not_allowed("submit"),
]

APPLICATION_WITHDRAW_EXAMPLES = [
    *pair("szg_withdrawn", "撤回商转公申请", WITHDRAW_REQUEST),
    error("withdraw_invalid", "原因过长", 400),
    _not_allowed("withdraw"),
]

APPLICATION_HISTORY_EXAMPLES = [
    response("history", "从创建到放款", description="按时间顺序；actor_label 为办理人")
]

TRANSITION_EXAMPLES: dict[str, list[OpenApiExample]] = {
    "accept": [
        response(
            "purchase_accepted",
            "受理",
            description=(
                "自受理之日起15日内作出决定（《住房公积金管理条例》第二十六条），见 deadline_on"
            ),
        ),
        error("accept_invalid_date", "业务日期早于提交日期", 400),
        _role_required("accept"),
        _OWN_HOUSEHOLD,
        _not_allowed("accept"),
    ],
    "review": [
        *pair("purchase_reviewed", "审核通过", REVIEW_REQUEST),
        error("review_invalid", "意见过长", 400),
        _role_required("review"),
        _OWN_HOUSEHOLD,
        _not_allowed("review"),
    ],
    "approve": [
        *pair("purchase_approved", "审批同意", APPROVE_REQUEST),
        error("approve_ineligible", "测算结果不符合条件", 400),
        error("approve_four_eyes", "双人复核", 403),
        _role_required("approve"),
        _not_allowed("approve"),
    ],
    "reject": [
        *pair("affordable_rejected", "不予贷款", REJECT_REQUEST),
        error("reject_blank", "未填写理由", 400),
        _role_required("reject"),
        _not_allowed("reject"),
    ],
    "sign": [
        *pair(
            "purchase_signed",
            "签订借款合同（抵押）",
            SIGN_REQUEST,
            description="guarantee_type：01 抵押、02 质押、03 保证",
        ),
        error("sign_exceeds_approved", "超过批准金额", 400),
        _role_required("sign"),
        _not_allowed("sign"),
    ],
    "disburse": [
        response(
            "purchase_disbursed",
            "放款",
            description="按放款日施行的利率放款，生成第1版还款计划；收款方为开发企业",
        ),
        error("disburse_no_rate", "无施行中的利率", 400),
        _role_required("disburse"),
        _not_allowed("disburse"),
    ],
}

# --- loans ------------------------------------------------------------------------------------

LOAN_LIST_EXAMPLES = [response("loan_list", "还款中")]

LOAN_DETAIL_EXAMPLES = [
    response(
        "loan_detail",
        "还款中（放款后首期之前）",
        description="schedule 此处仅列出第1–3期与最后一期；按月还款日20日计",
    ),
]

# --- 冲还贷: 张伟 authorises his own provident account for his loan, then stops it ---------

AUTHORIZATION_STOP_REQUEST: dict[str, Any] = {"reason": "改由委托扣款银行账户还款"}

AUTHORIZATION_LIST_EXAMPLES = [
    response(
        "authorization_list",
        "本人的冲还贷授权",
        description="只列本人账户的授权，含已终止的，新的在前；账号遮蔽",
    )
]

AUTHORIZATION_GRANT_EXAMPLES = [
    response(
        "authorization_granted",
        "借款人授权本人公积金账户",
        description="夜间批处理在应还日先按可用余额从本人账户扣划，不足部分由委托扣款银行账户扣收",
    ),
    error("authorization_already", "本人账户已授权", 409),
]

AUTHORIZATION_STOP_EXAMPLES = [
    *pair("authorization_stopped", "终止冲还贷授权", AUTHORIZATION_STOP_REQUEST),
    error("authorization_stop_invalid", "原因过长", 400),
    error("authorization_already_stopped", "授权已终止", 409),
]
