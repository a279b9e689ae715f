"""OpenAPI examples of the loan API: the calculator, applications and loans.

The calculator's answers are the engine's under the seeded policy on ``as_of``;
tests/contract/test_openapi_examples.py posts every request example and
compares the answer, so they cannot drift. The applications follow households
of ``seed_demo``: 张伟 (married to 刘娜, two children, one home, a 公积金贷款 of
2014) buys a new flat through every step to 放款; 王芳 (新市民) applies for 商转公
and for an affordable flat. Names, ID and account numbers are fictitious.
"""

# ruff: noqa: E501 -- the server's Chinese messages are quoted whole

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

from gjj.openapi_examples import (
    CITE_BALANCE_MULTIPLE,
    CITE_CAP_SPECIAL,
    CITE_CAP_STANDARD,
    CITE_DOWN_PAYMENT_AFFORDABLE_1,
    CITE_DOWN_PAYMENT_COMMERCIAL_1,
    CITE_DOWN_PAYMENT_COMMERCIAL_2,
    CITE_MAX_HOME_TIER,
    CITE_MEASURE,
    CITE_MIN_DEPOSIT_MONTHS,
    CITE_MULTI_CHILD_DEDUCTION,
    CITE_PF_LOAN_CUTOFF,
    CITE_RATE_1_OVER_5Y,
    CITE_RATE_2_OVER_5Y,
    CITE_REPAYMENT_CAPACITY,
    CITE_RETIREMENT_REFORM,
    CITE_SZG_ISSUED_BY,
    CITE_SZG_LENDERS,
    CITE_SZG_LIMITS,
    CITE_TERM_MAX,
    error_example,
    field_error,
    pair,
)

# --- the calculator ----------------------------------------------------------------------

# The request of this one is ``loans.quote_api.EXAMPLE_REQUEST``, declared with the view.
MULTI_CHILD = "首套（多子女家庭核减1套）"

# Reasons every quote under the seeded policy gives.
_MEASURE = {
    "rule": "measure",
    "value": "阳政办发〔2024〕52号",
    "message": "适用阳政办发〔2024〕52号，有效期至2027-10-16",
    "citation": CITE_MEASURE,
}

_TERM_MAX = {
    "rule": "term.max",
    "value": "360",
    "message": "贷款期限最长360个月",
    "citation": CITE_TERM_MAX,
}

_BALANCE_MULTIPLE_NOT_SET = {
    "rule": "amount.balance_multiple",
    "value": "not_applied",
    "message": "账户余额倍数：中心未设置该参数，不适用",
    "citation": CITE_BALANCE_MULTIPLE,
}

_REPAYMENT_CAPACITY_NOT_SET = {
    "rule": "amount.repayment_capacity",
    "value": "not_applied",
    "message": "还款能力：中心未设置该参数，不适用",
    "citation": CITE_REPAYMENT_CAPACITY,
}

_MIN_DEPOSIT_NOT_SET = {
    "rule": "deposit.min_months",
    "value": "not_applied",
    "message": "连续缴存月数：中心未设置该参数，不适用",
    "citation": CITE_MIN_DEPOSIT_MONTHS,
}

_NO_BIRTH_DATE = {
    "rule": "term.retirement",
    "value": "not_applied",
    "message": "未提供出生日期，未按法定退休年龄限制贷款期限",
    "citation": None,
}

_MULTI_CHILD_RESPONSE = {
    "eligible": True,
    "home_tier": 1,
    "counted_homes": 0,
    "counted_pf_loans": 0,
    "min_down_payment_ratio": "0.20",
    "min_down_payment": "200000.00",
    "loan_cap": "1000000.00",
    "max_loan_amount": "800000.00",
    "loan_amount": "800000.00",
    "annual_rate_percent": "2.60",
    "rate_citation": CITE_RATE_1_OVER_5Y,
    "term_months": 360,
    "max_term_months": 360,
    "repayment_method": "equal_installment",
    "repayment_method_code": "01",
    "monthly_payment": "3202.72",
    "total_interest": "352978.04",
    "limits_applied": [
        {
            "rule": "amount.down_payment",
            "value": "800000.00",
            "message": "商品住房第1套最低首付款比例20%：首付不低于200,000.00元，可贷不超过800,000.00元",
            "citation": CITE_DOWN_PAYMENT_COMMERCIAL_1,
        },
        {
            "rule": "amount.cap",
            "value": "1000000.00",
            "message": "多子女家庭贷款额度上限1,000,000.00元",
            "citation": CITE_CAP_SPECIAL,
        },
        _TERM_MAX,
    ],
    "limits_not_applied": [
        _NO_BIRTH_DATE,
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
    ],
    "reasons": [
        _MEASURE,
        {
            "rule": "home_count.homes",
            "value": "0",
            "message": "家庭在本市拥有住房1套，二孩及以上多子女家庭购买新建商品住房，核减1套，认定0套",
            "citation": CITE_MULTI_CHILD_DEDUCTION,
        },
        {
            "rule": "home_count.pf_loans",
            "value": "0",
            "message": "住房公积金贷款1笔，其中2014-12-31（含）前发放的1笔不计入，认定0笔",
            "citation": CITE_PF_LOAN_CUTOFF,
        },
        {
            "rule": "home_tier",
            "value": "1",
            "message": "按1+max(住房0套, 公积金贷款0笔)认定为第1套住房",
            "citation": CITE_MAX_HOME_TIER,
        },
        {
            "rule": "amount.down_payment",
            "value": "800000.00",
            "message": "商品住房第1套最低首付款比例20%：首付不低于200,000.00元，可贷不超过800,000.00元",
            "citation": CITE_DOWN_PAYMENT_COMMERCIAL_1,
        },
        {
            "rule": "special_groups",
            "value": "multi_child",
            "message": "特定群体：多子女家庭",
            "citation": None,
        },
        {
            "rule": "amount.cap",
            "value": "1000000.00",
            "message": "多子女家庭贷款额度上限1,000,000.00元",
            "citation": CITE_CAP_SPECIAL,
        },
        _TERM_MAX,
        _NO_BIRTH_DATE,
        {
            "rule": "rate",
            "value": "2.60",
            "message": "第1套住房、合同期限360个月（五年以上），年利率2.60%",
            "citation": CITE_RATE_1_OVER_5Y,
        },
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
        {
            "rule": "amount.max",
            "value": "800000.00",
            "message": "可贷最高额为各项限额中的最低者800,000.00元（amount.down_payment）",
            "citation": None,
        },
        {
            "rule": "repayment",
            "value": "3202.72",
            "message": "等额本息：贷款800,000.00元、360个月、年利率2.60%，月还款额3,202.72元，利息合计352,978.04元",
            "citation": None,
        },
    ],
    "policy_version": "2025-05-08",
    "as_of": "2025-06-01",
    "refusal_reasons": [],
}

_SECOND_HOME_REQUEST = {
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

_SECOND_HOME_RESPONSE = {
    "eligible": True,
    "home_tier": 2,
    "counted_homes": 1,
    "counted_pf_loans": 0,
    "min_down_payment_ratio": "0.20",
    "min_down_payment": "180000.00",
    "loan_cap": "900000.00",
    "max_loan_amount": "720000.00",
    "loan_amount": "720000.00",
    "annual_rate_percent": "3.075",
    "rate_citation": CITE_RATE_2_OVER_5Y,
    "term_months": 300,
    "max_term_months": 360,
    "repayment_method": "equal_installment",
    "repayment_method_code": "01",
    "monthly_payment": "3442.47",
    "total_interest": "312743.00",
    "limits_applied": [
        {
            "rule": "amount.down_payment",
            "value": "720000.00",
            "message": "商品住房第2套最低首付款比例20%：首付不低于180,000.00元，可贷不超过720,000.00元",
            "citation": CITE_DOWN_PAYMENT_COMMERCIAL_2,
        },
        {
            "rule": "amount.cap",
            "value": "900000.00",
            "message": "正常缴存职工贷款额度上限900,000.00元",
            "citation": CITE_CAP_STANDARD,
        },
        _TERM_MAX,
    ],
    "limits_not_applied": [
        _NO_BIRTH_DATE,
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
    ],
    "reasons": [
        _MEASURE,
        {
            "rule": "home_count.homes",
            "value": "1",
            "message": "家庭在本市拥有住房1套，认定1套",
            "citation": None,
        },
        {
            "rule": "home_count.pf_loans",
            "value": "0",
            "message": "住房公积金贷款0笔，其中2014-12-31（含）前发放的0笔不计入，认定0笔",
            "citation": CITE_PF_LOAN_CUTOFF,
        },
        {
            "rule": "home_tier",
            "value": "2",
            "message": "按1+max(住房1套, 公积金贷款0笔)认定为第2套住房",
            "citation": CITE_MAX_HOME_TIER,
        },
        {
            "rule": "amount.down_payment",
            "value": "720000.00",
            "message": "商品住房第2套最低首付款比例20%：首付不低于180,000.00元，可贷不超过720,000.00元",
            "citation": CITE_DOWN_PAYMENT_COMMERCIAL_2,
        },
        {
            "rule": "amount.cap",
            "value": "900000.00",
            "message": "正常缴存职工贷款额度上限900,000.00元",
            "citation": CITE_CAP_STANDARD,
        },
        _TERM_MAX,
        _NO_BIRTH_DATE,
        {
            "rule": "rate",
            "value": "3.075",
            "message": "第2套住房、合同期限300个月（五年以上），年利率3.075%（国家规定的利率下限，中心未另行上浮）",
            "citation": CITE_RATE_2_OVER_5Y,
        },
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
        {
            "rule": "amount.max",
            "value": "720000.00",
            "message": "可贷最高额为各项限额中的最低者720,000.00元（amount.down_payment）",
            "citation": None,
        },
        {
            "rule": "repayment",
            "value": "3442.47",
            "message": "等额本息：贷款720,000.00元、300个月、年利率3.075%，月还款额3,442.47元，利息合计312,743.00元",
            "citation": None,
        },
    ],
    "policy_version": "2025-05-08",
    "as_of": "2025-06-01",
    "refusal_reasons": [],
}

_AFFORDABLE_YOUTH_REQUEST = {
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

_AFFORDABLE_YOUTH_RESPONSE = {
    "eligible": True,
    "home_tier": 1,
    "counted_homes": 0,
    "counted_pf_loans": 0,
    "min_down_payment_ratio": "0.15",
    "min_down_payment": "90000.00",
    "loan_cap": "1000000.00",
    "max_loan_amount": "510000.00",
    "loan_amount": "510000.00",
    "annual_rate_percent": "2.60",
    "rate_citation": CITE_RATE_1_OVER_5Y,
    "term_months": 300,
    "max_term_months": 360,
    "repayment_method": "equal_principal",
    "repayment_method_code": "02",
    "monthly_payment": "2805.00",
    "total_interest": "166302.50",
    "limits_applied": [
        {
            "rule": "amount.down_payment",
            "value": "510000.00",
            "message": "保障性住房第1套最低首付款比例15%：首付不低于90,000.00元，可贷不超过510,000.00元",
            "citation": CITE_DOWN_PAYMENT_AFFORDABLE_1,
        },
        {
            "rule": "amount.cap",
            "value": "1000000.00",
            "message": "青年人贷款额度上限1,000,000.00元",
            "citation": CITE_CAP_SPECIAL,
        },
        _TERM_MAX,
        {
            "rule": "term.retirement",
            "value": "398",
            "message": "法定退休年龄58周岁（2053-08-16退休），贷款到期不晚于退休后5年即2058-08-16，最长398个月",
            "citation": CITE_RETIREMENT_REFORM,
        },
    ],
    "limits_not_applied": [
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
    ],
    "reasons": [
        _MEASURE,
        {
            "rule": "home_count.homes",
            "value": "0",
            "message": "家庭在本市拥有住房0套，认定0套",
            "citation": None,
        },
        {
            "rule": "home_count.pf_loans",
            "value": "0",
            "message": "住房公积金贷款0笔，其中2014-12-31（含）前发放的0笔不计入，认定0笔",
            "citation": CITE_PF_LOAN_CUTOFF,
        },
        {
            "rule": "home_tier",
            "value": "1",
            "message": "按1+max(住房0套, 公积金贷款0笔)认定为第1套住房",
            "citation": CITE_MAX_HOME_TIER,
        },
        {
            "rule": "amount.down_payment",
            "value": "510000.00",
            "message": "保障性住房第1套最低首付款比例15%：首付不低于90,000.00元，可贷不超过510,000.00元",
            "citation": CITE_DOWN_PAYMENT_AFFORDABLE_1,
        },
        {
            "rule": "special_groups",
            "value": "youth",
            "message": "特定群体：青年人",
            "citation": None,
        },
        {
            "rule": "amount.cap",
            "value": "1000000.00",
            "message": "青年人贷款额度上限1,000,000.00元",
            "citation": CITE_CAP_SPECIAL,
        },
        _TERM_MAX,
        {
            "rule": "term.retirement",
            "value": "398",
            "message": "法定退休年龄58周岁（2053-08-16退休），贷款到期不晚于退休后5年即2058-08-16，最长398个月",
            "citation": CITE_RETIREMENT_REFORM,
        },
        {
            "rule": "rate",
            "value": "2.60",
            "message": "第1套住房、合同期限300个月（五年以上），年利率2.60%",
            "citation": CITE_RATE_1_OVER_5Y,
        },
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
        {
            "rule": "amount.max",
            "value": "510000.00",
            "message": "可贷最高额为各项限额中的最低者510,000.00元（amount.down_payment）",
            "citation": None,
        },
        {
            "rule": "repayment",
            "value": "2805.00",
            "message": "等额本金：贷款510,000.00元、300个月、年利率2.60%，首月还款额2,805.00元，利息合计166,302.50元",
            "citation": None,
        },
    ],
    "policy_version": "2025-05-08",
    "as_of": "2025-06-01",
    "refusal_reasons": [],
}

_THIRD_HOME_REQUEST = {
    "as_of": "2025-06-01",
    "property_type": "commercial",
    "new_build": True,
    "house_price": "1000000.00",
    "term_months": 240,
    "homes_owned": 2,
    "prior_pf_loans": [{"issued_on": "2016-03-01", "settled": True}],
}

_THIRD_HOME_RESPONSE = {
    "eligible": False,
    "home_tier": None,
    "counted_homes": 2,
    "counted_pf_loans": 1,
    "min_down_payment_ratio": None,
    "min_down_payment": None,
    "loan_cap": "900000.00",
    "max_loan_amount": None,
    "loan_amount": None,
    "annual_rate_percent": None,
    "rate_citation": None,
    "term_months": 240,
    "max_term_months": 360,
    "repayment_method": "equal_installment",
    "repayment_method_code": "01",
    "monthly_payment": None,
    "total_interest": None,
    "limits_applied": [
        {
            "rule": "amount.cap",
            "value": "900000.00",
            "message": "正常缴存职工贷款额度上限900,000.00元",
            "citation": CITE_CAP_STANDARD,
        },
        _TERM_MAX,
    ],
    "limits_not_applied": [
        _NO_BIRTH_DATE,
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
    ],
    "reasons": [
        _MEASURE,
        {
            "rule": "home_count.homes",
            "value": "2",
            "message": "家庭在本市拥有住房2套，认定2套",
            "citation": None,
        },
        {
            "rule": "home_count.pf_loans",
            "value": "1",
            "message": "住房公积金贷款1笔，其中2014-12-31（含）前发放的0笔不计入，认定1笔",
            "citation": CITE_PF_LOAN_CUTOFF,
        },
        {
            "rule": "home_tier",
            "value": "3",
            "message": "按1+max(住房2套, 公积金贷款1笔)认定为第3套住房",
            "citation": CITE_MAX_HOME_TIER,
        },
        {
            "rule": "amount.cap",
            "value": "900000.00",
            "message": "正常缴存职工贷款额度上限900,000.00元",
            "citation": CITE_CAP_STANDARD,
        },
        _TERM_MAX,
        _NO_BIRTH_DATE,
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
    ],
    "policy_version": "2025-05-08",
    "as_of": "2025-06-01",
    "refusal_reasons": [
        {
            "code": "home_tier_exceeded",
            "message": "认定为第3套住房，超过可发放贷款的第2套，不予贷款",
            "citation": CITE_MAX_HOME_TIER,
        }
    ],
}

_SZG_REQUEST = {
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

_SZG_RESPONSE = {
    "eligible": True,
    "home_tier": 1,
    "counted_homes": 0,
    "counted_pf_loans": 0,
    "min_down_payment_ratio": None,
    "min_down_payment": None,
    "loan_cap": "900000.00",
    "max_loan_amount": "420000.00",
    "loan_amount": "420000.00",
    "annual_rate_percent": "2.60",
    "rate_citation": CITE_RATE_1_OVER_5Y,
    "term_months": 298,
    "max_term_months": 298,
    "repayment_method": "equal_installment",
    "repayment_method_code": "01",
    "monthly_payment": "1914.50",
    "total_interest": "150519.52",
    "limits_applied": [
        {
            "rule": "amount.cap",
            "value": "900000.00",
            "message": "正常缴存职工贷款额度上限900,000.00元",
            "citation": CITE_CAP_STANDARD,
        },
        _TERM_MAX,
        {
            "rule": "term.szg_remaining",
            "value": "298",
            "message": "商转公贷款期限不超过商业贷款剩余期限298个月",
            "citation": CITE_SZG_LIMITS,
        },
        {
            "rule": "amount.szg_remaining_principal",
            "value": "420000.00",
            "message": "商转公贷款不超过商业贷款剩余本金420,000.00元",
            "citation": CITE_SZG_LIMITS,
        },
    ],
    "limits_not_applied": [
        {
            "rule": "amount.down_payment",
            "value": "not_applied",
            "message": "商转公未提供房价，不适用首付款比例限额",
            "citation": None,
        },
        _NO_BIRTH_DATE,
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
    ],
    "reasons": [
        _MEASURE,
        {
            "rule": "home_count.homes",
            "value": "0",
            "message": "家庭在本市拥有住房1套，商转公所涉住房不计入（按购房时认定），认定0套",
            "citation": None,
        },
        {
            "rule": "home_count.pf_loans",
            "value": "0",
            "message": "住房公积金贷款0笔，其中2014-12-31（含）前发放的0笔不计入，认定0笔",
            "citation": CITE_PF_LOAN_CUTOFF,
        },
        {
            "rule": "home_tier",
            "value": "1",
            "message": "按1+max(住房0套, 公积金贷款0笔)认定为第1套住房",
            "citation": CITE_MAX_HOME_TIER,
        },
        {
            "rule": "amount.down_payment",
            "value": "not_applied",
            "message": "商转公未提供房价，不适用首付款比例限额",
            "citation": None,
        },
        {
            "rule": "amount.cap",
            "value": "900000.00",
            "message": "正常缴存职工贷款额度上限900,000.00元",
            "citation": CITE_CAP_STANDARD,
        },
        _TERM_MAX,
        _NO_BIRTH_DATE,
        {
            "rule": "term.szg_remaining",
            "value": "298",
            "message": "商转公贷款期限不超过商业贷款剩余期限298个月",
            "citation": CITE_SZG_LIMITS,
        },
        {
            "rule": "rate",
            "value": "2.60",
            "message": "第1套住房、合同期限298个月（五年以上），年利率2.60%",
            "citation": CITE_RATE_1_OVER_5Y,
        },
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
        {
            "rule": "szg.issued_on",
            "value": "2023-08-15",
            "message": "商业贷款发放日2023-08-15在2024-03-31（含）之前",
            "citation": CITE_SZG_ISSUED_BY,
        },
        {
            "rule": "szg.lender",
            "value": "太原CCB",
            "message": "贷款银行太原CCB属于商转公认可的贷款银行",
            "citation": CITE_SZG_LENDERS,
        },
        {
            "rule": "amount.szg_remaining_principal",
            "value": "420000.00",
            "message": "商转公贷款不超过商业贷款剩余本金420,000.00元",
            "citation": CITE_SZG_LIMITS,
        },
        {
            "rule": "amount.max",
            "value": "420000.00",
            "message": "可贷最高额为各项限额中的最低者420,000.00元（amount.szg_remaining_principal）",
            "citation": None,
        },
        {
            "rule": "repayment",
            "value": "1914.50",
            "message": "等额本息：贷款420,000.00元、298个月、年利率2.60%，月还款额1,914.50元，利息合计150,519.52元",
            "citation": None,
        },
    ],
    "policy_version": "2025-05-08",
    "as_of": "2025-06-01",
    "refusal_reasons": [],
}

_MULTI_CHILD_SCHEDULE = {
    "quote": _MULTI_CHILD_RESPONSE,
    "total_payment": "1152978.04",
    "total_interest": "352978.04",
    "installments": [
        {
            "number": 1,
            "due_date": "2025-07-01",
            "payment": "3202.72",
            "principal": "1469.39",
            "interest": "1733.33",
            "outstanding": "798530.61",
        },
        {
            "number": 2,
            "due_date": "2025-08-01",
            "payment": "3202.72",
            "principal": "1472.57",
            "interest": "1730.15",
            "outstanding": "797058.04",
        },
        {
            "number": 3,
            "due_date": "2025-09-01",
            "payment": "3202.72",
            "principal": "1475.76",
            "interest": "1726.96",
            "outstanding": "795582.28",
        },
        {
            "number": 360,
            "due_date": "2055-06-01",
            "payment": "3201.56",
            "principal": "3194.64",
            "interest": "6.92",
            "outstanding": "0.00",
        },
    ],
}

_DECISION_PURCHASE = {
    "eligible": True,
    "refusals": [],
    "home_tier": 1,
    "counted_homes": 0,
    "counted_pf_loans": 0,
    "min_down_payment_ratio": "0.20",
    "min_down_payment": "240000.00",
    "loan_cap": "1000000.00",
    "max_loan_amount": "960000.00",
    "loan_amount": "850000.00",
    "annual_rate_percent": "2.60",
    "rate_citation": CITE_RATE_1_OVER_5Y,
    "term_months": 360,
    "max_term_months": 360,
    "repayment_method": "equal_installment",
    "repayment_method_code": "01",
    "monthly_payment": "3402.89",
    "total_interest": "375039.09",
    "limits_applied": [
        {
            "rule": "amount.down_payment",
            "value": "960000.00",
            "message": "商品住房第1套最低首付款比例20%：首付不低于240,000.00元，可贷不超过960,000.00元",
            "citation": CITE_DOWN_PAYMENT_COMMERCIAL_1,
        },
        {
            "rule": "amount.cap",
            "value": "1000000.00",
            "message": "多子女家庭、青年人贷款额度上限1,000,000.00元",
            "citation": CITE_CAP_SPECIAL,
        },
        _TERM_MAX,
        {
            "rule": "term.retirement",
            "value": "384",
            "message": "法定退休年龄63周岁（2053-03-15退休），贷款到期不晚于退休后5年即2058-03-15，最长384个月",
            "citation": CITE_RETIREMENT_REFORM,
        },
    ],
    "limits_not_applied": [
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
    ],
    "reasons": [
        _MEASURE,
        {
            "rule": "home_count.homes",
            "value": "0",
            "message": "家庭在本市拥有住房1套，二孩及以上多子女家庭购买新建商品住房，核减1套，认定0套",
            "citation": CITE_MULTI_CHILD_DEDUCTION,
        },
        {
            "rule": "home_count.pf_loans",
            "value": "0",
            "message": "住房公积金贷款1笔，其中2014-12-31（含）前发放的1笔不计入，认定0笔",
            "citation": CITE_PF_LOAN_CUTOFF,
        },
        {
            "rule": "home_tier",
            "value": "1",
            "message": "按1+max(住房0套, 公积金贷款0笔)认定为第1套住房",
            "citation": CITE_MAX_HOME_TIER,
        },
        {
            "rule": "amount.down_payment",
            "value": "960000.00",
            "message": "商品住房第1套最低首付款比例20%：首付不低于240,000.00元，可贷不超过960,000.00元",
            "citation": CITE_DOWN_PAYMENT_COMMERCIAL_1,
        },
        {
            "rule": "special_groups",
            "value": "multi_child,youth",
            "message": "特定群体：多子女家庭、青年人",
            "citation": None,
        },
        {
            "rule": "amount.cap",
            "value": "1000000.00",
            "message": "多子女家庭、青年人贷款额度上限1,000,000.00元",
            "citation": CITE_CAP_SPECIAL,
        },
        _TERM_MAX,
        {
            "rule": "term.retirement",
            "value": "384",
            "message": "法定退休年龄63周岁（2053-03-15退休），贷款到期不晚于退休后5年即2058-03-15，最长384个月",
            "citation": CITE_RETIREMENT_REFORM,
        },
        {
            "rule": "rate",
            "value": "2.60",
            "message": "第1套住房、合同期限360个月（五年以上），年利率2.60%",
            "citation": CITE_RATE_1_OVER_5Y,
        },
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
        {
            "rule": "amount.max",
            "value": "960000.00",
            "message": "可贷最高额为各项限额中的最低者960,000.00元（amount.down_payment）",
            "citation": None,
        },
        {
            "rule": "repayment",
            "value": "3402.89",
            "message": "等额本息：贷款850,000.00元、360个月、年利率2.60%，月还款额3,402.89元，利息合计375,039.09元",
            "citation": None,
        },
    ],
    "policy_version": "2025-05-08",
    "as_of": "2026-03-02",
}

_DECISION_SZG = {
    "eligible": True,
    "refusals": [],
    "home_tier": 1,
    "counted_homes": 0,
    "counted_pf_loans": 0,
    "min_down_payment_ratio": None,
    "min_down_payment": None,
    "loan_cap": "1000000.00",
    "max_loan_amount": "420000.00",
    "loan_amount": "420000.00",
    "annual_rate_percent": "2.60",
    "rate_citation": CITE_RATE_1_OVER_5Y,
    "term_months": 293,
    "max_term_months": 293,
    "repayment_method": "equal_installment",
    "repayment_method_code": "01",
    "monthly_payment": "1937.77",
    "total_interest": "147766.47",
    "limits_applied": [
        {
            "rule": "amount.cap",
            "value": "1000000.00",
            "message": "新市民贷款额度上限1,000,000.00元",
            "citation": CITE_CAP_SPECIAL,
        },
        _TERM_MAX,
        {
            "rule": "term.retirement",
            "value": "307",
            "message": "法定退休年龄58周岁（2046-11-02退休），贷款到期不晚于退休后5年即2051-11-02，最长307个月",
            "citation": CITE_RETIREMENT_REFORM,
        },
        {
            "rule": "term.szg_remaining",
            "value": "293",
            "message": "商转公贷款期限不超过商业贷款剩余期限293个月",
            "citation": CITE_SZG_LIMITS,
        },
        {
            "rule": "amount.szg_remaining_principal",
            "value": "420000.00",
            "message": "商转公贷款不超过商业贷款剩余本金420,000.00元",
            "citation": CITE_SZG_LIMITS,
        },
    ],
    "limits_not_applied": [
        {
            "rule": "amount.down_payment",
            "value": "not_applied",
            "message": "商转公未提供房价，不适用首付款比例限额",
            "citation": None,
        },
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
    ],
    "reasons": [
        _MEASURE,
        {
            "rule": "home_count.homes",
            "value": "0",
            "message": "家庭在本市拥有住房0套，认定0套",
            "citation": None,
        },
        {
            "rule": "home_count.pf_loans",
            "value": "0",
            "message": "住房公积金贷款0笔，其中2014-12-31（含）前发放的0笔不计入，认定0笔",
            "citation": CITE_PF_LOAN_CUTOFF,
        },
        {
            "rule": "home_tier",
            "value": "1",
            "message": "按1+max(住房0套, 公积金贷款0笔)认定为第1套住房",
            "citation": CITE_MAX_HOME_TIER,
        },
        {
            "rule": "amount.down_payment",
            "value": "not_applied",
            "message": "商转公未提供房价，不适用首付款比例限额",
            "citation": None,
        },
        {
            "rule": "special_groups",
            "value": "new_citizen",
            "message": "特定群体：新市民",
            "citation": None,
        },
        {
            "rule": "amount.cap",
            "value": "1000000.00",
            "message": "新市民贷款额度上限1,000,000.00元",
            "citation": CITE_CAP_SPECIAL,
        },
        _TERM_MAX,
        {
            "rule": "term.retirement",
            "value": "307",
            "message": "法定退休年龄58周岁（2046-11-02退休），贷款到期不晚于退休后5年即2051-11-02，最长307个月",
            "citation": CITE_RETIREMENT_REFORM,
        },
        {
            "rule": "term.szg_remaining",
            "value": "293",
            "message": "商转公贷款期限不超过商业贷款剩余期限293个月",
            "citation": CITE_SZG_LIMITS,
        },
        {
            "rule": "rate",
            "value": "2.60",
            "message": "第1套住房、合同期限293个月（五年以上），年利率2.60%",
            "citation": CITE_RATE_1_OVER_5Y,
        },
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
        {
            "rule": "szg.issued_on",
            "value": "2021-09-15",
            "message": "商业贷款发放日2021-09-15在2024-03-31（含）之前",
            "citation": CITE_SZG_ISSUED_BY,
        },
        {
            "rule": "szg.lender",
            "value": "太原CCB",
            "message": "贷款银行太原CCB属于商转公认可的贷款银行",
            "citation": CITE_SZG_LENDERS,
        },
        {
            "rule": "amount.szg_remaining_principal",
            "value": "420000.00",
            "message": "商转公贷款不超过商业贷款剩余本金420,000.00元",
            "citation": CITE_SZG_LIMITS,
        },
        {
            "rule": "amount.max",
            "value": "420000.00",
            "message": "可贷最高额为各项限额中的最低者420,000.00元（amount.szg_remaining_principal）",
            "citation": None,
        },
        {
            "rule": "repayment",
            "value": "1937.77",
            "message": "等额本息：贷款420,000.00元、293个月、年利率2.60%，月还款额1,937.77元，利息合计147,766.47元",
            "citation": None,
        },
    ],
    "policy_version": "2025-05-08",
    "as_of": "2026-03-18",
}

_DECISION_AFFORDABLE = {
    "eligible": True,
    "refusals": [],
    "home_tier": 1,
    "counted_homes": 0,
    "counted_pf_loans": 0,
    "min_down_payment_ratio": "0.15",
    "min_down_payment": "90000.00",
    "loan_cap": "1000000.00",
    "max_loan_amount": "510000.00",
    "loan_amount": "510000.00",
    "annual_rate_percent": "2.60",
    "rate_citation": CITE_RATE_1_OVER_5Y,
    "term_months": 300,
    "max_term_months": 307,
    "repayment_method": "equal_principal",
    "repayment_method_code": "02",
    "monthly_payment": "2805.00",
    "total_interest": "166302.50",
    "limits_applied": [
        {
            "rule": "amount.down_payment",
            "value": "510000.00",
            "message": "保障性住房第1套最低首付款比例15%：首付不低于90,000.00元，可贷不超过510,000.00元",
            "citation": CITE_DOWN_PAYMENT_AFFORDABLE_1,
        },
        {
            "rule": "amount.cap",
            "value": "1000000.00",
            "message": "新市民贷款额度上限1,000,000.00元",
            "citation": CITE_CAP_SPECIAL,
        },
        _TERM_MAX,
        {
            "rule": "term.retirement",
            "value": "307",
            "message": "法定退休年龄58周岁（2046-11-02退休），贷款到期不晚于退休后5年即2051-11-02，最长307个月",
            "citation": CITE_RETIREMENT_REFORM,
        },
    ],
    "limits_not_applied": [
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
    ],
    "reasons": [
        _MEASURE,
        {
            "rule": "home_count.homes",
            "value": "0",
            "message": "家庭在本市拥有住房0套，认定0套",
            "citation": None,
        },
        {
            "rule": "home_count.pf_loans",
            "value": "0",
            "message": "住房公积金贷款0笔，其中2014-12-31（含）前发放的0笔不计入，认定0笔",
            "citation": CITE_PF_LOAN_CUTOFF,
        },
        {
            "rule": "home_tier",
            "value": "1",
            "message": "按1+max(住房0套, 公积金贷款0笔)认定为第1套住房",
            "citation": CITE_MAX_HOME_TIER,
        },
        {
            "rule": "amount.down_payment",
            "value": "510000.00",
            "message": "保障性住房第1套最低首付款比例15%：首付不低于90,000.00元，可贷不超过510,000.00元",
            "citation": CITE_DOWN_PAYMENT_AFFORDABLE_1,
        },
        {
            "rule": "special_groups",
            "value": "new_citizen",
            "message": "特定群体：新市民",
            "citation": None,
        },
        {
            "rule": "amount.cap",
            "value": "1000000.00",
            "message": "新市民贷款额度上限1,000,000.00元",
            "citation": CITE_CAP_SPECIAL,
        },
        _TERM_MAX,
        {
            "rule": "term.retirement",
            "value": "307",
            "message": "法定退休年龄58周岁（2046-11-02退休），贷款到期不晚于退休后5年即2051-11-02，最长307个月",
            "citation": CITE_RETIREMENT_REFORM,
        },
        {
            "rule": "rate",
            "value": "2.60",
            "message": "第1套住房、合同期限300个月（五年以上），年利率2.60%",
            "citation": CITE_RATE_1_OVER_5Y,
        },
        _BALANCE_MULTIPLE_NOT_SET,
        _REPAYMENT_CAPACITY_NOT_SET,
        _MIN_DEPOSIT_NOT_SET,
        {
            "rule": "amount.max",
            "value": "510000.00",
            "message": "可贷最高额为各项限额中的最低者510,000.00元（amount.down_payment）",
            "citation": None,
        },
        {
            "rule": "repayment",
            "value": "2805.00",
            "message": "等额本金：贷款510,000.00元、300个月、年利率2.60%，首月还款额2,805.00元，利息合计166,302.50元",
            "citation": None,
        },
    ],
    "policy_version": "2025-05-08",
    "as_of": "2026-03-19",
}
_PURCHASE_DRAFT = {
    "id": 1,
    "number": "DK20260302000001",
    "kind": "purchase",
    "kind_display": "购房贷款",
    "status": "draft",
    "status_display": "草稿",
    "applicant_name": "张伟",
    "spouse_co_borrows": True,
    "property_address": "阳泉市城区桃北西街1号3单元502室",
    "property_type": "commercial",
    "new_build": True,
    "house_price": "1200000.00",
    "purchase_contract_date": "2026-02-20",
    "seller_name": "阳泉市某房地产开发有限公司",
    "seller_account": "6222****2222",
    "voucher_amount": None,
    "szg_bank": "",
    "szg_bank_name": "",
    "szg_city": "",
    "szg_issued_on": None,
    "szg_remaining_principal": None,
    "szg_remaining_term_months": None,
    "szg_mode": "",
    "szg_loan_account": "",
    "requested_amount": "900000.00",
    "term_months": 360,
    "repayment_method": "equal_installment",
    "monthly_income": "16800.00",
    "submitted_on": None,
    "eligible": None,
    "home_tier": None,
    "max_loan_amount": None,
    "loan_amount": None,
    "annual_rate_percent": None,
    "monthly_payment": None,
    "policy_version": "",
    "decision": None,
    "accepted_on": None,
    "deadline_on": None,
    "overdue": False,
    "reviewed_on": None,
    "decided_on": None,
    "decision_opinion": "",
    "approved_amount": None,
    "approved_rate_percent": None,
    "contract_number": None,
    "signed_on": None,
    "contract_amount": None,
    "contract_term_months": None,
    "contract_method": "",
    "guarantee_type": "",
    "repayment_day": None,
    "disbursed_on": None,
    "withdrawn_on": None,
    "withdraw_reason": "",
    "loan_id": None,
    "created_at": "2026-03-02T09:12:49.917497+08:00",
    "updated_at": "2026-03-02T09:12:57.048568+08:00",
}

_PURCHASE_EDITED = {
    **_PURCHASE_DRAFT,
    "requested_amount": "850000.00",
    "updated_at": "2026-03-02T09:31:14.262142+08:00",
}

_PURCHASE_SUBMITTED = {
    **_PURCHASE_EDITED,
    "status": "submitted",
    "status_display": "已提交",
    "submitted_on": "2026-03-02",
    "eligible": True,
    "home_tier": 1,
    "max_loan_amount": "960000.00",
    "loan_amount": "850000.00",
    "annual_rate_percent": "2.600",
    "monthly_payment": "3402.89",
    "policy_version": "2025-05-08",
    "decision": _DECISION_PURCHASE,
    "updated_at": "2026-03-02T09:35:42.786426+08:00",
}

_PURCHASE_ACCEPTED = {
    **_PURCHASE_SUBMITTED,
    "status": "accepted",
    "status_display": "已受理",
    "accepted_on": "2026-03-03",
    "deadline_on": "2026-03-18",
    "updated_at": "2026-03-03T10:05:35.655355+08:00",
}

_PURCHASE_REVIEWED = {
    **_PURCHASE_ACCEPTED,
    "status": "reviewed",
    "status_display": "已审核",
    "reviewed_on": "2026-03-05",
    "updated_at": "2026-03-05T15:30:28.524284+08:00",
}

_PURCHASE_APPROVED = {
    **_PURCHASE_REVIEWED,
    "status": "approved",
    "status_display": "已审批同意",
    "decided_on": "2026-03-09",
    "decision_opinion": "同意贷款",
    "approved_amount": "850000.00",
    "approved_rate_percent": "2.600",
    "updated_at": "2026-03-09T11:00:42.786426+08:00",
}

_PURCHASE_SIGNED = {
    **_PURCHASE_APPROVED,
    "status": "signed",
    "status_display": "已签约",
    "contract_number": "GJJDK202600000001",
    "signed_on": "2026-03-11",
    "contract_amount": "850000.00",
    "contract_term_months": 360,
    "contract_method": "equal_installment",
    "guarantee_type": "01",
    "repayment_day": 20,
    "updated_at": "2026-03-11T09:40:42.786426+08:00",
}

_PURCHASE_DISBURSED = {
    **_PURCHASE_SIGNED,
    "status": "disbursed",
    "status_display": "已放款",
    "disbursed_on": "2026-03-13",
    "loan_id": 1,
    "updated_at": "2026-03-13T14:21:18.441781+08:00",
}

_SZG_DRAFT = {
    "id": 2,
    "number": "DK20260318000002",
    "kind": "szg",
    "kind_display": "商转公贷款",
    "status": "draft",
    "status_display": "草稿",
    "applicant_name": "王芳",
    "spouse_co_borrows": False,
    "property_address": "阳泉市城区德胜街18号2单元602室",
    "property_type": "commercial",
    "new_build": False,
    "house_price": None,
    "purchase_contract_date": None,
    "seller_name": "",
    "seller_account": "",
    "voucher_amount": None,
    "szg_bank": "CCB",
    "szg_bank_name": "中国建设银行太原分行",
    "szg_city": "太原",
    "szg_issued_on": "2021-09-15",
    "szg_remaining_principal": "420000.00",
    "szg_remaining_term_months": 293,
    "szg_mode": "repay_first",
    "szg_loan_account": "1405****1234",
    "requested_amount": None,
    "term_months": 293,
    "repayment_method": "equal_installment",
    "monthly_income": None,
    "submitted_on": None,
    "eligible": None,
    "home_tier": None,
    "max_loan_amount": None,
    "loan_amount": None,
    "annual_rate_percent": None,
    "monthly_payment": None,
    "policy_version": "",
    "decision": None,
    "accepted_on": None,
    "deadline_on": None,
    "overdue": False,
    "reviewed_on": None,
    "decided_on": None,
    "decision_opinion": "",
    "approved_amount": None,
    "approved_rate_percent": None,
    "contract_number": None,
    "signed_on": None,
    "contract_amount": None,
    "contract_term_months": None,
    "contract_method": "",
    "guarantee_type": "",
    "repayment_day": None,
    "disbursed_on": None,
    "withdrawn_on": None,
    "withdraw_reason": "",
    "loan_id": None,
    "created_at": "2026-03-18T10:00:14.262142+08:00",
    "updated_at": "2026-03-18T10:00:21.393213+08:00",
}

_SZG_SUBMITTED = {
    **_SZG_DRAFT,
    "status": "submitted",
    "status_display": "已提交",
    "submitted_on": "2026-03-18",
    "eligible": True,
    "home_tier": 1,
    "max_loan_amount": "420000.00",
    "loan_amount": "420000.00",
    "annual_rate_percent": "2.600",
    "monthly_payment": "1937.77",
    "policy_version": "2025-05-08",
    "decision": _DECISION_SZG,
    "updated_at": "2026-03-18T10:04:42.786426+08:00",
}

_SZG_WITHDRAWN = {
    **_SZG_SUBMITTED,
    "status": "withdrawn",
    "status_display": "已撤回",
    "withdrawn_on": "2026-03-19",
    "withdraw_reason": "商业贷款已自行结清，不再办理商转公",
    "updated_at": "2026-03-19T09:00:28.524284+08:00",
}

_AFFORDABLE_DRAFT = {
    "id": 3,
    "number": "DK20260319000003",
    "kind": "purchase",
    "kind_display": "购房贷款",
    "status": "draft",
    "status_display": "草稿",
    "applicant_name": "王芳",
    "spouse_co_borrows": False,
    "property_address": "阳泉市城区义井街5号2单元301室",
    "property_type": "affordable",
    "new_build": True,
    "house_price": "600000.00",
    "purchase_contract_date": "2026-03-12",
    "seller_name": "阳泉市保障性住房建设有限公司",
    "seller_account": "6228****1234",
    "voucher_amount": None,
    "szg_bank": "",
    "szg_bank_name": "",
    "szg_city": "",
    "szg_issued_on": None,
    "szg_remaining_principal": None,
    "szg_remaining_term_months": None,
    "szg_mode": "",
    "szg_loan_account": "",
    "requested_amount": None,
    "term_months": 300,
    "repayment_method": "equal_principal",
    "monthly_income": "7500.00",
    "submitted_on": None,
    "eligible": None,
    "home_tier": None,
    "max_loan_amount": None,
    "loan_amount": None,
    "annual_rate_percent": None,
    "monthly_payment": None,
    "policy_version": "",
    "decision": None,
    "accepted_on": None,
    "deadline_on": None,
    "overdue": False,
    "reviewed_on": None,
    "decided_on": None,
    "decision_opinion": "",
    "approved_amount": None,
    "approved_rate_percent": None,
    "contract_number": None,
    "signed_on": None,
    "contract_amount": None,
    "contract_term_months": None,
    "contract_method": "",
    "guarantee_type": "",
    "repayment_day": None,
    "disbursed_on": None,
    "withdrawn_on": None,
    "withdraw_reason": "",
    "loan_id": None,
    "created_at": "2026-03-19T09:30:14.262142+08:00",
    "updated_at": "2026-03-19T09:42:14.262142+08:00",
}

_AFFORDABLE_SUBMITTED = {
    **_AFFORDABLE_DRAFT,
    "status": "submitted",
    "status_display": "已提交",
    "submitted_on": "2026-03-19",
    "eligible": True,
    "home_tier": 1,
    "max_loan_amount": "510000.00",
    "loan_amount": "510000.00",
    "annual_rate_percent": "2.600",
    "monthly_payment": "2805.00",
    "policy_version": "2025-05-08",
    "decision": _DECISION_AFFORDABLE,
    "updated_at": "2026-03-19T09:50:42.786426+08:00",
}

_AFFORDABLE_ACCEPTED = {
    **_AFFORDABLE_SUBMITTED,
    "status": "accepted",
    "status_display": "已受理",
    "accepted_on": "2026-03-20",
    "deadline_on": "2026-04-04",
    "updated_at": "2026-03-20T10:00:49.917497+08:00",
}

_AFFORDABLE_REVIEWED = {
    **_AFFORDABLE_ACCEPTED,
    "status": "reviewed",
    "status_display": "已审核",
    "reviewed_on": "2026-03-23",
    "updated_at": "2026-03-23T16:00:28.524284+08:00",
}

_AFFORDABLE_REJECTED = {
    **_AFFORDABLE_REVIEWED,
    "status": "rejected",
    "status_display": "不予贷款",
    "decided_on": "2026-03-25",
    "decision_opinion": "购房合同未办理网签备案，不符合贷款条件",
    "updated_at": "2026-03-25T10:30:28.524284+08:00",
}

_HISTORY = [
    {
        "from_status": "",
        "from_status_display": "",
        "to_status": "draft",
        "to_status_display": "草稿",
        "on": "2026-03-02",
        "at": "2026-03-02T09:13:18.441781+08:00",
        "actor_label": "zhangwei",
        "note": "创建申请",
    },
    {
        "from_status": "draft",
        "from_status_display": "草稿",
        "to_status": "submitted",
        "to_status_display": "已提交",
        "on": "2026-03-02",
        "at": "2026-03-02T09:35:49.917497+08:00",
        "actor_label": "zhangwei",
        "note": "测算结果：符合贷款条件",
    },
    {
        "from_status": "submitted",
        "from_status_display": "已提交",
        "to_status": "accepted",
        "to_status_display": "已受理",
        "on": "2026-03-03",
        "at": "2026-03-03T10:05:42.786426+08:00",
        "actor_label": "clerk",
        "note": "受理，法定办结期限2026-03-18",
    },
    {
        "from_status": "accepted",
        "from_status_display": "已受理",
        "to_status": "reviewed",
        "to_status_display": "已审核",
        "on": "2026-03-05",
        "at": "2026-03-05T15:30:35.655355+08:00",
        "actor_label": "reviewer",
        "note": "材料齐全，家庭住房及贷款记录已核实，同意上报",
    },
    {
        "from_status": "reviewed",
        "from_status_display": "已审核",
        "to_status": "approved",
        "to_status_display": "已审批同意",
        "on": "2026-03-09",
        "at": "2026-03-09T11:00:49.917497+08:00",
        "actor_label": "approver",
        "note": "同意贷款",
    },
    {
        "from_status": "approved",
        "from_status_display": "已审批同意",
        "to_status": "signed",
        "to_status_display": "已签约",
        "on": "2026-03-11",
        "at": "2026-03-11T09:40:49.917497+08:00",
        "actor_label": "clerk",
        "note": "借款合同GJJDK202600000001",
    },
    {
        "from_status": "signed",
        "from_status_display": "已签约",
        "to_status": "disbursed",
        "to_status_display": "已放款",
        "on": "2026-03-13",
        "at": "2026-03-13T14:21:25.572852+08:00",
        "actor_label": "clerk",
        "note": "放款850,000.00元，年利率2.6%，收款方开发企业阳泉市某房地产开发有限公司",
    },
]

_LOAN = {
    "id": 1,
    "contract_number": "GJJDK202600000001",
    "kind": "purchase",
    "status": "active",
    "status_display": "还款中",
    "principal": "850000.00",
    "contract_term_months": 360,
    "home_tier": 1,
    "repayment_method": "equal_installment",
    "repayment_method_display": "等额本息",
    "repayment_day": 20,
    "annual_rate_percent": "2.600",
    "installment_amount": "3402.89",
    "outstanding_principal": "850000.00",
    "next_installment_number": 1,
    "next_due_date": "2026-04-20",
    "final_installment_number": 360,
    "disbursed_on": "2026-03-13",
    "settled_on": None,
}

_LOAN_DETAIL = {
    **_LOAN,
    "payee_kind": "developer",
    "payee_name": "阳泉市某房地产开发有限公司",
    "guarantee_type": "01",
    "first_due_date": "2026-04-20",
    "next_installment": {
        "number": 1,
        "due_date": "2026-04-20",
        "payment": "3402.89",
        "principal": "1561.22",
        "interest": "1841.67",
        "outstanding": "848438.78",
        "version": 1,
        "paid": False,
        "paid_on": None,
    },
    "rate_history": [
        {
            "effective_on": "2026-03-13",
            "annual_rate_percent": "2.600",
            "rate_row": "rate:14",
            "reason": "disbursement",
        }
    ],
    "schedule_versions": [
        {
            "version": 1,
            "starts_at_installment": 1,
            "principal": "850000.00",
            "annual_rate_percent": "2.600",
            "months": 360,
            "method": "equal_installment",
            "first_due_date": "2026-04-20",
            "installment_amount": "3402.89",
            "reason": "disbursement",
            "rate_row": "rate:14",
        }
    ],
    "repayments": [],
    "schedule": [
        {
            "number": 1,
            "due_date": "2026-04-20",
            "payment": "3402.89",
            "principal": "1561.22",
            "interest": "1841.67",
            "outstanding": "848438.78",
            "version": 1,
            "paid": False,
            "paid_on": None,
        },
        {
            "number": 2,
            "due_date": "2026-05-20",
            "payment": "3402.89",
            "principal": "1564.61",
            "interest": "1838.28",
            "outstanding": "846874.17",
            "version": 1,
            "paid": False,
            "paid_on": None,
        },
        {
            "number": 3,
            "due_date": "2026-06-20",
            "payment": "3402.89",
            "principal": "1568.00",
            "interest": "1834.89",
            "outstanding": "845306.17",
            "version": 1,
            "paid": False,
            "paid_on": None,
        },
        {
            "number": 360,
            "due_date": "2056-03-20",
            "payment": "3401.58",
            "principal": "3394.23",
            "interest": "7.35",
            "outstanding": "0.00",
            "version": 1,
            "paid": False,
            "paid_on": None,
        },
    ],
}


# --- the calculator's examples -------------------------------------------------------------

_QUOTE_INVALID = error_example(
    "格式不符",
    400,
    "invalid",
    "请求参数有误",
    {
        "house_price": field_error(
            "format", '金额格式不正确：请填写最多2位小数的数字字符串，如"1000000.00"'
        ),
        "term_months": field_error("max_value", "请确保该值小于或者等于 360。"),
    },
    description="金额以字符串表示、精确到分；贷款期限最长360个月",
)

_QUOTE_UNQUOTABLE = error_example(
    "无法试算的事实",
    400,
    "invalid",
    "房票面额1,000,000.01元超过房价1,000,000.00元",
    {
        "voucher_amount": field_error(
            "voucher_exceeds_price", "房票面额1,000,000.01元超过房价1,000,000.00元"
        )
    },
    description=(
        "各项格式正确但无法试算（房价为0、购房未填房价、房票面额超过房价、出生日期晚于试算日期"
        "等）：逐项给出引擎的代码与原因"
    ),
)

QUOTE_EXAMPLES: list[OpenApiExample] = [
    OpenApiExample(
        MULTI_CHILD,
        value=_MULTI_CHILD_RESPONSE,
        description=(
            "二孩家庭购买新建商品住房：已有1套核减为0套，2014年的公积金贷款不计次数，"
            "认定首套；首付20%，多子女家庭额度上限100万元，五年以上首套年利率2.60%"
        ),
        response_only=True,
    ),
    *pair(
        "第二套住房（二手房，年利率3.075%）",
        _SECOND_HOME_REQUEST,
        _SECOND_HOME_RESPONSE,
        description="已有1套住房：认定第二套，首付20%，额度上限90万元，五年以上第二套年利率3.075%",
    ),
    *pair(
        "保障性住房首套（青年人，等额本金）",
        _AFFORDABLE_YOUTH_REQUEST,
        _AFFORDABLE_YOUTH_RESPONSE,
        description="保障性住房首付15%；青年人额度上限100万元；提供出生日期与性别时按法定退休年龄限制期限",
    ),
    *pair(
        "商转公（太原建设银行）",
        _SZG_REQUEST,
        _SZG_RESPONSE,
        description="2024-03-31前在太原市建设银行发放的商业贷款；额度不超过剩余本金，期限不超过剩余期限",
    ),
    *pair(
        "第三套住房（不予贷款）",
        _THIRD_HOME_REQUEST,
        _THIRD_HOME_RESPONSE,
        description="不符合条件也是200：eligible 为 false，refusal_reasons 给出原因与依据",
    ),
    _QUOTE_INVALID,
    _QUOTE_UNQUOTABLE,
]

SCHEDULE_EXAMPLES: list[OpenApiExample] = [
    OpenApiExample(
        MULTI_CHILD,
        value=_MULTI_CHILD_SCHEDULE,
        description="共360期，此处仅列出第1–3期与第360期",
        response_only=True,
    ),
    *pair(
        "第三套住房（不予贷款）",
        _THIRD_HOME_REQUEST,
        {
            "quote": _THIRD_HOME_RESPONSE,
            "total_payment": None,
            "total_interest": None,
            "installments": [],
        },
        description="不符合贷款条件时没有还款计划，原因见 quote.refusal_reasons",
    ),
    _QUOTE_INVALID,
    _QUOTE_UNQUOTABLE,
]

# --- applications --------------------------------------------------------------------------

_PURCHASE_REQUEST: dict[str, Any] = {
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
_SZG_APPLICATION_REQUEST: dict[str, Any] = {
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
_AFFORDABLE_REQUEST: dict[str, Any] = {
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


def _not_allowed(status_label: str, action: str) -> OpenApiExample:
    return error_example(
        "当前状态不能办理", 409, "invalid_transition", f"申请状态为“{status_label}”，不能{action}"
    )


def _role_required(role: str, action: str) -> OpenApiExample:
    return error_example(
        "岗位不符", 403, "role_required", f"只有“{role}”岗位人员可以办理“{action}”"
    )


_OWN_HOUSEHOLD = error_example("回避", 403, "own_application", "不能办理本人或本家庭成员的贷款申请")

APPLICATION_LIST_EXAMPLES = [
    OpenApiExample(
        "本家庭的申请",
        value=[_PURCHASE_DISBURSED],
        description="新的在前；配偶双方看到的是同一家庭的申请",
        response_only=True,
    )
]

APPLICATION_CREATE_EXAMPLES = [
    *pair(
        "购房贷款（新建商品住房，配偶共同借款）",
        _PURCHASE_REQUEST,
        _PURCHASE_DRAFT,
        description="草稿：测算结果在提交时按中心掌握的家庭情况得出；收款账号在响应中遮蔽",
    ),
    *pair("商转公贷款（先还后贷）", _SZG_APPLICATION_REQUEST, _SZG_DRAFT),
    error_example(
        "格式不符",
        400,
        "invalid",
        "请求参数有误",
        {
            "house_price": field_error(
                "format", '金额格式不正确：请填写最多2位小数的数字字符串，如"1000000.00"'
            ),
            "term_months": field_error("max_value", "请确保该值小于或者等于 600。"),
        },
    ),
    error_example(
        "已有在办申请",
        409,
        "open_application_exists",
        "本家庭已有未办结的贷款申请，办结或撤回后方可再次申请",
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
        "已放款",
        value=_PURCHASE_DISBURSED,
        description="decision 为提交时冻结的测算结果；loan_id 指向 /api/v1/loans/{id}/",
        response_only=True,
    ),
    OpenApiExample("已提交", value=_PURCHASE_SUBMITTED, response_only=True),
]

_EDIT_CLOSED = _not_allowed("已提交", "修改")

APPLICATION_PUT_EXAMPLES = [
    *pair(
        "保障性住房（等额本金，按可贷最高额申请）",
        _AFFORDABLE_REQUEST,
        _AFFORDABLE_DRAFT,
        description="整体替换草稿的各项；requested_amount 为 null 表示按可贷最高额申请",
    ),
    error_example(
        "格式不符",
        400,
        "invalid",
        "请求参数有误",
        {"term_months": field_error("min_value", "请确保该值大于或者等于 1。")},
    ),
    _EDIT_CLOSED,
]

APPLICATION_PATCH_EXAMPLES = [
    *pair(
        "调整申请金额",
        {"requested_amount": "850000.00"},
        _PURCHASE_EDITED,
        description="只改所给字段",
    ),
    error_example(
        "贷款类型不能修改",
        400,
        "invalid",
        "请求参数有误",
        {"kind": field_error("invalid", "贷款类型创建后不能修改")},
    ),
    _EDIT_CLOSED,
]

APPLICATION_SUBMIT_EXAMPLES = [
    OpenApiExample(
        "符合贷款条件",
        value=_PURCHASE_SUBMITTED,
        description=(
            "按提交日中心登记的家庭住房、贷款记录和特定群体测算：认定首套，"
            "可贷最高96万元（首付20%），按申请金额85万元、年利率2.60%计算月还款额"
        ),
        response_only=True,
    ),
    error_example(
        "申请信息不完整",
        400,
        "incomplete_application",
        "申请信息不完整",
        {
            "house_price": field_error("required", "提交前须填写该项"),
            "purchase_contract_date": field_error("required", "提交前须填写该项"),
            "term_months": field_error("required", "提交前须填写该项"),
        },
    ),
    _not_allowed("已提交", "提交"),
]

APPLICATION_WITHDRAW_EXAMPLES = [
    *pair("撤回商转公申请", {"reason": "商业贷款已自行结清，不再办理商转公"}, _SZG_WITHDRAWN),
    error_example(
        "原因过长",
        400,
        "invalid",
        "请求参数有误",
        {"reason": field_error("max_length", "请确保这个字段不能超过 300 个字符。")},
    ),
    _not_allowed("已审批同意", "撤回"),
]

APPLICATION_HISTORY_EXAMPLES = [
    OpenApiExample(
        "从创建到放款",
        value=_HISTORY,
        description="按时间顺序；actor_label 为办理人",
        response_only=True,
    )
]

TRANSITION_EXAMPLES: dict[str, list[OpenApiExample]] = {
    "accept": [
        OpenApiExample(
            "受理",
            value=_PURCHASE_ACCEPTED,
            description="自受理之日起15日内作出决定（《住房公积金管理条例》第二十六条），见 deadline_on",
            response_only=True,
        ),
        error_example(
            "业务日期早于提交日期",
            400,
            "invalid_date",
            "业务日期2026-03-01不能早于提交日期2026-03-02",
        ),
        _role_required("经办", "受理"),
        _OWN_HOUSEHOLD,
        _not_allowed("已受理", "受理"),
    ],
    "review": [
        *pair(
            "审核通过",
            {"opinion": "材料齐全，家庭住房及贷款记录已核实，同意上报"},
            _PURCHASE_REVIEWED,
        ),
        error_example(
            "意见过长",
            400,
            "invalid",
            "请求参数有误",
            {"opinion": field_error("max_length", "请确保这个字段不能超过 500 个字符。")},
        ),
        _role_required("复核", "审核"),
        _OWN_HOUSEHOLD,
        _not_allowed("已提交", "审核"),
    ],
    "approve": [
        *pair("审批同意", {"opinion": "同意贷款"}, _PURCHASE_APPROVED),
        error_example(
            "测算结果不符合条件",
            400,
            "ineligible",
            "提交时测算结果为不符合贷款条件，只能作出不予贷款的决定",
        ),
        error_example(
            "双人复核",
            403,
            "four_eyes",
            "审批人不能与审核人为同一人（双人复核）",
        ),
        _role_required("审批", "审批同意"),
        _not_allowed("已受理", "审批同意"),
    ],
    "reject": [
        *pair(
            "不予贷款",
            {"reason": "购房合同未办理网签备案，不符合贷款条件"},
            _AFFORDABLE_REJECTED,
        ),
        error_example(
            "未填写理由",
            400,
            "invalid",
            "请求参数有误",
            {"reason": field_error("blank", "该字段不能为空。")},
        ),
        _role_required("审批", "不予贷款"),
        _not_allowed("已审批同意", "不予贷款"),
    ],
    "sign": [
        *pair(
            "签订借款合同（抵押）",
            {
                "amount": "850000.00",
                "term_months": 360,
                "repayment_method": "equal_installment",
                "guarantee_type": "01",
                "repayment_day": 20,
                "guarantee_note": "以所购住房抵押",
            },
            _PURCHASE_SIGNED,
            description="guarantee_type：01 抵押、02 质押、03 保证",
        ),
        error_example(
            "超过批准金额",
            400,
            "amount_exceeds_approved",
            "合同金额900,000.00元超过批准金额850,000.00元",
            {
                "amount": field_error(
                    "amount_exceeds_approved", "合同金额900,000.00元超过批准金额850,000.00元"
                )
            },
        ),
        _role_required("经办", "签约"),
        _not_allowed("草稿", "签约"),
    ],
    "disburse": [
        OpenApiExample(
            "放款",
            value=_PURCHASE_DISBURSED,
            description="按放款日施行的利率放款，生成第1版还款计划；收款方为开发企业",
            response_only=True,
        ),
        error_example(
            "无施行中的利率",
            400,
            "policy_not_in_force",
            "2026-03-13无施行中的第1套住房贷款利率",
        ),
        _role_required("经办", "放款"),
        _not_allowed("已审批同意", "放款"),
    ],
}

# --- loans ------------------------------------------------------------------------------------

LOAN_LIST_EXAMPLES = [
    OpenApiExample("还款中", value=[_LOAN], response_only=True),
]

LOAN_DETAIL_EXAMPLES = [
    OpenApiExample(
        "还款中（放款后首期之前）",
        value=_LOAN_DETAIL,
        description="schedule 共360期，此处仅列出第1–3期与第360期；按月还款日20日计",
        response_only=True,
    ),
]
