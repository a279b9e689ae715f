"""OpenAPI examples of the core's bodies, and the error bodies every app shares.

Amounts, rates and citations are those of the seeded policy (阳政办发〔2024〕52号,
the rates in force from 2025-05-08); the people are the households of
``seed_demo``. Every name, ID number, account and phone number is fictitious.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample

# --- the error body ---------------------------------------------------------------------


def error_body(
    code: str, message: str, fields: dict[str, list[dict[str, str]]] | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def field_error(code: str, message: str) -> list[dict[str, str]]:
    return [{"code": code, "message": message}]


def error_example(
    name: str,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[dict[str, str]]] | None = None,
    *,
    description: str = "",
) -> OpenApiExample:
    return OpenApiExample(
        name,
        value=error_body(code, message, fields),
        description=description,
        response_only=True,
        status_codes=[str(status)],
    )


def pair(name: str, request: Any, response: Any, *, description: str = "") -> list[OpenApiExample]:
    """A request and the answer to it, under one name (so Swagger UI shows them together)."""
    return [
        OpenApiExample(name, value=request, description=description, request_only=True),
        OpenApiExample(name, value=response, description=description, response_only=True),
    ]


# The answers any authenticated, routed or throttled operation can give; the
# project's schema class adds them where a view names no example of its own.
NOT_AUTHENTICATED = error_example(
    "未登录", 401, "not_authenticated", "身份认证信息未提供。", description="未携带令牌"
)
TOKEN_INVALID = error_example("令牌无效", 401, "authentication_failed", "认证令牌无效。")
TOKEN_EXPIRED = error_example(
    "登录已过期",
    401,
    "token_expired",
    "登录已过期，请重新登录",
    description="令牌签发已超过有效期（API_TOKEN_TTL_HOURS），已作废",
)
CSRF_FAILED = error_example(
    "会话请求缺少 CSRF 令牌",
    403,
    "permission_denied",
    "CSRF Failed: CSRF cookie not set.",
    description="以浏览器会话（Cookie）认证的写操作须带 X-CSRFToken；以令牌认证的请求不受此限",
)
NOT_FOUND = error_example(
    "未找到",
    404,
    "not_found",
    "未找到",
    description="编号不存在、格式不对，或属于其他家庭（不透露是否存在）",
)
THROTTLED = error_example(
    "请求过于频繁",
    429,
    "throttled",
    "请求已被限流。 预计 38 秒后可用。",
    description="按客户端限流；响应头 Retry-After 给出可再次请求的秒数",
)
PARSE_ERROR = error_example(
    "请求体不是合法 JSON",
    400,
    "parse_error",
    "请求内容不是有效的 JSON（第1行第21列）",
)


def permission_denied(message: str) -> OpenApiExample:
    return error_example("无权办理", 403, "permission_denied", message)


def invalid_filter(name: str) -> OpenApiExample:
    return error_example(
        "筛选条件无效",
        400,
        "invalid",
        "请求参数有误",
        {name: field_error("invalid_choice", "选择一个有效的选项。 done 不在可用的选项中。")},
    )


# --- citations of the seeded policy rows (loans and withdrawals quote them) --------------

D52 = "阳政办发〔2024〕52号《阳泉市进一步促进房地产市场平稳健康发展若干措施》"
CENTER = "阳泉市住房公积金管理中心业务决定"
PBOC_2025 = "中国人民银行2025年5月7日下调个人住房公积金贷款利率0.25个百分点（自2025年5月8日起）"


def citation(
    document: str,
    article: str,
    source: str,
    effective_from: str,
    effective_to: str | None,
    row: str,
) -> dict[str, Any]:
    return {
        "document": document,
        "article": article,
        "source": source,
        "effective_from": effective_from,
        "effective_to": effective_to,
        "row": row,
    }


def _d52(article: str, row: str, effective_to: str | None = "2027-10-16") -> dict[str, Any]:
    return citation(D52, article, "52号", "2024-10-17", effective_to, row)


CITE_MEASURE = _d52("施行期限：自2024年10月17日起施行，有效期3年", "param:1")
CITE_CAP_STANDARD = _d52("第二条：正常缴存职工由80万元调整为90万元", "param:4")
CITE_CAP_SPECIAL = _d52(
    "第二条：引进人才、新市民、青年人、现役军人家庭、二孩及以上多子女家庭最高可贷款100万元",
    "param:5",
)
CITE_DOWN_PAYMENT_COMMERCIAL_1 = _d52(
    "第二条：购买自住商品房的，首套住房和二套住房最低首付款比例均为20%", "param:7"
)
CITE_DOWN_PAYMENT_COMMERCIAL_2 = _d52(
    "第二条：购买自住商品房的，首套住房和二套住房最低首付款比例均为20%", "param:8"
)
CITE_DOWN_PAYMENT_AFFORDABLE_1 = _d52("第二条：购买保障性住房的，最低首付款比例为15%", "param:9")
CITE_BALANCE_MULTIPLE = citation(CENTER, "账户余额倍数", "decision", "2024-10-17", None, "param:11")
CITE_REPAYMENT_CAPACITY = citation(
    CENTER, "还款能力（月还款额占家庭月收入比例上限）", "decision", "2024-10-17", None, "param:12"
)
CITE_MIN_DEPOSIT_MONTHS = citation(
    CENTER, "连续缴存月数下限", "decision", "2024-10-17", None, "param:13"
)
CITE_MAX_HOME_TIER = citation(
    "建金〔2010〕179号《关于规范住房公积金个人住房贷款政策有关问题的通知》",
    "停止向购买第三套及以上住房的缴存职工家庭发放住房公积金个人住房贷款",
    "national",
    "2010-11-02",
    None,
    "param:15",
)
CITE_PF_LOAN_CUTOFF = _d52(
    "第二条：对于2014年12月31日前发放的公积金贷款，不再记入公积金贷款次数", "param:16"
)
CITE_MULTI_CHILD_DEDUCTION = _d52(
    "第三条：购买新建商品住房的，可给予核减1套家庭住房套数", "param:18"
)
CITE_TERM_MAX = citation(CENTER, "贷款期限最长30年", "decision", "2015-08-26", None, "param:19")
CITE_RETIREMENT_REFORM = citation(
    "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》（2024年9月13日）",
    "附件《国务院关于渐进式延迟法定退休年龄的办法》第二条",
    "national",
    "2025-01-01",
    None,
    "param:22",
)
CITE_SZG_ISSUED_BY = _d52(
    "第二条：凡2024年3月31日（含）之前……已办理个人住房贷款业务的公积金缴存职工，均可申请办理",
    "param:27",
)
CITE_SZG_LENDERS = _d52("第二条：在阳泉市各商业银行和太原市建设银行", "param:28")
CITE_SZG_LIMITS = citation(
    CENTER,
    "商转公贷款额度不超过商业贷款剩余本金，贷款期限不超过商业贷款剩余期限",
    "decision",
    "2024-10-17",
    None,
    "param:41",
)
CITE_RENTAL_CAP_SPECIAL = _d52(
    "第二条：租房提取公积金的额度由每年每人1.5万元提高至1.8万元", "param:33"
)
CITE_PURCHASE_RELATIONS = _d52(
    "第二条：缴存职工购买住房时，可同时申请提取父母或子女住房公积金", "param:36"
)
CITE_PURCHASE_WINDOW = citation(
    CENTER, "购房合同签订之日起12个月内申请", "decision", "2015-08-26", None, "param:37"
)
CITE_RATE_1_OVER_5Y = citation(
    PBOC_2025, "五年以上首套2.6%", "national", "2025-05-08", None, "rate:14"
)
CITE_RATE_2_OVER_5Y = citation(
    PBOC_2025, "五年以上第二套不低于3.075%", "national", "2025-05-08", None, "rate:16"
)

# --- health ------------------------------------------------------------------------------

HEALTH_EXAMPLES = [
    OpenApiExample(
        "运行正常",
        value={
            "status": "ok",
            "database": "postgresql",
            "broker": "redis",
            "business_date": "2026-03-16",
            "policy_version": "2025-05-08",
            "measure": "阳政办发〔2024〕52号",
            "measure_days_left": 579,
        },
        description="52号文有效期至2027-10-16，距今579天",
        response_only=True,
    )
]

# --- sign-up, log-in, log-out, me ----------------------------------------------------------

_TOKEN = {
    "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
    "created": "2026-03-02T09:12:28+08:00",
}

SIGNUP_EXAMPLES = [
    *pair(
        "绑定缴存职工",
        {
            "username": "zhangwei",
            "password": "Yq-gjj-2026!",
            "name": "张伟",
            "id_number": "140302199003150014",
            "account_number": "1403000001",
        },
        _TOKEN,
        description="姓名、身份证号码与个人账号须与中心登记的同一缴存职工一致",
    ),
    error_example(
        "格式不符",
        400,
        "invalid",
        "请求参数有误",
        {
            "id_number": field_error("invalid", "输入值不匹配要求的模式。"),
            "password": field_error("min_length", "请确保这个字段至少包含 8 个字符。"),
        },
    ),
    error_example("身份不匹配", 400, "identity_mismatch", "姓名、身份证号码与个人账号不匹配"),
    error_example(
        "密码强度不足",
        400,
        "weak_password",
        "密码不符合要求",
        {"password": field_error("weak", "这个密码太常见了。")},
    ),
    error_example("已注册", 409, "already_registered", "该缴存职工已注册，请直接登录"),
    error_example(
        "用户名已被使用",
        409,
        "username_taken",
        "用户名已被使用",
        {"username": field_error("taken", "用户名已被使用")},
    ),
]

LOGIN_EXAMPLES = [
    *pair(
        "登录",
        {"username": "zhangwei", "password": "Yq-gjj-2026!"},
        _TOKEN,
        description="再次登录即换发新令牌，旧令牌作废",
    ),
    error_example("用户名或密码错误", 400, "invalid_credentials", "用户名或密码错误"),
    error_example(
        "缺少密码",
        400,
        "invalid",
        "请求参数有误",
        {"password": field_error("required", "该字段是必填项。")},
    ),
]

ME_EXAMPLES = [
    OpenApiExample(
        "多子女家庭（张伟）",
        value={
            "id": 1,
            "name": "张伟",
            "id_number": "140302199003150014",
            "birth_date": "1990-03-15",
            "sex": "M",
            "phone": "13803530000",
            "hukou_city": "阳泉",
            "hukou_since": "2010-01-01",
            "account": {
                "account_number": "1403000001",
                "status": "01",
                "status_display": "正常",
                "balance": "86500.00",
                "deposit_base": "6000.00",
                "employee_monthly": "720.00",
                "employer_monthly": "720.00",
                "opened_on": "2015-07-01",
                "continuous_deposit_months": 96,
            },
            "family": [
                {
                    "id": 1,
                    "relation": "spouse",
                    "name": "刘娜",
                    "id_number": "140302********002X",
                    "birth_date": "1992-07-08",
                    "verified": True,
                    "ended_on": None,
                },
                {
                    "id": 3,
                    "relation": "child",
                    "name": "张小一",
                    "id_number": "140302********0059",
                    "birth_date": "2016-09-01",
                    "verified": True,
                    "ended_on": None,
                },
                {
                    "id": 4,
                    "relation": "child",
                    "name": "张小二",
                    "id_number": "140302********0069",
                    "birth_date": "2020-03-05",
                    "verified": True,
                    "ended_on": None,
                },
                {
                    "id": 5,
                    "relation": "parent",
                    "name": "陈强",
                    "id_number": "140300********0030",
                    "birth_date": "1965-01-20",
                    "verified": True,
                    "ended_on": None,
                },
            ],
            "homes": [
                {
                    "id": 1,
                    "address": "阳泉市城区南大街12号3单元501",
                    "city": "阳泉",
                    "property_type": "commercial",
                    "registered_on": "2016-05-20",
                    "disposed_on": None,
                }
            ],
            "pf_loans": [
                {
                    "id": 1,
                    "source": "own",
                    "lender": "阳泉市住房公积金管理中心",
                    "amount": "300000.00",
                    "issued_on": "2014-06-10",
                    "settled_on": "2022-06-10",
                }
            ],
            "special_groups": [],
        },
        description=(
            "本人证件号码完整显示，家庭成员的证件号码遮蔽；2014年发放的公积金贷款"
            "按52号文不计入贷款次数，二孩家庭购买新建商品住房可核减1套"
        ),
        response_only=True,
    )
]
