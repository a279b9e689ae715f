"""One purchase, one total (52号 art. 2; domain.md §8): every family draw for one home
shares price − all loans − 房票, less what is approved or in flight."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from gjj.errors import BusinessError
from gjj.models import AccountEntry, ProvidentAccount
from tests.factories.withdrawals import BANK
from withdrawals import selectors, services
from withdrawals.models import Purchase, WithdrawalApplication, WithdrawalStatus

ON = date(2025, 3, 3)
CONTRACT = "YQ-2025-000123"
# Own funds = 1,000,000 − 800,000 loans − 60,000 房票 = 140,000.
HOME = {
    "price": Decimal("1000000.00"),
    "loans_amount": Decimal("800000.00"),
    "voucher_amount": Decimal("60000.00"),
    "contract_date": date(2025, 1, 10),
    "property_address": "阳泉市城区桃北西街1号",
}


def apply(buyer, members, *, actor, number=CONTRACT, **home):
    return services.purchase_application_create(
        applicant=buyer,
        actor=actor,
        members=[
            services.MemberRequest(relation=rel, amount=Decimal(amount), family_member_id=fm)
            for rel, fm, amount in members
        ],
        purchase_number=number,
        on=ON,
        **{**HOME, **home},
        **BANK,
    )


def approve(app, *, clerk, approver):
    for m in app.members.filter(consent_status="pending"):
        services.member_consent_record(member=m, accepted=True, actor=clerk, evidence="授权书")
    services.withdrawal_submit(application=app, actor=clerk, on=ON)
    services.withdrawal_accept(application=app, actor=clerk, on=ON)
    return services.withdrawal_approve(application=app, actor=approver, on=ON)


def db_state():
    return (
        list(WithdrawalApplication.objects.values_list("pk", "status", "amount")),
        list(Purchase.objects.values_list("pk", "number")),
        AccountEntry.objects.count(),
        list(ProvidentAccount.objects.values_list("pk", "balance").order_by("pk")),
    )


@pytest.mark.django_db
def test_zhang_wei_third_draw_for_one_home_is_refused(build, clerk, approver, approver2):
    # Given 张伟, his father and his wife, each a depositor with 100,000.00
    zhang = build.person("张伟", balance="100000.00")
    father = build.person("张父", balance="100000.00", birth=date(1955, 1, 1))
    wife = build.person("李娜", balance="100000.00", male=False)
    build.relate(zhang, wife, "spouse")
    father_fm = build.relate(zhang, father, "parent")
    # And 张伟 drew 60,000 and then 80,000 (with his father's account) for contract YQ-2025-000123
    approve(apply(zhang, [("self", None, "60000.00")], actor=clerk), clerk=clerk, approver=approver)
    second = apply(zhang, [("parent", father_fm.pk, "80000.00")], actor=clerk)
    approve(second, clerk=clerk, approver=approver2)
    room = selectors.purchase_room(purchase=Purchase.objects.get(number=CONTRACT))
    assert (room.own_funds, room.approved, room.remaining) == (
        Decimal("140000.00"),
        Decimal("140000.00"),
        Decimal("0.00"),
    )
    before = db_state()
    # When his wife applies for 50,000 in her own application for the same contract
    with pytest.raises(BusinessError) as refused:
        apply(wife, [("self", None, "50000.00")], actor=clerk, number=" yq-2025-000123 ")
    # Then it is refused for the purchase's room, and nothing changed
    assert refused.value.code == "purchase_room_exceeded"
    assert "剩余可提取额度0.00元" in refused.value.message
    assert db_state() == before


@pytest.mark.django_db
def test_in_flight_draws_count_and_the_same_number_finds_the_same_purchase(build, clerk):
    # Given 张伟 has 100,000.00 submitted (in flight) for the contract
    zhang = build.person("张伟", balance="100000.00")
    wife = build.person("李娜", balance="100000.00", male=False)
    build.relate(zhang, wife, "spouse")
    first = apply(zhang, [("self", None, "100000.00")], actor=clerk)
    services.withdrawal_submit(application=first, actor=clerk, on=ON)
    # When his wife asks for 40,000.00 and then 40,000.01 for the same contract
    before = db_state()
    with pytest.raises(BusinessError) as refused:
        apply(wife, [("self", None, "40000.01")], actor=clerk)
    assert db_state() == before
    ok = apply(wife, [("self", None, "40000.00")], actor=clerk)
    # Then one cent over the 40,000.00 left is refused, and the exact rest is accepted
    assert refused.value.code == "purchase_room_exceeded"
    assert ok.purchase_id == first.purchase_id
    assert Purchase.objects.count() == 1


@pytest.mark.django_db
def test_conflicting_figures_or_another_family_are_refused(build, clerk):
    # Given the contract recorded by 张伟
    zhang = build.person("张伟", balance="100000.00")
    wife = build.person("李娜", balance="100000.00", male=False)
    stranger = build.person("王五", balance="100000.00")
    build.relate(zhang, wife, "spouse")
    apply(zhang, [("self", None, "10000.00")], actor=clerk)
    before = db_state()
    # When his wife states another price, or a stranger uses the number
    with pytest.raises(BusinessError) as conflict:
        apply(wife, [("self", None, "10000.00")], actor=clerk, price=Decimal("900000.00"))
    with pytest.raises(BusinessError) as other:
        apply(stranger, [("self", None, "10000.00")], actor=clerk)
    # Then both are refused, naming the recorded figure, and nothing changed
    assert conflict.value.code == "purchase_conflict"
    assert conflict.value.fields == {
        "price": [{"code": "purchase_conflict", "message": "与已登记的房屋总价1000000.00不一致"}]
    }
    assert other.value.code == "purchase_other_household"
    assert db_state() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_approvals_racing_for_the_last_room_cannot_both_succeed(build, clerk, approver):
    # Given two accepted applications for one home whose own funds (140,000.00) cover
    # either draw of 80,000.00 but not both (entered before purchases were shared)
    zhang = build.person("张伟", balance="100000.00")
    wife = build.person("李娜", balance="100000.00", male=False)
    build.relate(zhang, wife, "spouse")
    apps = []
    for person in (zhang, wife):
        app = apply(person, [("self", None, "80000.00")], actor=clerk, number=None)
        services.withdrawal_submit(application=app, actor=clerk, on=ON)
        apps.append(services.withdrawal_accept(application=app, actor=clerk, on=ON))
    shared = Purchase.objects.get(pk=apps[0].purchase_id)
    shared.number = CONTRACT
    shared.save(update_fields=["number"])
    WithdrawalApplication.objects.filter(pk=apps[1].pk).update(purchase=shared)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(app: WithdrawalApplication) -> None:
        try:
            barrier.wait()
            services.withdrawal_approve(application=app, actor=approver, on=ON)
            result = "ok"
        except BusinessError as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    # When both are approved at the same moment
    threads = [threading.Thread(target=run, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then one is paid and the other refused for the room, still accepted and unpaid
    assert sorted(outcomes) == ["ok", "purchase_room_exceeded"]
    statuses = sorted(WithdrawalApplication.objects.values_list("status", flat=True))
    assert statuses == [WithdrawalStatus.ACCEPTED, WithdrawalStatus.APPROVED]
    room = selectors.purchase_room(purchase=shared, in_flight=False)
    assert (room.approved, room.remaining) == (Decimal("80000.00"), Decimal("60000.00"))
    assert sum(a.balance for a in ProvidentAccount.objects.all()) == Decimal("120000.00")
