"""The business enums, each defined once with its Chinese label. Imports nothing from Django.

Models take ``choices=X.choices()``; serializers and filters do the same. A stored
value never changes (a rename needs a data migration), and enums are never aliased.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final, Self


class Labelled(StrEnum):
    """A string enum whose members carry a Chinese label: ``X.A = "a", "标签"``."""

    label: str

    # ``label`` has a default only so that a lookup by value, ``X("a")``, type-checks:
    # Enum calls ``__new__`` with both parts when it builds the members.
    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls, members: Iterable[Self] | None = None) -> list[tuple[str, str]]:
        """``(value, label)`` pairs of every member, or of ``members`` in their order."""
        return [(m.value, m.label) for m in (cls if members is None else members)]

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored value, or the value itself if it is not a member."""
        try:
            return cls(value).label
        except ValueError:
            return value


class Role(Labelled):
    """The business roles: membership of the auth group named by the label.

    ``is_superuser`` is IT access, never a business role.
    """

    CLERK = "clerk", "经办"
    REVIEWER = "reviewer", "复核"
    APPROVER = "approver", "审批"
    POLICY_ADMIN = "policy_admin", "政策管理"

    @property
    def group_name(self) -> str:
        return self.label


class Sex(Labelled):
    MALE = "M", "男"
    FEMALE = "F", "女"


class PropertyType(Labelled):
    """房屋性质 of a registered home or of the home a loan finances."""

    COMMERCIAL = "commercial", "商品住房"
    AFFORDABLE = "affordable", "保障性住房"
    OTHER = "other", "其他"


# A provident loan finances these two only: a home of another type counts toward
# the household's homes but is never lent on (domain.md §3).
LOANABLE_PROPERTY_TYPES: Final = (PropertyType.COMMERCIAL, PropertyType.AFFORDABLE)


class SpecialGroup(Labelled):
    """The groups of 阳政办发〔2024〕52号 art. 2 that may borrow or draw more."""

    TALENT = "talent", "引进人才"
    NEW_CITIZEN = "new_citizen", "新市民"
    YOUTH = "youth", "青年人"
    MILITARY_FAMILY = "military_family", "现役军人家庭"
    MULTI_CHILD = "multi_child", "多子女家庭"


class FactCount(Labelled):
    """Whether a household home or provident loan counts for 套数认定, and why not (§3, §4, §8)."""

    COUNTED = "counted", "计入"
    DISPOSED = "disposed", "已处置，不计入"
    OUTSIDE_CITY = "outside_city", "不在本市，不计入"
    BEFORE_CUTOFF = "before_cutoff", "认贷时间节点（含）前发放，不计入"
    SZG_FINANCED = "szg_financed", "商转公所涉住房，按购房时认定，不计入"
    DEDUCTED = "deducted", "多子女家庭购买新建商品住房，核减"


class RepaymentMethod(Labelled):
    """还款方式, with the JGJ/T 320-2014 codes."""

    EQUAL_INSTALLMENT = "equal_installment", "等额本息"
    EQUAL_PRINCIPAL = "equal_principal", "等额本金"

    @property
    def code(self) -> str:
        """The JGJ/T 320-2014 code: 01 等额本息, 02 等额本金."""
        return _METHOD_CODES[self]

    @classmethod
    def from_code(cls, code: str) -> RepaymentMethod:
        for method, c in _METHOD_CODES.items():
            if c == code:
                return method
        raise ValueError(f"未知的还款方式代码: {code!r}")


_METHOD_CODES: Final[dict[RepaymentMethod, str]] = {
    RepaymentMethod.EQUAL_INSTALLMENT: "01",
    RepaymentMethod.EQUAL_PRINCIPAL: "02",
}


class TermBand(Labelled):
    """The rate band of a contract term; the boundary is ``Key.RATE_TERM_BAND_MONTHS``."""

    UP_TO_5Y = "le5", "五年以下（含五年）"
    OVER_5Y = "gt5", "五年以上"


class AuditAction(Labelled):
    """Every audit action, named ``<entity>.<past participle>``.

    A stored value never changes: a rename needs a data migration of ``AuditLog.action``.
    """

    EMPLOYER_CREATED = "employer.created", "登记单位"
    DEPOSITOR_CREATED = "depositor.created", "登记缴存职工"
    ACCOUNT_OPENED = "account.opened", "开立个人账户"
    ACCOUNT_STATUS_CHANGED = "account.status_changed", "变更账户状态"
    ACCOUNT_BALANCE_CHANGED = "account.balance_changed", "账户余额变动"
    ACCOUNT_ENTRY_POSTED = "account_entry.posted", "记账"
    ACCOUNT_ENTRY_REVERSED = "account_entry.reversed", "冲正"
    FAMILY_MEMBER_ADDED = "family_member.added", "登记家庭成员"
    FAMILY_MEMBER_VERIFIED = "family_member.verified", "核验家庭关系"
    FAMILY_MEMBER_ENDED = "family_member.ended", "终止家庭关系"
    HOME_REGISTERED = "home.registered", "登记住房"
    HOME_DISPOSED = "home.disposed", "处置住房"
    PF_LOAN_RECORD_ADDED = "pf_loan_record.added", "登记公积金贷款记录"
    PF_LOAN_RECORD_SETTLED = "pf_loan_record.settled", "结清公积金贷款记录"
    HOME_DECLARED = "home.declared", "申报住房"
    HOME_VERIFIED = "home.verified", "核实住房"
    PF_LOAN_RECORD_DECLARED = "pf_loan_record.declared", "申报公积金贷款记录"
    PF_LOAN_RECORD_VERIFIED = "pf_loan_record.verified", "核实公积金贷款记录"
    SPECIAL_GROUP_GRANTED = "special_group.granted", "认定特定群体"
    SPECIAL_GROUP_REVOKED = "special_group.revoked", "撤销特定群体认定"
    POLICY_PARAMETER_ADDED = "policy_parameter.added", "新增政策参数"
    POLICY_PARAMETER_UPDATED = "policy_parameter.updated", "修改政策参数"
    POLICY_RATE_ADDED = "policy_rate.added", "新增贷款利率"
    POLICY_PARAMETER_CONFIRMED = "policy_parameter.confirmed", "确认政策参数（中心发文）"
    POLICY_RATE_UPDATED = "policy_rate.updated", "更正贷款利率"
    POLICY_RATE_CONFIRMED = "policy_rate.confirmed", "确认贷款利率（中心发文）"
    HOLIDAY_ADDED = "holiday.added", "录入节假日安排"
    POLICY_CHECKED = "policy.checked", "核查政策参数"
    POLICY_DRAFT_CREATED = "policy_draft.created", "新建政策草案"
    POLICY_DRAFT_ROW_ADDED = "policy_draft.row_added", "政策草案增加条目"
    POLICY_DRAFT_ROW_REMOVED = "policy_draft.row_removed", "政策草案删除条目"
    POLICY_DRAFT_PREVIEWED = "policy_draft.previewed", "政策草案影响预览"
    POLICY_DRAFT_CONFIRMED = "policy_draft.confirmed", "确认政策草案生效"
    POLICY_DRAFT_WITHDRAWN = "policy_draft.withdrawn", "撤销政策草案"
    APPLICANT_SIGNED_UP = "applicant.signed_up", "申请人注册"
    API_LOGIN_SUCCEEDED = "api_login.succeeded", "接口登录"
    API_LOGIN_FAILED = "api_login.failed", "接口登录失败"
    API_LOGOUT_SUCCEEDED = "api_logout.succeeded", "接口退出"
    LOAN_APPLICATION_CREATED = "loan_application.created", "新建贷款申请"
    LOAN_APPLICATION_UPDATED = "loan_application.updated", "修改贷款申请"
    LOAN_APPLICATION_SUBMITTED = "loan_application.submitted", "提交贷款申请"
    LOAN_APPLICATION_WITHDRAWN = "loan_application.withdrawn", "撤回贷款申请"
    LOAN_APPLICATION_ACCEPTED = "loan_application.accepted", "受理贷款申请"
    LOAN_APPLICATION_REVIEWED = "loan_application.reviewed", "审核贷款申请"
    LOAN_APPLICATION_APPROVED = "loan_application.approved", "审批同意贷款"
    LOAN_APPLICATION_REJECTED = "loan_application.rejected", "不予贷款"
    LOAN_APPLICATION_SIGNED = "loan_application.signed", "签订借款合同"
    LOAN_APPLICATION_DISBURSED = "loan_application.disbursed", "贷款申请已放款"
    LOAN_APPLICATION_REQUOTED = "loan_application.requoted", "按新利率重新报价"
    LOAN_DISBURSED = "loan.disbursed", "发放贷款"
    LOAN_REPAID = "loan.repaid", "归还贷款"
    LOAN_PREPAID = "loan.prepaid", "提前还款"
    LOAN_SETTLED = "loan.settled", "结清贷款"
    REPAYMENT_IMPORT_POSTED = "repayment_import.posted", "导入银行还款文件"
    REPAYMENT_AUTHORIZATION_GRANTED = "repayment_authorization.granted", "授权冲还贷"
    REPAYMENT_AUTHORIZATION_STOPPED = "repayment_authorization.stopped", "终止冲还贷授权"
    BANK_DEBIT_ACCOUNT_REGISTERED = "bank_debit_account.registered", "登记委托扣款账户"
    BANK_RESULT_IMPORTED = "bank_result.imported", "导入委托扣款回盘文件"
    BATCH_RUN_STARTED = "batch_run.started", "开始批处理"
    BATCH_RUN_CLOSED = "batch_run.closed", "结束批处理"
    BATCH_RUN_RETRIED = "batch_run.retried", "重试批处理"
    WITHDRAWAL_CREATED = "withdrawal.created", "新建提取申请"
    WITHDRAWAL_SUBMITTED = "withdrawal.submitted", "提交提取申请"
    WITHDRAWAL_ACCEPTED = "withdrawal.accepted", "受理提取申请"
    WITHDRAWAL_APPROVED = "withdrawal.approved", "核准提取"
    WITHDRAWAL_REJECTED = "withdrawal.rejected", "不予提取"
    WITHDRAWAL_CANCELLED = "withdrawal.cancelled", "撤回提取申请"
    WITHDRAWAL_MEMBER_CONSENT_RECORDED = "withdrawal_member.consent_recorded", "记录提取人授权"
    WITHDRAWAL_MEMBER_DROPPED = "withdrawal_member.dropped", "提取人退出"
    WITHDRAWAL_PAYMENT_CREATED = "withdrawal_payment.created", "支付提取款"
    MANUAL_POSTING_REQUESTED = "manual_posting.requested", "提交手工记账申请"
    MANUAL_POSTING_APPROVED = "manual_posting.approved", "复核同意手工记账"
    MANUAL_POSTING_REJECTED = "manual_posting.rejected", "退回手工记账申请"
    REMITTANCE_IMPORTED = "remittance.imported", "导入单位汇缴文件"
    # Security events; the client's address is in the row's ``new`` as ``client_ip``.
    LOGIN_SUCCEEDED = "login.succeeded", "登录成功"
    LOGIN_FAILED = "login.failed", "登录失败"
    LOGIN_LOCKED_OUT = "login.locked_out", "登录已锁定"
    API_TOKEN_EXPIRED = "api_token.expired", "接口令牌过期"
    USER_ACCESS_CHANGED = "user.access_changed", "变更用户角色与权限"


class ManualPostingKind(Labelled):
    """What a clerk may ask to post by hand; withdrawal-type entries are never among them."""

    SUPPLEMENT = "supplement", "手工补缴"
    ADJUSTMENT = "adjustment", "调账"
    REVERSAL = "reversal", "冲账"


class ManualPostingStatus(Labelled):
    REQUESTED = "requested", "待复核"
    POSTED = "posted", "已记账"
    REJECTED = "rejected", "已退回"


class ManualPostingAction(Labelled):
    APPROVE = "approve", "复核同意并记账"
    REJECT = "reject", "退回"


class LoginChannel(Labelled):
    """Where a log-in was tried, as the security audit rows name it."""

    ADMIN = "admin", "管理后台"
    API = "api", "接口"
