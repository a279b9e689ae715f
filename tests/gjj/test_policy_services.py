"""Policy rows in force are never rewritten; changes are new, later rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from gjj import services
from gjj.domain import Role
from gjj.errors import BusinessError
from gjj.models import AuditLog, PolicyParameter
from gjj.policy import RULE_CODES, Key
from gjj.selectors import policy_in_force, today_local
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy_user():
    return factories.make_staff("policy1", Role.POLICY_ADMIN)


def test_only_the_policy_role_adds_rows(clerk):
    with pytest.raises(BusinessError) as err:
        _add(clerk)
    assert err.value.code == "role_required"
    assert not PolicyParameter.objects.filter(value="950000.00").exists()


def _add(actor, **kw):
    base = dict(
        key=Key.LOAN_CAP_STANDARD,
        kind="decimal",
        value="950000.00",
        effective_from=today_local() + timedelta(days=10),
        document="测试文件",
        article="第一条",
        source="decision",
        actor=actor,
    )
    base.update(kw)
    return services.policy_parameter_add(**base)


def test_a_future_row_takes_effect_on_its_date_and_not_before(
    policy_user, django_capture_on_commit_callbacks
):
    # Given no standard cap after the measure expires (2027-10-16)
    start = date(2028, 1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        _add(policy_user, effective_from=start)
    assert policy_in_force(on=start - timedelta(days=1)).value(Key.LOAN_CAP_STANDARD) is None
    assert policy_in_force(on=start).value(Key.LOAN_CAP_STANDARD) == Decimal("950000.00")


def test_adding_a_row_refreshes_the_cached_snapshot(
    policy_user, django_capture_on_commit_callbacks
):
    day = today_local() + timedelta(days=30)
    assert policy_in_force(on=day).value(Key.BALANCE_MULTIPLE) is None  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        _add(policy_user, key=Key.BALANCE_MULTIPLE, value="15", effective_from=day)
    assert policy_in_force(on=day).value(Key.BALANCE_MULTIPLE) == Decimal("15")


@pytest.mark.parametrize("days", [0, -1, -400])
def test_a_row_cannot_start_today_or_earlier(policy_user, days):
    with pytest.raises(BusinessError) as err:
        _add(policy_user, effective_from=today_local() + timedelta(days=days))
    assert err.value.code == "policy_in_force_immutable"


def test_rows_in_force_cannot_be_edited(policy_user):
    row = PolicyParameter.objects.get(key=Key.LOAN_CAP_STANDARD, effective_from=date(2024, 10, 17))
    with pytest.raises(BusinessError) as err:
        services.policy_parameter_update(
            row=row, changes={"value": "1.00"}, actor=policy_user, reason="试图修改"
        )
    assert err.value.code == "policy_in_force_immutable"
    row.refresh_from_db()
    assert row.value == "900000.00"


def test_a_future_row_can_be_corrected_with_audit(policy_user):
    policy = policy_user
    row = _add(policy)
    services.policy_parameter_update(
        row=row, changes={"value": "960000.00"}, actor=policy, reason="录入错误"
    )
    log = AuditLog.objects.filter(action="policy_parameter.updated").get()
    assert log.old["value"] == "950000.00"
    assert log.new["value"] == "960000.00"
    assert log.reason == "录入错误"


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"key": "loan.unknown"}, "unknown_policy_key"),
        ({"value": "九十万"}, "invalid_policy_value"),
        ({"document": " "}, "citation_required"),
        ({"effective_to": date(2020, 1, 1)}, "invalid_date"),
    ],
)
def test_bad_rows_are_refused(policy_user, kw, code):
    with pytest.raises(BusinessError) as err:
        _add(policy_user, **kw)
    assert err.value.code == code


def test_rate_rows_follow_the_same_rule(policy_user):
    with pytest.raises(BusinessError) as err:
        services.policy_rate_add(
            effective_from=today_local(),
            home_tier=1,
            term_band="gt5",
            annual_rate_percent=Decimal("2.35"),
            document="x",
            article="y",
            actor=policy_user,
        )
    assert err.value.code == "policy_in_force_immutable"
    row = services.policy_rate_add(
        effective_from=today_local() + timedelta(days=1),
        home_tier=1,
        term_band="gt5",
        annual_rate_percent=Decimal("2.350"),
        document="x",
        article="y",
        actor=policy_user,
    )
    assert row.annual_rate_percent == Decimal("2.350")


def test_migration_left_an_audit_trail_for_every_row():
    n_params = PolicyParameter.objects.count()
    assert AuditLog.objects.filter(action="policy_parameter.added").count() == n_params


@pytest.mark.parametrize(
    ("key", "value"),
    [(Key.SZG_LIMITS, "remaining_principal_only"), (Key.REPRICING_RULE, "every_full_moon")],
)
def test_a_rule_code_the_system_does_not_know_is_refused_when_entered(policy_user, key, value):
    # Given a 政策管理 policy_user entering a rule parameter
    before = PolicyParameter.objects.count()
    # When its value names no rule the system applies
    with pytest.raises(BusinessError) as err:
        _add(policy_user, key=key, kind="text", value=value)
    # Then the row is refused with the rules there are, and nothing is written
    assert err.value.code == "unknown_rule_code"
    assert "只能取以下规则之一" in err.value.message
    assert PolicyParameter.objects.count() == before


def test_every_repricing_rule_code_is_one_the_batch_applies():
    from loans.repricing import reference_date

    for code in RULE_CODES[Key.REPRICING_RULE]:
        assert reference_date(rule=code, business_date=date(2026, 1, 1)) <= date(2026, 1, 1)
