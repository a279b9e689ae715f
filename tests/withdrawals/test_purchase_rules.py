"""Purchase withdrawals with family: who may draw on which date, the window, the amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj import services as gjj_services
from gjj.errors import BusinessError
from tests import factories
from withdrawals import selectors

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def family(build):
    """A buyer with a verified spouse, parent and child who all deposit."""
    buyer = build.person("买房人")
    spouse = build.person("配偶", male=False)
    parent = build.person("父亲", birth=date(1955, 1, 1))
    child = build.person("女儿", birth=date(2000, 1, 1), male=False)
    return {
        "buyer": buyer,
        "spouse": build.relate(buyer, spouse, "spouse"),
        "parent": build.relate(buyer, parent, "parent"),
        "child": build.relate(buyer, child, "child"),
    }


@pytest.mark.parametrize(
    ("relation", "on", "allowed"),
    [
        ("parent", date(2024, 10, 16), False),
        ("parent", date(2024, 10, 17), True),
        ("child", date(2024, 10, 16), False),
        ("child", date(2024, 10, 17), True),
        ("parent", date(2027, 10, 16), True),
        ("parent", date(2027, 10, 17), False),  # 52号 expired: self and spouse again
        ("spouse", date(2024, 10, 16), True),
        ("spouse", date(2027, 10, 17), True),
    ],
)
def test_family_relations_allowed_on_the_application_date(build, family, relation, on, allowed):
    # Given a buyer who signed the purchase contract on the application date
    members = [(relation, family[relation], "1000.00")]
    if allowed:
        # When the member is named, then the application is made
        app = build.purchase(family["buyer"], members, on=on)
        assert app.members.get().relation == relation
    else:
        # Then the member is refused, citing the policy of the day
        with pytest.raises(BusinessError) as err:
            build.purchase(family["buyer"], members, on=on)
        assert err.value.code == "relation_not_allowed"
        assert err.value.message.startswith(f"{on}适用的政策不允许提取")


@pytest.mark.parametrize(
    ("contract", "on", "ok"),
    [
        (date(2024, 10, 17), date(2025, 10, 17), True),  # the corresponding day is the last
        (date(2024, 10, 17), date(2025, 10, 18), False),
        (date(2024, 2, 29), date(2025, 2, 28), True),  # no 29th: the month's last day
        (date(2024, 2, 29), date(2025, 3, 1), False),
        (date(2025, 3, 2), date(2025, 3, 1), False),  # a contract after the application
    ],
)
def test_twelve_month_window_after_the_purchase_contract(build, family, contract, on, ok):
    members = [("self", None, "1000.00")]
    if ok:
        assert build.purchase(family["buyer"], members, on=on, contract_date=contract).pk
        return
    with pytest.raises(BusinessError) as err:
        build.purchase(family["buyer"], members, on=on, contract_date=contract)
    if contract > on:
        assert err.value.code == "contract_after_application"
    else:
        assert err.value.code == "outside_purchase_window"
        ends = selectors.add_months(contract, 12)
        assert f"（截至{ends}）" in err.value.message


@pytest.mark.parametrize(("voucher", "ok"), [("200000.00", True), ("200000.01", False)])
def test_all_draws_together_at_most_price_less_loans_and_voucher(build, family, voucher, ok):
    # Price 1,000,000 − loans 700,000 − 房票 200,000 = own funds 100,000; 1 fen more 房票 → less
    on = date(2025, 3, 1)
    members = [("self", None, "50000.00"), ("spouse", family["spouse"], "50000.00")]
    kw = {"price": "1000000.00", "loans": "700000.00", "voucher": voucher}
    if ok:
        app = build.purchase(family["buyer"], members, on=on, **kw)
        assert app.amount == D("100000.00")
        assert app.limits_snapshot["own_funds"] == "100000.00"
        return
    with pytest.raises(BusinessError) as err:
        build.purchase(family["buyer"], members, on=on, **kw)
    assert (err.value.code, err.value.message) == (
        "exceeds_own_funds",
        "提取合计100000.00元超过自筹部分99999.99元"
        "（房价1000000.00元 − 贷款700000.00元 − 房票200000.01元）",
    )


def test_loans_and_voucher_above_the_price_leave_nothing_to_draw(build, family):
    limits = selectors.purchase_limits(
        buyer=family["buyer"],
        on=date(2025, 3, 1),
        price=D("500000.00"),
        loans_amount=D("400000.00"),
        voucher_amount=D("150000.00"),
        contract_date=date(2025, 2, 1),
    )
    assert (limits.own_funds, limits.max_total) == (D("0.00"), D("0.00"))


@pytest.mark.parametrize(("amount", "ok"), [("50000.00", True), ("50000.01", False)])
def test_each_member_at_most_their_own_balance(build, family, amount, ok):
    members = [("parent", family["parent"], amount)]
    if ok:
        assert build.purchase(family["buyer"], members, on=date(2025, 3, 1)).pk
        return
    with pytest.raises(BusinessError) as err:
        build.purchase(family["buyer"], members, on=date(2025, 3, 1))
    # The buyer reads the refusal: the father's balance is not in it
    assert (err.value.code, err.value.message) == (
        "exceeds_balance",
        "父亲申请提取50000.01元，超过其账户可提取金额",
    )
    assert "50000.00" not in err.value.message


def test_the_buyers_own_draw_above_his_balance_names_his_balance(build, family):
    with pytest.raises(BusinessError) as err:
        build.purchase(family["buyer"], [("self", None, "50000.01")], on=date(2025, 3, 1))
    assert (err.value.code, err.value.message) == (
        "exceeds_balance",
        "买房人申请提取50000.01元，超过其账户余额50000.00元",
    )


def test_an_unverified_relation_cannot_draw(build):
    buyer = build.person("买房人")
    mother = build.person("母亲", male=False, birth=date(1958, 1, 1))
    fm = build.relate(buyer, mother, "parent", verify=False)
    with pytest.raises(BusinessError) as err:
        build.purchase(buyer, [("parent", fm, "1000.00")], on=date(2025, 3, 1))
    assert (err.value.code, err.value.message) == (
        "relation_not_verified",
        "与父母母亲的家庭关系尚未核验",
    )


def test_an_ended_relation_cannot_draw(build, clerk, family):
    gjj_services.family_member_end(
        member=family["spouse"], ended_on=date(2025, 1, 1), actor=clerk, reason="离婚"
    )
    with pytest.raises(BusinessError) as err:
        build.purchase(
            family["buyer"], [("spouse", family["spouse"], "1000.00")], on=date(2025, 3, 1)
        )
    assert err.value.code == "relation_ended"


def test_a_relative_who_does_not_deposit_cannot_draw(build, clerk):
    buyer = build.person("买房人")
    fm = gjj_services.family_member_add(
        depositor=buyer,
        relation="parent",
        name="母亲",
        id_number=factories.id_number(date(1958, 1, 1), male=False),
        actor=clerk,
        evidence="户口簿",
    )
    with pytest.raises(BusinessError) as err:
        build.purchase(buyer, [("parent", fm, "1000.00")], on=date(2025, 3, 1))
    assert err.value.code == "member_not_depositor"


def test_another_buyers_relative_is_not_found(build, family):
    other = build.person("别人")
    with pytest.raises(BusinessError) as err:
        build.purchase(other, [("parent", family["parent"], "1000.00")], on=date(2025, 3, 1))
    assert err.value.code == "family_member_not_found"
    assert "members.0.family_member" in err.value.fields


def test_the_relation_named_must_be_the_recorded_one(build, family):
    with pytest.raises(BusinessError) as err:
        build.purchase(
            family["buyer"], [("child", family["parent"], "1000.00")], on=date(2025, 3, 1)
        )
    assert err.value.code == "relation_mismatch"


def test_a_member_named_twice_is_refused(build, family):
    with pytest.raises(BusinessError) as err:
        build.purchase(
            family["buyer"],
            [("parent", family["parent"], "100.00"), ("parent", family["parent"], "100.00")],
            on=date(2025, 3, 1),
        )
    assert err.value.code == "duplicate_member"


@pytest.mark.parametrize("amount", ["0.00", "-1.00", "10.005"])
def test_amounts_must_be_positive_fen(build, family, amount):
    with pytest.raises(BusinessError) as err:
        build.purchase(family["buyer"], [("self", None, amount)], on=date(2025, 3, 1))
    assert err.value.code == "invalid_amount"
    assert "members.0.amount" in err.value.fields


def test_the_preview_lists_who_may_draw_and_up_to_how_much(build, clerk, family):
    # Given the parent holds 50,000.00 and an unverified brother-in-law… a second parent
    stepmother = build.person("继母", male=False, birth=date(1960, 1, 1), balance="80000.00")
    build.relate(family["buyer"], stepmother, "parent", verify=False)
    # When the buyer previews a purchase on 2024-10-16 and on 2024-10-17
    kw = {
        "buyer": family["buyer"],
        "price": D("900000.00"),
        "loans_amount": D("800000.00"),
        "voucher_amount": D("30000.00"),
        "contract_date": date(2024, 9, 1),
    }
    before = selectors.purchase_limits(on=date(2024, 10, 16), **kw)
    after = selectors.purchase_limits(on=date(2024, 10, 17), **kw)
    # Then own funds are 70,000.00 and each verified member may draw min(balance, own funds)
    assert after.own_funds == D("70000.00")
    assert after.window_ends_on == date(2025, 9, 1)
    rows = [
        (c.relation, c.name, c.eligible, c.problem_code, c.max_amount) for c in after.candidates
    ]
    assert rows == [
        ("self", "买房人", True, "", D("50000.00")),
        ("spouse", "配偶", True, "", D("50000.00")),
        ("parent", "父亲", True, "", D("50000.00")),
        ("child", "女儿", True, "", D("50000.00")),
        ("parent", "继母", False, "relation_not_verified", D("0.00")),
    ]
    assert after.max_total == D("70000.00")
    assert [c.eligible for c in before.candidates] == [True, True, False, False, False]
    assert before.allowed_relations == ("self", "spouse")
