"""The quote request read straight from its JSON bytes, for the common well-formed case.

DRF's serializer validates field by field in Python and was the largest part
of a quote's time. msgspec decodes and type-checks the body in one pass
instead. It accepts only a strict subset of what the serializer accepts (see
each type below); anything else, valid or not, goes to the serializer, which
stays the one authority on what is valid and on the 400 body. Unknown keys are
in that "anything else": msgspec would skip their values unread (bad UTF-8 and
all), where the standard library's parser refuses them.

tests/loans/test_quote_json.py holds the two to the same ``LoanFacts`` for
every body this path accepts. A limit loosened in the serializer only sends
more bodies to it; one tightened there must be tightened here, and those tests
fail until it is.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

import msgspec
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from gjj.errors import BusinessError
from gjj.fields import MoneyField
from gjj.selectors import today_local
from loans.engine import CommercialLoan, LoanFacts, PriorPfLoan, PropertyType, SpecialGroup
from loans.schedules import RepaymentMethod

# Only plain UTF-8 JSON (compared lower-cased, as Django and DRF read them);
# other content types and charsets take DRF's parser.
JSON_CONTENT_TYPES = frozenset(
    {"application/json", "application/json; charset=utf-8", "application/json;charset=utf-8"}
)

# Strings the serializer would keep unchanged: no surrounding white space (it
# strips it), no NUL (it refuses it), within the field's length.
_UNCHANGED = r"[^\s\x00](?:[^\x00]{0,%d}[^\s\x00])?"

Months = Annotated[int, msgspec.Meta(ge=1, le=360)]
Count = Annotated[int, msgspec.Meta(ge=0, le=99)]
Money = str | int  # checked by MoneyField itself, below
Unset = msgspec.UnsetType
UNSET = msgspec.UNSET


class PriorPfLoanIn(msgspec.Struct, forbid_unknown_fields=True):
    issued_on: date
    settled: bool


class CommercialLoanIn(msgspec.Struct, forbid_unknown_fields=True):
    bank: Annotated[str, msgspec.Meta(pattern=r"\A[A-Za-z]{2,10}\Z")]
    city: Annotated[str, msgspec.Meta(pattern=r"\A%s\Z" % (_UNCHANGED % 18))]  # ≤ 20
    issued_on: date
    remaining_principal: Money
    remaining_term_months: Annotated[int, msgspec.Meta(ge=1, le=600)]


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    property_type: PropertyType  # enums are read by value
    term_months: Months
    homes_owned: Count
    as_of: date | Unset = UNSET
    new_build: bool = True
    house_price: Money | Unset = UNSET
    repayment_method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT
    prior_pf_loans: list[PriorPfLoanIn] = []
    children: Annotated[int, msgspec.Meta(ge=0, le=20)] = 0
    special_groups: Annotated[list[SpecialGroup], msgspec.Meta(max_length=5)] = []
    loan_amount: Money | Unset = UNSET
    voucher_amount: Money | Unset = UNSET
    commercial_loan: CommercialLoanIn | Unset = UNSET
    birth_date: date | Unset = UNSET
    sex: Literal["M", "F"] | Unset = UNSET
    account_balance: Money | Unset = UNSET
    monthly_income: Money | Unset = UNSET
    continuous_deposit_months: Annotated[int, msgspec.Meta(ge=0, le=720)] | Unset = UNSET


_decoder = msgspec.json.Decoder(QuoteIn)
_money_field = MoneyField()


class _Declined(Exception):
    """The body is not in this path's subset; the serializer decides."""


def _money(value: Money | Unset) -> Decimal | None:
    if value is UNSET:
        return None
    try:
        # The serializer's own field, so both paths read amounts alike.
        return _money_field.to_internal_value(value)
    except ValidationError:
        raise _Declined from None


def quote_facts_from_json(request: Request) -> tuple[date, LoanFacts] | None:
    """(as_of, facts) when the body is plain JSON in the strict subset, else None."""
    if request.META.get("CONTENT_TYPE", "").lower() not in JSON_CONTENT_TYPES:
        return None
    try:
        raw = request.body
    except RequestDataTooBig:
        # DRF's parser would read any size; a calculator's body is a few hundred bytes.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        raise BusinessError("request_too_large", f"请求内容过大（上限{limit} KB）") from None
    try:
        q = _decoder.decode(raw)
        szg = q.commercial_loan
        facts = LoanFacts(
            property_type=q.property_type,
            new_build=q.new_build,
            house_price=_money(q.house_price),
            term_months=q.term_months,
            repayment_method=q.repayment_method,
            homes_owned=q.homes_owned,
            prior_pf_loans=tuple(PriorPfLoan(p.issued_on, p.settled) for p in q.prior_pf_loans),
            children=q.children,
            special_groups=frozenset(q.special_groups),
            loan_amount=_money(q.loan_amount),
            voucher_amount=_money(q.voucher_amount),
            commercial_loan=None
            if szg is UNSET
            else CommercialLoan(
                bank=szg.bank,
                city=szg.city,
                issued_on=szg.issued_on,
                remaining_principal=_money(szg.remaining_principal),
                remaining_term_months=szg.remaining_term_months,
            ),
            birth_date=None if q.birth_date is UNSET else q.birth_date,
            sex=None if q.sex is UNSET else q.sex,
            account_balance=_money(q.account_balance),
            monthly_income=_money(q.monthly_income),
            continuous_deposit_months=None
            if q.continuous_deposit_months is UNSET
            else q.continuous_deposit_months,
        )
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, _Declined):
        # msgspec raises UnicodeDecodeError, not DecodeError, for a bad byte in a string.
        return None
    return (today_local() if q.as_of is UNSET else q.as_of), facts


__all__ = ["JSON_CONTENT_TYPES", "QuoteIn", "quote_facts_from_json"]
