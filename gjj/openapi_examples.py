"""OpenAPI examples of the core's bodies, and the error bodies every app shares.

Requests are written here; every answer is the server's own, recorded by
``manage.py openapi_examples`` into ``config/openapi_examples/<app>.json``
(see ``config.openapi_recording``), so that a message lives only where the
server says it. The people are the households of ``seed_demo``; every name,
ID number, account and phone number is fictitious.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from drf_spectacular.utils import OpenApiExample

RECORDED_DIR = Path(__file__).resolve().parent.parent / "config" / "openapi_examples"


@cache
def recorded(app: str) -> dict[str, Any]:
    """The answers recorded for ``app``, by example key ({} before the first recording)."""
    path = RECORDED_DIR / f"{app}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def answer(app: str, key: str) -> Any:
    """One recorded answer; ``None`` when it was never recorded (the contract test says so)."""
    return recorded(app).get(key)


def response(
    app: str, key: str, name: str, *, description: str = "", status: int | None = None
) -> OpenApiExample:
    """A recorded answer; without ``status`` it is shown on the operation's success."""
    return OpenApiExample(
        name,
        value=answer(app, key),
        description=description,
        response_only=True,
        status_codes=[str(status)] if status else None,
    )


def error(app: str, key: str, name: str, status: int, *, description: str = "") -> OpenApiExample:
    """A recorded error answer, documented under its status code."""
    return response(app, key, name, description=description, status=status)


def pair(
    app: str, key: str, name: str, request: Any, *, description: str = ""
) -> list[OpenApiExample]:
    """A request and the recorded answer to it, under one name (Swagger UI shows them together)."""
    return [
        OpenApiExample(name, value=request, description=description, request_only=True),
        response(app, key, name, description=description),
    ]


# --- the answers any authenticated, routed or throttled operation can give ---------------
# The project's schema class adds them where a view names no example of its own.

NOT_AUTHENTICATED = error("gjj", "not_authenticated", "未登录", 401, description="未携带令牌")
TOKEN_INVALID = error("gjj", "token_invalid", "令牌无效", 401)
TOKEN_EXPIRED = error(
    "gjj",
    "token_expired",
    "登录已过期",
    401,
    description="令牌签发已超过有效期（API_TOKEN_TTL_HOURS），已作废",
)
CSRF_FAILED = error(
    "gjj",
    "csrf_failed",
    "会话请求缺少 CSRF 令牌",
    403,
    description="以浏览器会话（Cookie）认证的写操作须带 X-CSRFToken；以令牌认证的请求不受此限",
)
NOT_FOUND = error(
    "gjj",
    "not_found",
    "未找到",
    404,
    description="编号不存在、格式不对，或属于其他家庭（不透露是否存在）",
)
THROTTLED = error(
    "gjj",
    "throttled",
    "请求过于频繁",
    429,
    description="按客户端限流；响应头 Retry-After 给出可再次请求的秒数",
)
PARSE_ERROR = error("gjj", "parse_error", "请求体不是合法 JSON", 400)
INVALID_CHARACTERS = error(
    "gjj",
    "invalid_characters",
    "请求含空字符",
    400,
    description="路径、查询参数或请求头中的 NUL 字符一律拒绝，任何接口皆然",
)


def permission_denied(message: str) -> OpenApiExample:
    # The permission's own message in the one error format (config.api_errors).
    return OpenApiExample(
        "无权办理",
        value={"code": "permission_denied", "message": message, "fields": {}},
        response_only=True,
        status_codes=["403"],
    )


def invalid_filter(name: str) -> OpenApiExample:
    """A refused filter value, shown on the operation's first filter.

    The recorded refusal is of one list's ``status`` filter; only the field's name differs.
    """
    body = answer("gjj", "invalid_filter")
    if isinstance(body, dict):
        body = {**body, "fields": {name: next(iter(body["fields"].values()))}}
    return OpenApiExample("筛选条件无效", value=body, response_only=True, status_codes=["400"])


# --- health ------------------------------------------------------------------------------

HEALTH_EXAMPLES = [
    response(
        "gjj",
        "health",
        "运行正常",
        description="52号文有效期至2027-10-16；数据库与消息队列为生产配置",
    )
]

# --- sign-up, log-in, log-out, me ----------------------------------------------------------

# 赵磊 is the demo's unregistered depositor, and the password the demo's (seed_demo):
# both examples work as they stand against `make run`.
SIGNUP_REQUEST = {
    "username": "zhaolei",
    "password": "Yq-demo-2024!",
    "name": "赵磊",
    "id_number": "140302199406180074",
    "account_number": "1403000005",
}
LOGIN_REQUEST = {"username": "zhaolei", "password": "Yq-demo-2024!"}

SIGNUP_EXAMPLES = [
    *pair(
        "gjj",
        "signup",
        "绑定缴存职工",
        SIGNUP_REQUEST,
        description="姓名、身份证号码与个人账号须与中心登记的同一缴存职工一致",
    ),
    error("gjj", "signup_invalid", "格式不符", 400),
    error("gjj", "signup_identity_mismatch", "身份不匹配", 400),
    error("gjj", "signup_weak_password", "密码强度不足", 400),
    error("gjj", "signup_already_registered", "已注册", 409),
    error("gjj", "signup_username_taken", "用户名已被使用", 409),
]

LOGIN_EXAMPLES = [
    *pair("gjj", "login", "登录", LOGIN_REQUEST, description="再次登录即换发新令牌，旧令牌作废"),
    error("gjj", "login_invalid_credentials", "用户名或密码错误", 400),
    error("gjj", "login_missing_password", "缺少密码", 400),
]

ME_EXAMPLES = [
    response(
        "gjj",
        "me",
        "多子女家庭（张伟）",
        description=(
            "本人证件号码完整显示，家庭成员的证件号码遮蔽；2014年发放的公积金贷款"
            "按52号文不计入贷款次数，二孩家庭购买新建商品住房可核减1套"
        ),
    ),
    response(
        "gjj",
        "me_declared",
        "申报后（待核实）",
        description="本人申报的配偶住房与贷款在经办核实前为待核实，其间贷款申请不予审批",
    ),
]

# --- the applicant declares homes and provident loans ---------------------------------------

# 张伟 names his wife 刘娜 by her family record (``family.id`` of /api/v1/me/).
SPOUSE_MEMBER_ID = 1

HOME_DECLARE_REQUEST = {
    "member": SPOUSE_MEMBER_ID,
    "address": "太原市小店区长风街66号2单元1101",
    "city": "太原",
    "property_type": "commercial",
    "registered_on": "2018-09-12",
    "certificate_number": "晋(2018)太原市不动产权第0056789号",
}
PF_LOAN_DECLARE_REQUEST = {
    "member": SPOUSE_MEMBER_ID,
    "source": "elsewhere",
    "lender": "太原市住房公积金管理中心",
    "contract_number": "TY2018090301",
    "amount": "400000.00",
    "issued_on": "2018-09-20",
    "settled_on": None,
}

HOME_DECLARE_EXAMPLES = [
    *pair(
        "gjj",
        "home_declared",
        "申报配偶的住房",
        HOME_DECLARE_REQUEST,
        description="不填 member 为本人的住房；经办核实前为待核实",
    ),
    error("gjj", "home_declare_invalid", "格式不符", 400),
    error("gjj", "home_declare_no_evidence", "缺少权属证明", 400),
    error(
        "gjj",
        "home_declare_member_not_found",
        "不是本人登记的家庭成员",
        400,
        description="编号不存在，或是其他家庭的成员",
    ),
]

PF_LOAN_DECLARE_EXAMPLES = [
    *pair(
        "gjj",
        "pf_loan_declared",
        "申报配偶的异地公积金贷款",
        PF_LOAN_DECLARE_REQUEST,
        description="不填 member 为本人的贷款；经办核实前为待核实",
    ),
    error("gjj", "pf_loan_declare_invalid", "格式不符", 400),
    error("gjj", "pf_loan_declare_parent", "父母的贷款", 400),
]
