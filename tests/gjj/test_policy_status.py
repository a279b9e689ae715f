"""Provisional policy rows (暂定（待中心确认）) and their confirmation by the center's document."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from rest_framework.test import APIClient

from gjj import services
from gjj.domain import AuditAction, Role
from gjj.errors import ActorNotAllowed, BusinessError
from gjj.models import AuditLog, LoanRate, PolicyParameter
from gjj.policy import Key, PolicyStatus, key_label
from gjj.selectors import (
    policy_in_force,
    policy_rates_provisional_in_force,
    policy_rows_provisional_in_force,
    policy_rows_provisional_in_force_count,
    today_local,
)
from tests import factories

pytestmark = pytest.mark.django_db

CENTER = "阳泉市住房公积金管理中心业务决定"

# Every row the migrations load citing the center's own decision, by (key, effective_from).
DECISION_ROWS = {
    ("measure.expiry_warning_days", date(2015, 8, 26)),
    ("loan.balance_multiple", date(2024, 10, 17)),
    ("loan.repayment_capacity_share", date(2024, 10, 17)),
    ("loan.repayment_capacity_share", date(2026, 12, 1)),
    ("loan.min_continuous_deposit_months", date(2024, 10, 17)),
    ("loan.min_continuous_deposit_months", date(2026, 12, 1)),
    ("loan.term.max_months", date(2015, 8, 26)),
    ("loan.term.retirement_extra_years", date(2015, 8, 26)),
    ("loan.term.retirement_female_base_age", date(2015, 8, 26)),
    ("loan.home_count.max_unsettled_pf_loans", date(2015, 8, 26)),
    ("loan.prepayment.min_amount", date(2024, 10, 17)),
    ("szg.limits", date(2024, 10, 17)),
    ("center.local_city", date(2002, 3, 24)),
    ("special.youth.max_age", date(2024, 10, 17)),
    ("special.new_citizen.max_hukou_years", date(2024, 10, 17)),
    ("withdrawal.rental.cap.standard", date(2022, 5, 18)),
    ("withdrawal.purchase.family_relations", date(2015, 8, 26)),
    ("withdrawal.purchase.window_months", date(2015, 8, 26)),
    ("withdrawal.four_eyes_threshold", date(2015, 8, 26)),
}
# The servicing rules (domain.md §9) are center decisions too, loaded by their own migration.
SERVICING = "servicing."


def _provisional_rows() -> set[tuple[str, date]]:
    rows = PolicyParameter.objects.filter(status=PolicyStatus.PROVISIONAL)
    return {(r.key, r.effective_from) for r in rows if not r.key.startswith(SERVICING)}


@pytest.fixture
def author():
    return factories.make_staff("policy_a", Role.POLICY_ADMIN)


@pytest.fixture
def second():
    return factories.make_staff("policy_b", Role.POLICY_ADMIN)


@pytest.fixture
def future_row(author) -> PolicyParameter:
    return services.policy_parameter_add(
        key=Key.PURCHASE_WINDOW_MONTHS,
        kind="integer",
        value="24",
        effective_from=today_local() + timedelta(days=30),
        document=CENTER,
        article="购房合同签订之日起24个月内申请",
        source="decision",
        actor=author,
    )


def _confirm(row, actor, **kw):
    args = {"document_number": "阳公积金发〔2026〕8号", "document_date": date(2026, 11, 20)}
    args.update(kw)
    return services.policy_parameter_confirm(row=row, actor=actor, **args)


# --- marking ---------------------------------------------------------------------------------


def test_migration_marks_exactly_the_center_decisions_provisional():
    # given: the rows the migrations loaded
    # then: the decisions, the women's 55 group among them, and nothing else are provisional
    assert _provisional_rows() == DECISION_ROWS
    assert ("loan.term.retirement_female_base_age", date(2015, 8, 26)) in DECISION_ROWS
    servicing = PolicyParameter.objects.filter(key__startswith=SERVICING)
    assert {r.status for r in servicing} <= {PolicyStatus.PROVISIONAL}
    published = PolicyParameter.objects.exclude(source="decision")
    assert published.exists()
    assert set(published.values_list("status", flat=True)) == {PolicyStatus.CONFIRMED}
    assert set(LoanRate.objects.values_list("status", flat=True)) == {PolicyStatus.CONFIRMED}
    assert LoanRate.objects.count() == 16


def test_rows_entered_later_take_their_status_from_the_source(author):
    # given / when: a decision, a row from 52号, and a PBOC rate, all for a future date
    day = today_local() + timedelta(days=10)
    decision = services.policy_parameter_add(
        key=Key.YOUTH_MAX_AGE, kind="integer", value="40", effective_from=day,
        document=CENTER, article="青年人", source="decision", actor=author,
    )  # fmt: skip
    published = services.policy_parameter_add(
        key=Key.LOAN_CAP_STANDARD, kind="decimal", value="950000.00", effective_from=day,
        document="阳政办发〔2024〕52号", article="第二条", source="52号", actor=author,
    )  # fmt: skip
    rate = services.policy_rate_add(
        effective_from=day, home_tier=1, term_band="gt5", annual_rate_percent=Decimal("2.350"),
        document="中国人民银行通知", article="五年以上首套", actor=author,
    )  # fmt: skip
    # then
    assert (decision.status, published.status, rate.status) == (
        PolicyStatus.PROVISIONAL,
        PolicyStatus.CONFIRMED,
        PolicyStatus.CONFIRMED,
    )


def test_the_provisional_rows_in_force_on_a_day():
    # given 2026-12-02: the 2026-12-01 capacity and deposit rows replace the unset ones of
    # 2024, and 52号's family relations replace the earlier decision
    day = date(2026, 12, 2)
    expected = DECISION_ROWS - {
        ("loan.repayment_capacity_share", date(2024, 10, 17)),
        ("loan.min_continuous_deposit_months", date(2024, 10, 17)),
        ("withdrawal.purchase.family_relations", date(2015, 8, 26)),
    }
    # when
    rows = policy_rows_provisional_in_force(on=day)
    # then
    found = {(r.key, r.effective_from) for r in rows if not r.key.startswith(SERVICING)}
    assert found == expected
    assert len(expected) == 16
    assert policy_rates_provisional_in_force(on=day).count() == 0
    assert policy_rows_provisional_in_force_count(on=day) == rows.count()


# --- confirmation ----------------------------------------------------------------------------


def test_a_second_policy_user_confirms_and_the_citation_names_the_document(
    author, second, future_row, django_capture_on_commit_callbacks
):
    # given: a provisional row entered by the author
    assert (
        policy_in_force(on=future_row.effective_from)
        .param(Key.PURCHASE_WINDOW_MONTHS)
        .citation.provisional
    )
    # when: another 政策管理 user confirms it with the center's document
    with django_capture_on_commit_callbacks(execute=True):
        _confirm(future_row, second, reason="中心已发文")
    # then
    row = PolicyParameter.objects.get(pk=future_row.pk)
    assert row.status == PolicyStatus.CONFIRMED
    assert (row.confirmed_by, row.confirmation_number) == (second, "阳公积金发〔2026〕8号")
    assert (row.confirmation_date, row.document) == (date(2026, 11, 20), "阳公积金发〔2026〕8号")
    assert row.confirmed_at is not None
    cited = policy_in_force(on=row.effective_from).param(Key.PURCHASE_WINDOW_MONTHS).citation
    assert (cited.document, cited.status, cited.provisional) == (
        "阳公积金发〔2026〕8号",
        PolicyStatus.CONFIRMED,
        False,
    )
    assert cited.as_dict()["provisional"] is False
    [log] = AuditLog.objects.filter(action=AuditAction.POLICY_PARAMETER_CONFIRMED)
    assert (log.actor, log.reason) == (second, "中心已发文")
    assert (log.old["status"], log.old["document"]) == ("provisional", CENTER)
    assert (log.new["status"], log.new["document"]) == ("confirmed", "阳公积金发〔2026〕8号")


def test_a_row_a_migration_loaded_may_be_confirmed_by_any_policy_user(author):
    # given: the 50 % repayment-capacity row, loaded with no author
    row = PolicyParameter.objects.get(
        key=Key.REPAYMENT_CAPACITY_SHARE, effective_from=date(2026, 12, 1)
    )
    assert row.created_by is None
    # when
    _confirm(row, author)
    # then
    row.refresh_from_db()
    assert (row.status, row.confirmed_by) == (PolicyStatus.CONFIRMED, author)


def _unchanged(row: PolicyParameter, refused) -> BusinessError:
    before = PolicyParameter.objects.filter(pk=row.pk).values().get()
    logs = AuditLog.objects.count()
    with pytest.raises(BusinessError) as err:
        refused()
    assert PolicyParameter.objects.filter(pk=row.pk).values().get() == before
    assert AuditLog.objects.count() == logs
    return err.value


def test_the_author_may_not_confirm_own_row(author, future_row):
    # when / then: four-eyes
    err = _unchanged(future_row, lambda: _confirm(future_row, author))
    assert isinstance(err, ActorNotAllowed)
    assert err.code == "four_eyes_required"


def test_another_role_may_not_confirm(clerk, future_row):
    err = _unchanged(future_row, lambda: _confirm(future_row, clerk))
    assert (err.status, err.code) == (403, "role_required")


def test_a_confirmed_row_is_not_confirmed_again(second, future_row):
    # given: confirmed once
    _confirm(future_row, second)
    row = PolicyParameter.objects.get(pk=future_row.pk)
    # when / then
    err = _unchanged(row, lambda: _confirm(row, second, document_number="阳公积金发〔2026〕9号"))
    assert (err.status, err.code) == (400, "policy_already_confirmed")


def test_a_row_born_confirmed_is_not_confirmed(second):
    row = PolicyParameter.objects.get(key=Key.LOAN_CAP_STANDARD, effective_from=date(2024, 10, 17))
    err = _unchanged(row, lambda: _confirm(row, second))
    assert err.code == "policy_already_confirmed"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"document_number": "  "}, "document_number_required"),
        ({"document_date": "tomorrow"}, "document_date_in_future"),
    ],
)
def test_the_document_must_be_named_and_already_issued(second, future_row, kw, code):
    if kw.get("document_date") == "tomorrow":
        kw = {"document_date": today_local() + timedelta(days=1)}
    err = _unchanged(future_row, lambda: _confirm(future_row, second, **kw))
    assert err.code == code


def test_a_rate_cell_is_confirmed_the_same_way(author, second):
    # given: a rate our own default fills in, entered by the author
    rate = services.policy_rate_add(
        effective_from=today_local() + timedelta(days=5), home_tier=2, term_band="le5",
        annual_rate_percent=Decimal("2.525"), document=CENTER, article="第二套不低于",
        source="decision", actor=author, is_floor=True,
    )  # fmt: skip
    assert rate.status == PolicyStatus.PROVISIONAL
    with pytest.raises(ActorNotAllowed):
        services.policy_rate_confirm(
            row=rate, document_number="x号", document_date=date(2026, 11, 1), actor=author
        )
    # when
    services.policy_rate_confirm(
        row=rate, document_number="阳公积金发〔2026〕9号", document_date=date(2026, 11, 1),
        actor=second,
    )  # fmt: skip
    # then
    rate.refresh_from_db()
    assert (rate.status, rate.document) == (PolicyStatus.CONFIRMED, "阳公积金发〔2026〕9号")
    assert AuditLog.objects.filter(action=AuditAction.POLICY_RATE_CONFIRMED).count() == 1


# --- correcting a future row -----------------------------------------------------------------


def test_a_future_rate_is_corrected_by_the_policy_role_with_audit(author, clerk):
    # given
    rate = services.policy_rate_add(
        effective_from=today_local() + timedelta(days=5), home_tier=1, term_band="gt5",
        annual_rate_percent=Decimal("2.350"), document="中国人民银行通知", article="首套",
        actor=author,
    )  # fmt: skip
    with pytest.raises(ActorNotAllowed) as refused:
        services.policy_rate_update(
            row=rate, changes={"annual_rate_percent": Decimal("2.1")}, actor=clerk, reason="x"
        )
    assert refused.value.code == "role_required"
    # when
    services.policy_rate_update(
        row=rate, changes={"annual_rate_percent": Decimal("2.100")}, actor=author, reason="录入错误"
    )
    # then
    rate.refresh_from_db()
    assert rate.annual_rate_percent == Decimal("2.100")
    [log] = AuditLog.objects.filter(action=AuditAction.POLICY_RATE_UPDATED)
    assert (log.old["annual_rate_percent"], log.new["annual_rate_percent"]) == ("2.350", "2.100")


def test_a_rate_in_force_is_not_corrected(author):
    rate = LoanRate.objects.get(effective_from=date(2025, 5, 8), home_tier=1, term_band="gt5")
    with pytest.raises(BusinessError) as err:
        services.policy_rate_update(
            row=rate, changes={"annual_rate_percent": Decimal("2.5")}, actor=author, reason="x"
        )
    assert err.value.code == "policy_in_force_immutable"
    rate.refresh_from_db()
    assert rate.annual_rate_percent == Decimal("2.600")


def test_a_row_confirmed_by_the_center_is_not_corrected(author, second, future_row):
    _confirm(future_row, second)
    row = PolicyParameter.objects.get(pk=future_row.pk)
    err = _unchanged(
        row,
        lambda: services.policy_parameter_update(
            row=row, changes={"value": "18"}, actor=author, reason="改为18个月"
        ),
    )
    assert err.code == "policy_row_confirmed"


# --- where it shows --------------------------------------------------------------------------


def test_the_quote_marks_each_cited_row_provisional_or_not():
    # given: a quote on 2026-12-01 with the household's income, so repayment capacity applies
    body = {
        "as_of": "2026-12-01",
        "property_type": "commercial",
        "new_build": True,
        "house_price": "1000000.00",
        "term_months": 360,
        "homes_owned": 0,
        "monthly_income": "20000.00",
        "continuous_deposit_months": 12,
    }
    # when
    resp = APIClient().post("/api/v1/loans/quote/", body, format="json")
    # then: the center's 50 % is provisional, 52号's cap and the PBOC rate are not
    assert resp.status_code == 200
    q = resp.json()
    applied = {r["rule"]: r["citation"] for r in q["limits_applied"]}
    assert applied["amount.repayment_capacity"]["provisional"] is True
    assert applied["amount.repayment_capacity"]["status"] == "provisional"
    assert applied["amount.cap"]["provisional"] is False
    assert applied["amount.cap"]["status"] == "confirmed"
    assert q["rate_citation"]["provisional"] is False
    cited = [r["citation"] for r in q["reasons"] + q["refusal_reasons"] if r["citation"]]
    assert all(isinstance(c["provisional"], bool) for c in cited)


def test_the_retirement_limit_cites_the_centers_own_numbers():
    # given: a woman born 1990-03-15: the 55 group, which the reform takes to 58
    body = {
        "as_of": "2026-12-01",
        "property_type": "commercial",
        "new_build": True,
        "house_price": "1000000.00",
        "term_months": 240,
        "homes_owned": 0,
        "birth_date": "1990-03-15",
        "sex": "F",
    }
    # when
    q = APIClient().post("/api/v1/loans/quote/", body, format="json").json()
    # then: the extra 5 years and the 55 group are cited, both provisional
    reasons = {r["rule"]: r for r in q["reasons"]}
    extra = reasons["term.retirement_extra_years"]
    female = reasons["term.retirement_female_base_age"]
    assert (extra["value"], extra["citation"]["provisional"]) == ("5", True)
    assert (female["value"], female["citation"]["provisional"]) == ("55", True)


def page(client, user, obj, model: str) -> str:
    client.force_login(user)
    resp = client.get(f"/admin/gjj/{model}/{obj.pk}/change/")
    assert resp.status_code == 200
    return resp.content.decode()


def test_the_confirm_button_shows_only_to_a_policy_user_who_may_confirm(
    client, author, second, clerk, future_row
):
    url = f"/admin/gjj/policyparameter/{future_row.pk}/confirm/"
    # given: the author, a clerk, and a second policy user look at the provisional row
    assert url not in page(client, author, future_row, "policyparameter")
    assert url not in page(client, clerk, future_row, "policyparameter")
    html = page(client, second, future_row, "policyparameter")
    assert url in html
    assert "确认为中心正式政策" in html
    assert "暂定（待中心确认）" in html
    assert "购房提取申请期限（月）" in html  # the key by its Chinese name
    # when: the second user confirms from the page
    resp = client.post(
        url,
        {
            "confirm-document_number": "阳公积金发〔2026〕8号",
            "confirm-document_date": "2026-11-20",
            "confirm-reason": "",
        },
    )
    # then: done, and the button is gone
    assert [str(m) for m in get_messages(resp.wsgi_request)] == [
        "已确认为中心正式政策，引用依据已改为中心文件"
    ]
    assert PolicyParameter.objects.get(pk=future_row.pk).status == PolicyStatus.CONFIRMED
    assert url not in page(client, second, future_row, "policyparameter")


def test_the_changelist_filters_the_provisional_rows_in_force_today(client, second):
    client.force_login(second)
    resp = client.get("/admin/gjj/policyparameter/?status__exact=provisional&in_force=today")
    assert resp.status_code == 200
    shown = {r.pk for r in resp.context["cl"].queryset}
    assert shown == set(
        policy_rows_provisional_in_force(on=today_local()).values_list("pk", flat=True)
    )
    assert shown
    # rates: the four cells of 2025-05-08 are in force, none of them provisional
    resp = client.get("/admin/gjj/loanrate/?in_force=today")
    cells = {(r.effective_from, r.home_tier, r.term_band) for r in resp.context["cl"].queryset}
    assert cells == {(date(2025, 5, 8), t, b) for t in (1, 2) for b in ("le5", "gt5")}
    resp = client.get("/admin/gjj/loanrate/?status__exact=provisional&in_force=today")
    assert list(resp.context["cl"].queryset) == []


def test_a_json_value_shows_as_a_table_not_raw_json(client, second):
    row = PolicyParameter.objects.get(key=Key.SZG_ELIGIBLE_LENDERS)
    html = page(client, second, row, "policyparameter")
    assert '<table class="gjj-values"' in html
    assert "[{&quot;city&quot;" not in html


def test_every_key_has_a_chinese_name():
    assert [k for k in Key if key_label(k) == k.value] == []
