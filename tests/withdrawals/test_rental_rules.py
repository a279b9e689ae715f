"""Rental withdrawals: the yearly cap per person, its boundary dates, and what crosses it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj import services as gjj_services
from gjj.errors import BusinessError
from withdrawals import selectors
from withdrawals.models import WithdrawalStatus

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.mark.parametrize(
    ("special", "on", "cap"),
    [
        (True, date(2024, 10, 16), D("15000.00")),  # before 52号
        (True, date(2024, 10, 17), D("18000.00")),  # 52号 in force
        (True, date(2027, 10, 16), D("18000.00")),  # its last day
        (True, date(2027, 10, 17), D("15000.00")),  # expired: back to the standard cap
        (False, date(2024, 10, 16), D("15000.00")),
        (False, date(2024, 10, 17), D("15000.00")),  # 52号 raised only the named groups
        (False, date(2027, 10, 17), D("15000.00")),
    ],
)
def test_yearly_cap_by_group_and_date(build, special, on, cap):
    # Given a person of 44 without children, a 引进人才 or not
    person = build.person("租客")
    if special:
        build.group(person, "talent")
    # When the allowance for the year is read on the date
    allowance = selectors.rental_allowance(depositor=person, year=on.year, on=on)
    # Then the cap and the remaining allowance are the golden value
    assert (allowance.cap.amount, allowance.remaining) == (cap, cap)
    assert allowance.cap.special is (cap == D("18000.00"))


def test_only_the_spouses_family_group_gives_the_special_cap(build):
    # given: the tenant's spouse is a 新市民 (personal) — domain.md §8: rental counts
    # the withdrawing person's own groups and the family's
    tenant = build.person("甲")
    spouse = build.person("乙", male=False)
    build.relate(tenant, spouse, "spouse")
    build.group(spouse, "new_citizen")
    # when / then: the spouse's personal group does not count
    cap = selectors.rental_cap(depositor=tenant, on=date(2025, 3, 1))
    assert (cap.amount, cap.groups) == (D("15000.00"), ())
    # given a 现役军人家庭 record on the spouse: a family group, it counts
    build.group(spouse, "military_family")
    cap = selectors.rental_cap(depositor=tenant, on=date(2025, 3, 1))
    assert (cap.amount, cap.groups) == (D("18000.00"), ("military_family",))


@pytest.mark.parametrize(
    ("birth", "cap"),
    [(date(1990, 3, 1), D("18000.00")), (date(1990, 2, 28), D("15000.00"))],
)
def test_youth_counts_only_up_to_the_policy_age(build, birth, cap):
    # 35 on 2025-03-01 if born 1990-03-01; 35 years and a day (36th year) if born 1990-02-28
    person = build.person("青年", birth=birth)
    build.group(person, "youth")
    on = date(2025, 3, 1) if birth.day == 1 else date(2026, 3, 1)
    assert selectors.rental_cap(depositor=person, on=on).amount == cap


def test_two_recorded_children_make_a_multi_child_family(build):
    person = build.person("家长")
    for i, birth in enumerate((date(2015, 1, 1), date(2018, 6, 1))):
        child = build.person(f"孩子{i}", birth=birth, balance=None)
        build.relate(person, child, "child", verify=False)
    cap = selectors.rental_cap(depositor=person, on=date(2025, 3, 1))
    assert (cap.amount, cap.groups) == (D("18000.00"), ("multi_child",))


def test_expired_or_revoked_memberships_do_not_count(build, clerk):
    expired = build.person("过期")
    build.group(expired, "talent", valid_to=date(2024, 12, 31))
    revoked = build.person("撤销")
    membership = build.group(revoked, "talent")
    gjj_services.special_group_revoke(membership=membership, actor=clerk, reason="材料不实")
    on = date(2025, 3, 1)
    assert selectors.rental_cap(depositor=expired, on=on).amount == D("15000.00")
    assert selectors.rental_cap(depositor=revoked, on=on).amount == D("15000.00")


@pytest.mark.parametrize(("amount", "ok"), [("15000.00", True), ("15000.01", False)])
def test_a_single_claim_up_to_the_cap(build, amount, ok):
    person = build.person("张三")
    if ok:
        app = build.rental(person, amount, on=date(2025, 3, 1))
        assert app.amount == D(amount)
    else:
        with pytest.raises(BusinessError) as err:
            build.rental(person, amount, on=date(2025, 3, 1))
        assert err.value.code == "rental_cap_exceeded"
        assert "剩余15000.00元" in err.value.message


def test_a_claim_that_would_cross_the_cap_is_refused_with_the_remaining_allowance(build, approver):
    # Given a 引进人才 who drew 10,000.00 for rent in 2025
    person = build.person("李四")
    build.group(person, "talent")
    build.approved_rental(
        person, "10000.00", on=date(2025, 2, 1), approver=approver, period_type="quarterly"
    )
    # When a claim of 8,000.01 is made for the second quarter
    with pytest.raises(BusinessError) as err:
        build.rental(
            person, "8000.01", on=date(2025, 5, 1), period_type="quarterly", period_index=2
        )
    # Then it is refused (not cut), naming what is left
    assert err.value.code == "rental_cap_exceeded"
    assert err.value.message == (
        "申请金额8000.01元超过2025年度租房提取剩余额度：剩余8000.00元"
        "（年度额度18000.00元，已提取10000.00元，在办0.00元）"
    )
    assert err.value.fields["amount"][0]["code"] == "rental_cap_exceeded"
    # And exactly the remaining allowance is accepted
    app = build.rental(
        person, "8000.00", on=date(2025, 5, 1), period_type="quarterly", period_index=2
    )
    assert app.amount == D("8000.00")


def test_the_cap_rise_on_2024_10_17_frees_the_difference_for_the_year(build, approver):
    person = build.person("王五")
    build.group(person, "talent")
    build.approved_rental(
        person,
        "15000.00",
        on=date(2024, 3, 1),
        approver=approver,
        period_type="monthly",
        period_index=3,
    )
    assert selectors.rental_allowance(
        depositor=person, year=2024, on=date(2024, 10, 16)
    ).remaining == D("0.00")
    allowance = selectors.rental_allowance(depositor=person, year=2024, on=date(2024, 10, 17))
    assert (allowance.used, allowance.remaining) == (D("15000.00"), D("3000.00"))


def test_after_the_measure_expires_a_special_member_above_the_standard_cap_has_nothing_left(
    build, approver
):
    person = build.person("赵六")
    build.group(person, "talent")
    build.approved_rental(
        person, "18000.00", on=date(2027, 2, 1), approver=approver, period_type="quarterly"
    )
    with pytest.raises(BusinessError) as err:
        build.rental(person, "0.01", on=date(2027, 10, 17), period_type="monthly", period_index=11)
    assert err.value.code == "rental_cap_exceeded"
    assert "剩余0.00元（年度额度15000.00元，已提取18000.00元" in err.value.message


def test_a_new_calendar_year_starts_a_new_allowance(build, approver):
    person = build.person("钱七")
    build.approved_rental(
        person,
        "15000.00",
        on=date(2025, 12, 30),
        approver=approver,
        period_type="monthly",
        period_index=12,
    )
    assert selectors.rental_allowance(
        depositor=person, year=2025, on=date(2025, 12, 31)
    ).remaining == D("0.00")
    assert selectors.rental_allowance(
        depositor=person, year=2026, on=date(2026, 1, 1)
    ).remaining == D("15000.00")


def test_in_flight_claims_use_up_the_allowance_in_the_preview(build, clerk):
    person = build.person("孙八")
    app = build.rental(
        person, "4000.00", on=date(2025, 3, 1), period_type="monthly", period_index=3
    )
    from withdrawals import services

    services.withdrawal_submit(application=app, actor=clerk, on=date(2025, 3, 1))
    preview = selectors.rental_preview(depositor=person, year=2025, on=date(2025, 3, 2))
    assert (preview["in_flight"], preview["remaining"], preview["max_amount"]) == (
        "4000.00",
        "11000.00",
        "11000.00",
    )
    assert preview["claimed_months"] == [3]


def test_a_household_that_owns_a_home_in_the_city_cannot_draw_for_rent(build, clerk):
    tenant = build.person("周九")
    spouse = build.person("吴十", male=False)
    build.relate(tenant, spouse, "spouse")
    home = gjj_services.home_register(
        owner=spouse,
        address="阳泉市矿区某小区",
        registered_on=date(2020, 1, 1),
        actor=clerk,
        certificate_number="晋(2020)阳泉市不动产权第0000002号",
    )
    with pytest.raises(BusinessError) as err:
        build.rental(tenant, "1000.00", on=date(2025, 3, 1))
    assert err.value.code == "owns_home"
    # A home elsewhere or one sold before the date does not count
    gjj_services.home_dispose(home=home, disposed_on=date(2025, 2, 1), actor=clerk, reason="出售")
    gjj_services.home_register(
        owner=tenant,
        address="太原市某小区",
        city="太原",
        registered_on=date(2021, 1, 1),
        actor=clerk,
        certificate_number="晋(2021)太原市不动产权第0000003号",
    )
    assert build.rental(tenant, "1000.00", on=date(2025, 3, 1)).status == WithdrawalStatus.DRAFT


def test_the_same_month_cannot_be_claimed_twice(build, approver):
    person = build.person("郑一")
    build.approved_rental(
        person,
        "1200.00",
        on=date(2025, 3, 5),
        approver=approver,
        period_type="monthly",
        period_index=3,
    )
    with pytest.raises(BusinessError) as err:
        build.rental(
            person, "3600.00", on=date(2025, 4, 1), period_type="quarterly", period_index=1
        )
    assert (err.value.code, err.value.message) == (
        "rental_period_overlap",
        "2025年3月的房租已申请过提取",
    )
    assert build.rental(
        person, "1200.00", on=date(2025, 4, 1), period_type="monthly", period_index=4
    ).amount == D("1200.00")


@pytest.mark.parametrize(
    ("period_type", "index"), [("monthly", 13), ("quarterly", 5), ("yearly", 2)]
)
def test_an_impossible_period_is_refused(build, period_type, index):
    person = build.person("王二")
    with pytest.raises(BusinessError) as err:
        build.rental(
            person, "100.00", on=date(2025, 3, 1), period_type=period_type, period_index=index
        )
    assert err.value.code == "invalid_period"


def test_a_claim_above_the_own_balance_is_refused(build):
    person = build.person("冯三", balance="999.99")
    with pytest.raises(BusinessError) as err:
        build.rental(person, "1000.00", on=date(2025, 3, 1))
    assert (err.value.code, err.value.message) == (
        "exceeds_balance",
        "申请提取1000.00元，超过账户余额999.99元",
    )
