"""OpenAPI examples of the withdrawals API.

The households are those of ``seed_demo``: 张伟 buys a flat and draws on his
father 陈强's account too (52号文 lets parents and children draw for a
purchase); 陈强, buying one of his own, draws on his son 张伟's; 王芳 (新市民)
draws for rent at the 1.8万元 a year of the special groups. Names, ID and
account numbers are fictitious; bank accounts are masked in responses.
"""

# ruff: noqa: E501 -- the server's Chinese messages are quoted whole

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

from gjj.openapi_examples import (
    CITE_PURCHASE_RELATIONS,
    CITE_PURCHASE_WINDOW,
    CITE_RENTAL_CAP_SPECIAL,
    error_example,
    field_error,
    pair,
)

_PURCHASE_DRAFT = {
    "id": 1,
    "number": "GT2026031600000001",
    "kind": "purchase",
    "kind_display": "购房提取",
    "status": "draft",
    "status_display": "草稿",
    "amount": "180000.00",
    "applied_on": "2026-03-16",
    "property_address": "阳泉市城区桃北西街1号3单元502室",
    "price": "1200000.00",
    "contract_date": "2026-02-20",
    "loans_amount": "850000.00",
    "voucher_amount": "0.00",
    "rent_year": None,
    "period_type": "",
    "period_index": None,
    "bank_name": "中国建设银行阳泉分行",
    "bank_account": "6217****2333",
    "submitted_at": None,
    "accepted_at": None,
    "decision_due_on": None,
    "decided_at": None,
    "decision_reason": "",
    "cancelled_at": None,
    "created_at": "2026-03-16T10:00:49.917497+08:00",
    "members": [
        {
            "id": 1,
            "name": "张伟",
            "relation": "self",
            "relation_display": "本人",
            "amount": "80000.00",
            "consent_status": "accepted",
            "consent_status_display": "已同意",
            "consented_at": "2026-03-16T10:00:57.048568+08:00",
        },
        {
            "id": 2,
            "name": "陈强",
            "relation": "parent",
            "relation_display": "父母",
            "amount": "100000.00",
            "consent_status": "pending",
            "consent_status_display": "待确认",
            "consented_at": None,
        },
    ],
    "limits": {
        "on": "2026-03-16",
        "own_funds": "350000.00",
        "total": "180000.00",
        "window_ends_on": "2027-02-20",
        "allowed_relations": ["self", "spouse", "parent", "child"],
        "relations_row": "param:36",
        "window_row": "param:37",
    },
    "payment": None,
}

_PURCHASE_SUBMITTED = {
    **_PURCHASE_DRAFT,
    "status": "submitted",
    "status_display": "已提交",
    "submitted_at": "2026-03-16T10:06:28.524284+08:00",
}

_PURCHASE_CONSENTED = {
    **_PURCHASE_SUBMITTED,
    "members": [
        {
            "id": 1,
            "name": "张伟",
            "relation": "self",
            "relation_display": "本人",
            "amount": "80000.00",
            "consent_status": "accepted",
            "consent_status_display": "已同意",
            "consented_at": "2026-03-16T10:00:57.048568+08:00",
        },
        {
            "id": 2,
            "name": "陈强",
            "relation": "parent",
            "relation_display": "父母",
            "amount": "100000.00",
            "consent_status": "accepted",
            "consent_status_display": "已同意",
            "consented_at": "2026-03-16T19:30:28.524284+08:00",
        },
    ],
}

_RENTAL_DRAFT = {
    "id": 2,
    "number": "ZF2026031700000002",
    "kind": "rental",
    "kind_display": "租房提取",
    "status": "draft",
    "status_display": "草稿",
    "amount": "4500.00",
    "applied_on": "2026-03-17",
    "property_address": "阳泉市郊区荫营镇荫营村32号",
    "price": None,
    "contract_date": None,
    "loans_amount": None,
    "voucher_amount": None,
    "rent_year": 2026,
    "period_type": "quarterly",
    "period_index": 1,
    "bank_name": "中国工商银行阳泉分行",
    "bank_account": "6212****4567",
    "submitted_at": None,
    "accepted_at": None,
    "decision_due_on": None,
    "decided_at": None,
    "decision_reason": "",
    "cancelled_at": None,
    "created_at": "2026-03-17T14:10:57.048568+08:00",
    "members": [
        {
            "id": 3,
            "name": "王芳",
            "relation": "self",
            "relation_display": "本人",
            "amount": "4500.00",
            "consent_status": "accepted",
            "consent_status_display": "已同意",
            "consented_at": "2026-03-17T14:11:04.179639+08:00",
        }
    ],
    "limits": {
        "rule": "rental",
        "year": 2026,
        "on": "2026-03-17",
        "cap": "18000.00",
        "special": True,
        "groups": ["new_citizen"],
        "used": "0.00",
        "in_flight": "0.00",
        "remaining": "18000.00",
        "citation": CITE_RENTAL_CAP_SPECIAL,
        "amount": "4500.00",
    },
    "payment": None,
}

_RENTAL_SUBMITTED = {
    **_RENTAL_DRAFT,
    "status": "submitted",
    "status_display": "已提交",
    "submitted_at": "2026-03-17T14:12:28.524284+08:00",
}

_RENTAL_CANCELLED = {
    **_RENTAL_SUBMITTED,
    "status": "cancelled",
    "status_display": "已撤回",
    "cancelled_at": "2026-03-18T08:30:21.393213+08:00",
}

_WITH_CHILD_DRAFT = {
    "id": 3,
    "number": "GT2026032000000003",
    "kind": "purchase",
    "kind_display": "购房提取",
    "status": "draft",
    "status_display": "草稿",
    "amount": "126500.00",
    "applied_on": "2026-03-20",
    "property_address": "阳泉市矿区桃南东路6号1单元302室",
    "price": "680000.00",
    "contract_date": "2026-03-06",
    "loans_amount": "450000.00",
    "voucher_amount": "0.00",
    "rent_year": None,
    "period_type": "",
    "period_index": None,
    "bank_name": "中国银行阳泉分行",
    "bank_account": "6013****6543",
    "submitted_at": None,
    "accepted_at": None,
    "decision_due_on": None,
    "decided_at": None,
    "decision_reason": "",
    "cancelled_at": None,
    "created_at": "2026-03-20T15:00:57.048568+08:00",
    "members": [
        {
            "id": 4,
            "name": "陈强",
            "relation": "self",
            "relation_display": "本人",
            "amount": "120000.00",
            "consent_status": "accepted",
            "consent_status_display": "已同意",
            "consented_at": "2026-03-20T15:01:04.179639+08:00",
        },
        {
            "id": 5,
            "name": "张伟",
            "relation": "child",
            "relation_display": "子女",
            "amount": "6500.00",
            "consent_status": "pending",
            "consent_status_display": "待确认",
            "consented_at": None,
        },
    ],
    "limits": {
        "on": "2026-03-20",
        "own_funds": "230000.00",
        "total": "126500.00",
        "window_ends_on": "2027-03-06",
        "allowed_relations": ["self", "spouse", "parent", "child"],
        "relations_row": "param:36",
        "window_row": "param:37",
    },
    "payment": None,
}

_PURCHASE_HISTORY = [
    {
        "from_status": "",
        "to_status": "draft",
        "to_status_display": "草稿",
        "at": "2026-03-16T10:01:18.441781+08:00",
        "reason": "创建申请",
    },
    {
        "from_status": "draft",
        "to_status": "submitted",
        "to_status_display": "已提交",
        "at": "2026-03-16T10:06:35.655355+08:00",
        "reason": "",
    },
]

_RENTAL_HISTORY = [
    {
        "from_status": "",
        "to_status": "draft",
        "to_status_display": "草稿",
        "at": "2026-03-17T14:11:18.441781+08:00",
        "reason": "创建申请",
    },
    {
        "from_status": "draft",
        "to_status": "submitted",
        "to_status_display": "已提交",
        "at": "2026-03-17T14:12:35.655355+08:00",
        "reason": "",
    },
    {
        "from_status": "submitted",
        "to_status": "cancelled",
        "to_status_display": "已撤回",
        "at": "2026-03-18T08:30:28.524284+08:00",
        "reason": "租赁合同备案信息有误，更正后重新申请",
    },
]

_CONSENT_PENDING = {
    "id": 2,
    "application_number": "GT2026031600000001",
    "applicant_name": "张伟",
    "application_status": "submitted",
    "property_address": "阳泉市城区桃北西街1号3单元502室",
    "relation": "parent",
    "relation_display": "父母",
    "amount": "100000.00",
    "consent_status": "pending",
    "consent_status_display": "待确认",
    "consented_at": None,
}

_CONSENT_ACCEPTED = {
    "id": 2,
    "application_number": "GT2026031600000001",
    "applicant_name": "张伟",
    "application_status": "submitted",
    "property_address": "阳泉市城区桃北西街1号3单元502室",
    "relation": "parent",
    "relation_display": "父母",
    "amount": "100000.00",
    "consent_status": "accepted",
    "consent_status_display": "已同意",
    "consented_at": "2026-03-16T19:30:28.524284+08:00",
}

_RENTAL_LIMITS = {
    "year": 2026,
    "on": "2026-03-17",
    "cap": "18000.00",
    "special": True,
    "groups": ["new_citizen"],
    "used": "0.00",
    "in_flight": "0.00",
    "remaining": "18000.00",
    "citation": CITE_RENTAL_CAP_SPECIAL,
    "balance": "38900.00",
    "owns_home": False,
    "max_amount": "18000.00",
    "claimed_months": [],
}

_PURCHASE_LIMITS = {
    "on": "2026-03-16",
    "own_funds": "350000.00",
    "window_months": 12,
    "window_ends_on": "2027-02-20",
    "within_window": True,
    "contract_in_future": False,
    "allowed_relations": ["self", "spouse", "parent", "child"],
    "max_total": "282000.50",
    "candidates": [
        {
            "relation": "self",
            "family_member": None,
            "name": "张伟",
            "eligible": True,
            "problem_code": "",
            "problem": "",
            "max_amount": "86500.00",
        },
        {
            "relation": "spouse",
            "family_member": 1,
            "name": "刘娜",
            "eligible": True,
            "problem_code": "",
            "problem": "",
            "max_amount": "52300.00",
        },
        {
            "relation": "child",
            "family_member": 3,
            "name": "张小一",
            "eligible": False,
            "problem_code": "member_not_depositor",
            "problem": "子女张小一不是本中心缴存职工",
            "max_amount": "0.00",
        },
        {
            "relation": "child",
            "family_member": 4,
            "name": "张小二",
            "eligible": False,
            "problem_code": "member_not_depositor",
            "problem": "子女张小二不是本中心缴存职工",
            "max_amount": "0.00",
        },
        {
            "relation": "parent",
            "family_member": 5,
            "name": "陈强",
            "eligible": True,
            "problem_code": "",
            "problem": "",
            "max_amount": "143200.50",
        },
    ],
    "citations": {"relations": CITE_PURCHASE_RELATIONS, "window": CITE_PURCHASE_WINDOW},
}

_WITH_CHILD_LIMITS = {
    "on": "2026-03-20",
    "own_funds": "230000.00",
    "window_months": 12,
    "window_ends_on": "2027-03-06",
    "within_window": True,
    "contract_in_future": False,
    "allowed_relations": ["self", "spouse", "parent", "child"],
    "max_total": "229700.50",
    "candidates": [
        {
            "relation": "self",
            "family_member": None,
            "name": "陈强",
            "eligible": True,
            "problem_code": "",
            "problem": "",
            "max_amount": "143200.50",
        },
        {
            "relation": "child",
            "family_member": 6,
            "name": "张伟",
            "eligible": True,
            "problem_code": "",
            "problem": "",
            "max_amount": "86500.00",
        },
    ],
    "citations": {"relations": CITE_PURCHASE_RELATIONS, "window": CITE_PURCHASE_WINDOW},
}


# --- requests -------------------------------------------------------------------------------

_PURCHASE_WITH_PARENT_REQUEST: dict[str, Any] = {
    "kind": "purchase",
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
_PURCHASE_WITH_CHILD_REQUEST: dict[str, Any] = {
    "kind": "purchase",
    "price": "680000.00",
    "contract_date": "2026-03-06",
    "loans_amount": "450000.00",
    "property_address": "阳泉市矿区桃南东路6号1单元302室",
    "bank_name": "中国银行阳泉分行",
    "bank_account": "6013820500009876543",
    "members": [
        {"relation": "self", "amount": "120000.00"},
        {"relation": "child", "family_member": 6, "amount": "6500.00"},
    ],
}
_RENTAL_REQUEST: dict[str, Any] = {
    "kind": "rental",
    "amount": "4500.00",
    "period_type": "quarterly",
    "period_index": 1,
    "property_address": "阳泉市郊区荫营镇荫营村32号",
    "bank_name": "中国工商银行阳泉分行",
    "bank_account": "6212260500001234567",
}

# --- applications ---------------------------------------------------------------------------

APPLICATION_LIST_EXAMPLES = [
    OpenApiExample(
        "购房提取（含父母账户）",
        value=[_PURCHASE_CONSENTED],
        response_only=True,
    )
]

APPLICATION_CREATE_EXAMPLES = [
    *pair(
        "购房提取（本人与父母）",
        _PURCHASE_WITH_PARENT_REQUEST,
        _PURCHASE_DRAFT,
        description=(
            "自筹部分 = 房价120万 − 贷款85万 = 35万元，本人与父亲合计提取18万元；"
            "父亲一栏待其本人确认授权（见 /api/v1/withdrawals/consents/）"
        ),
    ),
    *pair(
        "购房提取（本人与子女）",
        _PURCHASE_WITH_CHILD_REQUEST,
        _WITH_CHILD_DRAFT,
        description="family_member 为 /api/v1/me/ 中 family 的编号；子女须为本中心缴存职工",
    ),
    *pair(
        "租房提取（新市民，按季）",
        _RENTAL_REQUEST,
        _RENTAL_DRAFT,
        description="特定群体每人每年1.8万元（52号文第二条），其他缴存职工1.5万元",
    ),
    error_example(
        "家庭成员不存在",
        400,
        "family_member_not_found",
        "未找到申请人登记的该家庭成员",
        {"members.1.family_member": field_error("not_found", "未找到申请人登记的该家庭成员")},
    ),
    error_example(
        "超过自筹部分",
        400,
        "exceeds_own_funds",
        "提取合计229700.50元超过自筹部分180000.00元（房价680000.00元 − 贷款500000.00元 − 房票0.00元）",
    ),
    error_example(
        "家庭在本市有住房",
        400,
        "owns_home",
        "申请人家庭在本市有住房（1套），不符合租房提取条件",
    ),
    error_example(
        "格式不符",
        400,
        "invalid",
        "请求参数有误",
        {
            "amount": field_error(
                "format", '金额格式不正确：请填写最多2位小数的数字字符串，如"1000000.00"'
            ),
            "period_index": field_error("required", "该字段是必填项。"),
        },
    ),
    error_example(
        "已有在办申请",
        409,
        "withdrawal_in_flight",
        "您已有一笔在办的购房提取申请，请办结或撤回后再申请",
    ),
    error_example(
        "Idempotency-Key 重复使用",
        409,
        "idempotency_key_reused",
        "该 Idempotency-Key 已用于内容不同的请求",
    ),
]

APPLICATION_DETAIL_EXAMPLES = [
    OpenApiExample(
        "购房提取（父亲已确认授权）",
        value=_PURCHASE_CONSENTED,
        description="limits 为提交时按当日政策测算的额度及其依据（政策行编号）",
        response_only=True,
    ),
    OpenApiExample("租房提取（已撤回）", value=_RENTAL_CANCELLED, response_only=True),
]

_SUBMIT_CLOSED = error_example(
    "当前状态不能提交",
    409,
    "invalid_transition",
    "申请ZF2026031700000002当前状态为“已撤回”，不能提交",
)

APPLICATION_SUBMIT_EXAMPLES = [
    OpenApiExample(
        "购房提取已提交",
        value=_PURCHASE_SUBMITTED,
        description="按提交日重新核对额度与家庭关系；父亲的授权可在提交后确认",
        response_only=True,
    ),
    OpenApiExample("租房提取已提交", value=_RENTAL_SUBMITTED, response_only=True),
    error_example(
        "超过购房提取期限",
        400,
        "outside_purchase_window",
        "应在购房合同签订之日起12个月内申请（截至2027-02-20），申请日期为2027-03-01",
    ),
    error_example(
        "超过年度租房提取额度",
        400,
        "rental_cap_exceeded",
        "申请金额6000.00元超过2026年度租房提取剩余额度：剩余4500.00元（年度额度18000.00元，已提取9000.00元，在办4500.00元）",
        {
            "amount": field_error(
                "rental_cap_exceeded",
                "申请金额6000.00元超过2026年度租房提取剩余额度：剩余4500.00元（年度额度18000.00元，已提取9000.00元，在办4500.00元）",
            )
        },
    ),
    _SUBMIT_CLOSED,
]

APPLICATION_CANCEL_EXAMPLES = [
    *pair(
        "撤回租房提取",
        {"reason": "租赁合同备案信息有误，更正后重新申请"},
        _RENTAL_CANCELLED,
    ),
    error_example(
        "原因过长",
        400,
        "invalid",
        "请求参数有误",
        {"reason": field_error("max_length", "请确保这个字段不能超过 500 个字符。")},
    ),
    error_example(
        "当前状态不能撤回",
        409,
        "invalid_transition",
        "申请ZF2026031700000002当前状态为“已撤回”，不能撤回",
    ),
]

APPLICATION_HISTORY_EXAMPLES = [
    OpenApiExample("租房提取：提交后撤回", value=_RENTAL_HISTORY, response_only=True),
]

# --- limits ---------------------------------------------------------------------------------

RENTAL_LIMITS_EXAMPLES = [
    OpenApiExample(
        "新市民（1.8万元/年）",
        value=_RENTAL_LIMITS,
        description="本年度尚未提取；本次最多可申请 min(剩余额度, 账户余额)",
        response_only=True,
    ),
    error_example(
        "年度超出范围",
        400,
        "invalid",
        "请求参数有误",
        {"year": field_error("min_value", "请确保该值大于或者等于 2000。")},
    ),
]

PURCHASE_LIMITS_EXAMPLES = [
    OpenApiExample(
        "本人、配偶与父母可提取",
        value=_PURCHASE_LIMITS,
        description=(
            "?price=1200000.00&contract_date=2026-02-20&loans_amount=850000.00："
            "自筹35万元；未成年子女不是缴存职工，不能提取"
        ),
        response_only=True,
    ),
    OpenApiExample("本人与子女可提取", value=_WITH_CHILD_LIMITS, response_only=True),
    error_example(
        "缺少参数",
        400,
        "invalid",
        "请求参数有误",
        {
            "price": field_error(
                "format", '金额格式不正确：请填写最多2位小数的数字字符串，如"1000000.00"'
            ),
            "contract_date": field_error("required", "该字段是必填项。"),
        },
    ),
]

# --- consents -------------------------------------------------------------------------------

_CONSENT_CLOSED = error_example(
    "申请已办结",
    409,
    "application_closed",
    "申请GT2026031600000001已撤回，不能再确认授权",
)
_CONSENT_RECORDED = error_example(
    "已确认过",
    409,
    "consent_already_recorded",
    "陈强已同意",
)

CONSENT_LIST_EXAMPLES = [
    OpenApiExample(
        "儿子购房，待父亲确认",
        value=[_CONSENT_PENDING],
        response_only=True,
    )
]

CONSENT_ACCEPT_EXAMPLES = [
    OpenApiExample("同意", value=_CONSENT_ACCEPTED, response_only=True),
    _CONSENT_CLOSED,
    _CONSENT_RECORDED,
]

CONSENT_DECLINE_EXAMPLES = [
    OpenApiExample(
        "拒绝",
        value={
            **_CONSENT_PENDING,
            "consent_status": "declined",
            "consent_status_display": "已拒绝",
            "consented_at": "2026-03-16T19:30:28.524284+08:00",
        },
        description="拒绝后本人退出该申请，申请人的提取合计相应减少",
        response_only=True,
    ),
    _CONSENT_CLOSED,
    _CONSENT_RECORDED,
]
