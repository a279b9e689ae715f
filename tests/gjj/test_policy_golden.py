"""Golden table: the parameter in force on each boundary date, read from the database.

Runs on whichever database DATABASE_URL names; CI runs it on PostgreSQL and
again on SQLite.
"""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps

from gjj.models import AuditLog, PolicyParameter
from gjj.policy import Key
from gjj.selectors import policy_in_force
from tests.policy_fixtures import SEED_PARAMETERS, seed_snapshot

pytestmark = pytest.mark.django_db

D = date.fromisoformat
D52 = "阳政办发〔2024〕52号"

# (key, date, expected value, expected document fragment or None when no row is in force)
PARAMS = [
    (Key.LOAN_CAP_STANDARD, "2022-05-17", None, None),
    (Key.LOAN_CAP_STANDARD, "2022-05-18", Decimal("800000.00"), D52),
    (Key.LOAN_CAP_STANDARD, "2024-10-16", Decimal("800000.00"), D52),
    (Key.LOAN_CAP_STANDARD, "2024-10-17", Decimal("900000.00"), D52),
    (Key.LOAN_CAP_STANDARD, "2027-10-16", Decimal("900000.00"), D52),
    (Key.LOAN_CAP_STANDARD, "2027-10-17", None, None),
    (Key.LOAN_CAP_SPECIAL, "2024-10-16", None, None),
    (Key.LOAN_CAP_SPECIAL, "2024-10-17", Decimal("1000000.00"), D52),
    (Key.LOAN_CAP_SPECIAL, "2027-10-16", Decimal("1000000.00"), D52),
    (Key.LOAN_CAP_SPECIAL, "2027-10-17", None, None),
    (
        Key.LOAN_CAP_SPECIAL_GROUPS,
        "2024-10-17",
        ["talent", "new_citizen", "youth", "military_family", "multi_child"],
        D52,
    ),
    (Key.DOWN_PAYMENT_COMMERCIAL_TIER1, "2024-10-16", None, None),
    (Key.DOWN_PAYMENT_COMMERCIAL_TIER1, "2024-10-17", Decimal("0.20"), D52),
    (Key.DOWN_PAYMENT_COMMERCIAL_TIER2, "2024-10-17", Decimal("0.20"), D52),
    (Key.DOWN_PAYMENT_AFFORDABLE_TIER1, "2024-10-17", Decimal("0.15"), D52),
    (Key.DOWN_PAYMENT_AFFORDABLE_TIER2, "2027-10-16", Decimal("0.15"), D52),
    (Key.DOWN_PAYMENT_AFFORDABLE_TIER2, "2027-10-17", None, None),
    (Key.PF_LOAN_COUNT_CUTOFF, "2024-10-16", None, None),
    (Key.PF_LOAN_COUNT_CUTOFF, "2024-10-17", D("2014-12-31"), D52),
    (Key.PF_LOAN_COUNT_CUTOFF, "2027-10-17", None, None),
    (Key.MULTI_CHILD_HOME_DEDUCTION, "2024-10-17", 1, D52),
    (Key.MULTI_CHILD_MIN_CHILDREN, "2024-10-17", 2, D52),
    (Key.SZG_ISSUED_ON_OR_BEFORE, "2024-10-17", D("2024-03-31"), D52),
    (
        Key.SZG_ELIGIBLE_LENDERS,
        "2024-10-17",
        [{"city": "阳泉", "bank": "*"}, {"city": "太原", "bank": "CCB"}],
        D52,
    ),
    (Key.RENTAL_CAP_STANDARD, "2024-10-16", Decimal("15000.00"), "中心"),
    (Key.RENTAL_CAP_STANDARD, "2024-10-17", Decimal("15000.00"), "中心"),
    (Key.RENTAL_CAP_SPECIAL, "2024-10-16", None, None),
    (Key.RENTAL_CAP_SPECIAL, "2024-10-17", Decimal("18000.00"), D52),
    (Key.RENTAL_CAP_SPECIAL, "2027-10-17", None, None),
    (Key.PURCHASE_FAMILY_RELATIONS, "2024-10-16", ["self", "spouse"], "中心"),
    (Key.PURCHASE_FAMILY_RELATIONS, "2024-10-17", ["self", "spouse", "parent", "child"], D52),
    (Key.PURCHASE_FAMILY_RELATIONS, "2027-10-17", ["self", "spouse"], "中心"),
    (Key.MEASURE, "2024-10-16", None, None),
    (Key.MEASURE, "2024-10-17", D52, D52),
    (Key.MEASURE, "2027-10-16", D52, D52),
    (Key.MEASURE, "2027-10-17", None, None),
    (Key.REPRICING_RULE, "2024-05-18", "next_january_1", "中国人民银行"),
    (Key.REPRICING_KEEP_MAX_TERM_MONTHS, "2025-05-08", 12, "中国人民银行"),
    (Key.RATE_TERM_BAND_MONTHS, "2015-08-26", 60, "中国人民银行"),
    (Key.MAX_HOME_TIER, "2024-10-17", 2, "建金〔2010〕179号"),
    (Key.MAX_UNSETTLED_PF_LOANS, "2015-08-25", None, None),
    (Key.MAX_UNSETTLED_PF_LOANS, "2015-08-26", 0, "中心"),
    (Key.MAX_UNSETTLED_PF_LOANS, "2027-10-17", 0, "中心"),
    (Key.SZG_LIMITS, "2024-10-16", None, None),
    (Key.SZG_LIMITS, "2024-10-17", "remaining_principal_and_term", "中心"),
    (Key.LOAN_DECISION_DAYS, "2024-10-17", 15, "住房公积金管理条例"),
    (Key.WITHDRAWAL_DECISION_DAYS, "2024-10-17", 3, "住房公积金管理条例"),
    (Key.LOCAL_CITY, "2002-03-23", None, None),
    (Key.LOCAL_CITY, "2002-03-24", "阳泉", "中心"),
    (Key.LOCAL_CITY, "2027-10-17", "阳泉", "中心"),
]

UNSET_FROM_52 = [
    Key.BALANCE_MULTIPLE,
    Key.REPAYMENT_CAPACITY_SHARE,
    Key.MIN_CONTINUOUS_DEPOSIT_MONTHS,
]

# (date, tier, term months, rate percent, is floor)
RATES = [
    ("2015-08-26", 1, 60, "2.750", False),
    ("2015-08-26", 1, 61, "3.250", False),
    ("2015-08-26", 2, 60, "3.025", True),
    ("2015-08-26", 2, 61, "3.575", True),
    ("2022-09-30", 1, 60, "2.750", False),
    ("2022-09-30", 1, 240, "3.250", False),
    ("2022-10-01", 1, 60, "2.600", False),
    ("2022-10-01", 1, 240, "3.100", False),
    ("2022-10-01", 2, 60, "3.025", True),
    ("2022-10-01", 2, 240, "3.575", True),
    ("2024-05-17", 1, 240, "3.100", False),
    ("2024-05-17", 2, 240, "3.575", True),
    ("2024-05-18", 1, 60, "2.350", False),
    ("2024-05-18", 1, 61, "2.850", False),
    ("2024-05-18", 2, 60, "2.775", True),
    ("2024-05-18", 2, 61, "3.325", True),
    ("2025-05-07", 1, 360, "2.850", False),
    ("2025-05-07", 2, 12, "2.775", True),
    ("2025-05-08", 1, 60, "2.100", False),
    ("2025-05-08", 1, 61, "2.600", False),
    ("2025-05-08", 2, 60, "2.525", True),
    ("2025-05-08", 2, 61, "3.075", True),
    ("2027-10-17", 1, 360, "2.600", False),
]


@pytest.mark.parametrize(("key", "on", "expected", "document"), PARAMS)
def test_parameter_in_force_on_date(key, on, expected, document):
    # Given the policy rows loaded by migration; when asked for date D
    pv = policy_in_force(on=D(on)).param(key)
    # Then the row in force carries the expected value and citation
    if expected is None:
        assert pv is None
    else:
        assert pv is not None
        assert pv.value == expected
        assert document in pv.citation.document
        assert pv.citation.article


@pytest.mark.parametrize("key", UNSET_FROM_52)
def test_parameters_without_yangquan_source_start_unset(key):
    pv = policy_in_force(on=D("2024-10-17")).param(key)
    assert pv is not None
    assert pv.value is None
    assert not pv.is_set
    assert pv.citation.source == "decision"


@pytest.mark.parametrize(("on", "tier", "months", "rate", "floor"), RATES)
def test_rate_in_force(on, tier, months, rate, floor):
    r = policy_in_force(on=D(on)).rate(home_tier=tier, term_months=months)
    assert r is not None
    assert r.annual_rate_percent == Decimal(rate)
    assert r.is_floor is floor
    assert r.citation.row.startswith("rate:")


def test_no_rate_before_the_first_row():
    assert policy_in_force(on=D("2015-08-25")).rate(home_tier=1, term_months=240) is None


@pytest.mark.parametrize(
    "on", ["2015-08-26", "2024-10-16", "2024-10-17", "2025-05-08", "2027-10-16", "2027-10-17"]
)
def test_database_snapshot_matches_the_seed(on):
    """The migration loaded exactly the published rows: same values on every date.

    Other apps add parameters of their own; the keys gjj seeds must match.
    """
    db = policy_in_force(on=D(on))
    pure = seed_snapshot(D(on))
    seeded = {p[0] for p in SEED_PARAMETERS}
    assert {k: v.value for k, v in db.params.items() if k in seeded} == {
        k: v.value for k, v in pure.params.items()
    }
    assert [(r.home_tier, r.term_band, r.annual_rate_percent) for r in db.rates] == [
        (r.home_tier, r.term_band, r.annual_rate_percent) for r in pure.rates
    ]


def test_policy_version_names_the_latest_change():
    assert policy_in_force(on=D("2024-10-17")).version == "2024-10-17"
    assert policy_in_force(on=D("2025-05-08")).version == "2025-05-08"
    assert policy_in_force(on=D("2024-05-18")).version == "2024-05-18"


def test_local_city_migration_runs_again_without_a_second_row():
    # given the row loaded by migration gjj.0006
    migration = importlib.import_module("gjj.migrations.0006_local_city")
    rows = PolicyParameter.objects.filter(key=Key.LOCAL_CITY)
    audits = AuditLog.objects.filter(actor_label="migration:gjj.0006")
    assert (rows.count(), audits.count()) == (1, 1)
    # when it runs again
    migration.add_local_city(apps, None)
    # then nothing is added
    assert (rows.count(), audits.count()) == (1, 1)
