"""Public loan calculator: POST /api/v1/loans/quote/ and /quote/schedule/.

No log-in, no database write: the request becomes ``LoanFacts``, the policy in
force on ``as_of`` comes from the cached snapshot, and the engine decides.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gjj.domain import LOANABLE_PROPERTY_TYPES, PropertyType, RepaymentMethod, SpecialGroup
from gjj.errors import BusinessError
from gjj.fields import (
    MoneyField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictRegexField,
)
from gjj.parsers import JSONParser
from gjj.policy import PolicyStatus
from gjj.renderers import OrjsonRenderer
from gjj.selectors import policy_in_force, today_local, youth_membership
from gjj.serializers import ErrorSerializer
from gjj.throttling import FixedWindowScopedThrottle
from loans.engine import (
    CommercialLoan,
    Decision,
    LoanFacts,
    PriorPfLoan,
    decide,
)
from loans.openapi_examples import QUOTE_EXAMPLES, SCHEDULE_EXAMPLES
from loans.schedules import add_months, build_schedule, schedule_totals


class PriorPfLoanSerializer(serializers.Serializer):
    issued_on = serializers.DateField(help_text="发放日期")
    settled = StrictBooleanField(help_text="是否已结清")


class CommercialLoanSerializer(serializers.Serializer):
    bank = StrictRegexField(r"^[A-Za-z]{2,10}$", help_text="银行简称代码，如 CCB、ICBC")
    city = StrictCharField(max_length=20, help_text="贷款行所在城市，如 阳泉、太原")
    issued_on = serializers.DateField(help_text="商业贷款发放日期")
    remaining_principal = MoneyField(help_text="剩余本金（元）")
    remaining_term_months = StrictIntegerField(min_value=1, max_value=600)


class QuoteRequestSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="试算日期，默认今天（北京时间）")
    property_type = serializers.ChoiceField(
        choices=PropertyType.choices(LOANABLE_PROPERTY_TYPES), help_text="商品住房或保障性住房"
    )
    # Not stated means no 核减 (52号 art. 3 needs new commercial housing), as for applications.
    new_build = StrictBooleanField(
        default=False, help_text="是否新建商品住房（一手房）；商转公指所转贷款对应的住房"
    )
    house_price = MoneyField(required=False, help_text="房屋总价（元），商转公可不填")
    # No maximum here: the longest term is the policy row the engine applies.
    term_months = StrictIntegerField(min_value=1, help_text="贷款期限（月）")
    repayment_method = serializers.ChoiceField(
        choices=[(m.value, m.label) for m in RepaymentMethod],
        default=RepaymentMethod.EQUAL_INSTALLMENT.value,
    )
    homes_owned = StrictIntegerField(min_value=0, max_value=99, help_text="家庭在本市住房套数")
    prior_pf_loans = PriorPfLoanSerializer(many=True, default=list)
    children = StrictIntegerField(min_value=0, max_value=20, default=0)
    special_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=[(g.value, g.label) for g in SpecialGroup]),
        default=list,
        max_length=5,
    )
    loan_amount = MoneyField(required=False, help_text="申请贷款金额（元）")
    voucher_amount = MoneyField(required=False, help_text="房票票面金额（元）")
    commercial_loan = CommercialLoanSerializer(required=False, help_text="商转公时填写")
    birth_date = serializers.DateField(required=False)
    sex = serializers.ChoiceField(
        choices=[("M", "男"), ("F", "女")],
        required=False,
        help_text="性别，可不填；有出生日期而不填性别时，按两者中较早的法定退休年龄限制期限",
    )
    account_balance = MoneyField(required=False, help_text="账户余额（元）")
    monthly_income = MoneyField(
        required=False,
        help_text="借款人及共同借款配偶月收入合计（元）；不填则不适用还款能力限额，并在答复中说明",
    )
    continuous_deposit_months = StrictIntegerField(min_value=0, max_value=720, required=False)

    def to_facts(self) -> tuple[date, LoanFacts]:
        v = self.validated_data
        szg = v.get("commercial_loan")
        facts = LoanFacts(
            property_type=PropertyType(v["property_type"]),
            new_build=v["new_build"],
            house_price=v.get("house_price"),
            term_months=v["term_months"],
            repayment_method=RepaymentMethod(v["repayment_method"]),
            homes_owned=v["homes_owned"],
            prior_pf_loans=tuple(PriorPfLoan(**p) for p in v["prior_pf_loans"]),
            children=v["children"],
            special_groups=frozenset(SpecialGroup(g) for g in v["special_groups"]),  # repeats fold
            loan_amount=v.get("loan_amount"),
            voucher_amount=v.get("voucher_amount"),
            commercial_loan=CommercialLoan(**szg) if szg else None,
            birth_date=v.get("birth_date"),
            sex=v.get("sex"),
            account_balance=v.get("account_balance"),
            monthly_income=v.get("monthly_income"),
            continuous_deposit_months=v.get("continuous_deposit_months"),
        )
        return v.get("as_of") or today_local(), facts


class CitationSerializer(serializers.Serializer):
    document = StrictCharField()
    article = StrictCharField()
    # The citation's "source" key; the stubs type Field.source, which DRF lets a field shadow.
    source = StrictCharField()  # type: ignore[assignment]
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    row = StrictCharField()
    status = serializers.ChoiceField(
        choices=PolicyStatus.choices(), help_text="该政策记录的状态：暂定（待中心确认）或已确认"
    )
    provisional = StrictBooleanField(help_text="为 true 时该数值为暂定，尚待中心发文确认")


class ReasonSerializer(serializers.Serializer):
    rule = StrictCharField()
    value = StrictCharField()
    message = StrictCharField()
    citation = CitationSerializer(allow_null=True)


class RefusalSerializer(serializers.Serializer):
    code = StrictCharField()
    message = StrictCharField()
    citation = CitationSerializer(allow_null=True)


class QuoteResponseSerializer(serializers.Serializer):
    eligible = StrictBooleanField()
    refusal_reasons = RefusalSerializer(many=True)
    home_tier = StrictIntegerField(allow_null=True)
    counted_homes = StrictIntegerField(allow_null=True)
    counted_pf_loans = StrictIntegerField(allow_null=True)
    min_down_payment_ratio = StrictCharField(allow_null=True)
    min_down_payment = StrictCharField(allow_null=True)
    loan_cap = StrictCharField(allow_null=True)
    max_loan_amount = StrictCharField(allow_null=True)
    loan_amount = StrictCharField(allow_null=True)
    annual_rate_percent = StrictCharField(allow_null=True)
    rate_citation = CitationSerializer(allow_null=True)
    term_months = StrictIntegerField()
    max_term_months = StrictIntegerField(allow_null=True)
    repayment_method = StrictCharField()
    repayment_method_code = StrictCharField()
    monthly_payment = StrictCharField(allow_null=True)
    total_interest = StrictCharField(allow_null=True)
    limits_applied = ReasonSerializer(many=True)
    limits_not_applied = ReasonSerializer(many=True)
    reasons = ReasonSerializer(many=True)
    policy_version = StrictCharField()
    as_of = serializers.DateField()


class InstallmentSerializer(serializers.Serializer):
    number = StrictIntegerField()
    due_date = serializers.DateField()
    payment = StrictCharField()
    principal = StrictCharField()
    interest = StrictCharField()
    outstanding = StrictCharField()


class ScheduleResponseSerializer(serializers.Serializer):
    quote = QuoteResponseSerializer()
    total_payment = StrictCharField(allow_null=True)
    total_interest = StrictCharField(allow_null=True)
    installments = InstallmentSerializer(many=True)


EXAMPLE_REQUEST = {
    "as_of": "2025-06-01",
    "property_type": "commercial",
    "new_build": True,
    "house_price": "1000000.00",
    "term_months": 360,
    "repayment_method": "equal_installment",
    "homes_owned": 1,
    "prior_pf_loans": [{"issued_on": "2014-06-10", "settled": True}],
    "children": 2,
    "special_groups": [],
}


def quote_decide(request: Request) -> Decision:
    """Run the engine on the request: a decision (200) with its reasons, or a 400.

    Malformed input is the serializer's 400. Facts that are well-formed but
    cannot be quoted (a price of 0, no price for a purchase, a voucher above the
    price, a birth date after the quote's date) are the engine's input errors: a 400 too,
    naming each field, so that a 200 is always a lawful answer on sound facts.
    """
    ser = QuoteRequestSerializer(data=request.data)
    ser.is_valid(raise_exception=True)
    on, facts = ser.to_facts()
    policy = policy_in_force(on=on)
    # 青年人 follows from the birth date by the one special-group rule, claimed or not.
    youth = (
        youth_membership(name="申请人", birth_date=facts.birth_date, on=on, policy=policy)
        if facts.birth_date is not None and facts.birth_date <= on
        else None
    )
    if youth is not None:
        facts = dataclasses.replace(
            facts,
            special_groups=facts.special_groups | {youth.group},
            special_group_basis=(youth.basis,),
        )
    decision = decide(facts, policy)
    fields = decision.input_errors()
    if fields:
        raise BusinessError.for_fields("invalid", fields)
    return decision


def quote_body(decision: Decision) -> dict[str, Any]:
    body = decision.as_dict()
    body["refusal_reasons"] = body.pop("refusals")
    return body


class QuoteThrottled(APIView):
    parser_classes = [JSONParser]
    renderer_classes = [OrjsonRenderer]
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [FixedWindowScopedThrottle]
    throttle_scope = "quote"


class QuoteView(QuoteThrottled):
    @extend_schema(
        summary="贷款试算：住房套数、首付比例、额度、利率与月还款额",
        request=QuoteRequestSerializer,
        responses={200: QuoteResponseSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
        examples=[
            OpenApiExample("首套（多子女家庭核减1套）", value=EXAMPLE_REQUEST, request_only=True),
            *QUOTE_EXAMPLES,
        ],
    )
    def post(self, request: Request) -> Response:
        return Response(quote_body(quote_decide(request)))


class QuoteScheduleView(QuoteThrottled):
    @extend_schema(
        summary="贷款试算的逐月还款计划（不符合条件时 installments 为空，原因见 quote）",
        request=QuoteRequestSerializer,
        responses={200: ScheduleResponseSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
        examples=[
            OpenApiExample("首套（多子女家庭核减1套）", value=EXAMPLE_REQUEST, request_only=True),
            *SCHEDULE_EXAMPLES,
        ],
    )
    def post(self, request: Request) -> Response:
        decision = quote_decide(request)
        if not (decision.eligible and decision.loan_amount and decision.annual_rate_percent):
            # Refused: the quote says why; there is no schedule to show.
            return Response(
                {
                    "quote": quote_body(decision),
                    "total_payment": None,
                    "total_interest": None,
                    "installments": [],
                }
            )
        schedule = build_schedule(
            principal=decision.loan_amount,
            annual_rate_percent=decision.annual_rate_percent,
            months=decision.term_months,
            method=decision.repayment_method,
            first_due_date=add_months(decision.as_of, 1),
            anchor_day=decision.as_of.day,  # from the 31st: 02-28, then 03-31
        )
        total_payment, total_interest = schedule_totals(schedule)
        installments = [
            {
                "number": i.number,
                "due_date": i.due_date.isoformat(),
                "payment": f"{i.payment:.2f}",
                "principal": f"{i.principal:.2f}",
                "interest": f"{i.interest:.2f}",
                "outstanding": f"{i.outstanding:.2f}",
            }
            for i in schedule
        ]
        return Response(
            {
                "quote": quote_body(decision),
                "total_payment": f"{total_payment:.2f}",
                "total_interest": f"{total_interest:.2f}",
                "installments": installments,
            }
        )
