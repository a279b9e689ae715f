"""No money moves on one person's word: manual postings, remittance files, the entry admin.

Rules: domain.md §8 (Manual postings, Recusal).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from gjj import services
from gjj.domain import AuditAction, ManualPostingKind, ManualPostingStatus, Role
from gjj.errors import ActorNotAllowed, BusinessError
from gjj.ledger import manual_posting_approve, manual_posting_reject, manual_posting_request
from gjj.models import AccountEntry, AuditLog, EntryType, ManualPosting, ProvidentAccount
from gjj.remittance import remittance_import
from tests import factories
from tests.contract.world import db_state

pytestmark = pytest.mark.django_db

ON = date(2025, 3, 3)
CREDIT_CODE = "91140300MA0K9RDL80"


@pytest.fixture
def reviewer(db):
    return factories.make_staff("reviewer1", Role.REVIEWER)


@pytest.fixture
def holder(clerk):
    """张伟, with 1,000.00 from an opening transfer."""
    return factories.depositor(
        actor=clerk, name="张伟", balance=Decimal("1000.00"), account_number="140300000101"
    )


def balance(dep) -> Decimal:
    return ProvidentAccount.objects.get(depositor=dep).balance


def shown(resp) -> list[str]:
    return [str(m) for m in get_messages(resp.wsgi_request)]


def actions() -> list[str]:
    return list(AuditLog.objects.order_by("pk").values_list("action", flat=True))


def ask(clerk, dep, **kw):
    fields = {
        "account": dep.account,
        "kind": ManualPostingKind.SUPPLEMENT,
        "amount": Decimal("720.00"),
        "value_date": ON,
        "reason": "单位漏缴2025年1月",
        "reference": "BJ-2025-001",
        "actor": clerk,
    } | kw
    return manual_posting_request(**fields)


# --- the entry admin writes nothing ---------------------------------------------------


def test_the_entry_admin_has_no_add_view_for_a_clerk_or_the_superuser(client, clerk, holder):
    admin_user = factories.make_staff("admin", is_superuser=True)
    for user in (clerk, admin_user):
        # given
        client.force_login(user)
        before = db_state()
        # when: the add page, and a post to it
        page = client.get("/admin/gjj/accountentry/add/")
        posted = client.post(
            "/admin/gjj/accountentry/add/",
            {
                "account": holder.account.pk,
                "entry_type": EntryType.SUPPLEMENT,
                "amount": "999999.00",
                "value_date": "2025-03-03",
                "memo": "补缴",
            },
        )
        # then
        assert (page.status_code, posted.status_code) == (403, 403)
        assert db_state() == before
        assert balance(holder) == Decimal("1000.00")


# --- manual postings: a request, then a second person ----------------------------------


def test_a_manual_supplement_posts_only_when_a_reviewer_approves_it(clerk, reviewer, holder):
    # given: the clerk asks for 720.00
    request = ask(clerk, holder)
    assert (request.status, balance(holder)) == (ManualPostingStatus.REQUESTED, Decimal("1000.00"))
    # when: a reviewer approves
    manual_posting_approve(request=request, actor=reviewer, reason="凭证相符")
    # then: one 补缴 entry, the balance, and the trail
    request.refresh_from_db()
    assert request.status == ManualPostingStatus.POSTED
    assert (request.entry.entry_type, request.entry.amount) == (
        EntryType.SUPPLEMENT,
        Decimal("720.00"),
    )
    assert (request.entry.reference, request.entry.created_by) == ("BJ-2025-001", reviewer)
    assert request.decided_by == reviewer
    assert balance(holder) == Decimal("1720.00")
    assert actions()[-4:] == [
        AuditAction.MANUAL_POSTING_REQUESTED,
        AuditAction.ACCOUNT_ENTRY_POSTED,
        AuditAction.ACCOUNT_BALANCE_CHANGED,
        AuditAction.MANUAL_POSTING_APPROVED,
    ]


def test_the_requester_may_not_approve_his_own_request_even_holding_both_roles(holder, clerk):
    # given: one person who is both 经办 and 复核 asks
    both = factories.make_staff("both", Role.CLERK, Role.REVIEWER)
    request = ask(both, holder)
    before = db_state()
    # when
    with pytest.raises(ActorNotAllowed) as refused:
        manual_posting_approve(request=request, actor=both)
    # then
    assert (refused.value.code, refused.value.message) == (
        "four_eyes_required",
        "手工记账须由申请人以外的复核或审批岗位人员复核",
    )
    assert db_state() == before


@pytest.mark.parametrize("who", ["clerk2", "superuser"])
def test_only_a_reviewer_or_approver_may_approve(holder, clerk, who):
    # given: another clerk, or IT's superuser in no role group
    actor = (
        factories.make_staff("clerk2", Role.CLERK)
        if who == "clerk2"
        else factories.make_staff("admin", is_superuser=True)
    )
    request = ask(clerk, holder)
    before = db_state()
    # when
    with pytest.raises(ActorNotAllowed) as refused:
        manual_posting_approve(request=request, actor=actor)
    # then
    assert (refused.value.code, refused.value.message) == (
        "role_required",
        "只有“复核”或“审批”岗位人员可以办理“复核同意并记账”",
    )
    assert db_state() == before


def test_a_bare_superuser_may_not_ask_for_a_manual_posting(holder):
    admin_user = factories.make_staff("admin", is_superuser=True)
    before = db_state()
    with pytest.raises(ActorNotAllowed) as refused:
        ask(admin_user, holder)
    assert refused.value.code == "role_required"
    assert db_state() == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"reason": " "}, "reason_required"),
        ({"reference": ""}, "reference_required"),
        ({"amount": Decimal("-720.00")}, "invalid_amount"),  # a debit dressed as 补缴
        ({"amount": Decimal("0.001")}, "invalid_amount"),
    ],
)
def test_a_request_needs_a_reason_a_reference_and_a_proper_amount(holder, clerk, change, code):
    before = db_state()
    with pytest.raises(BusinessError) as refused:
        ask(clerk, holder, **change)
    assert refused.value.code == code
    assert db_state() == before


def test_withdrawal_type_entries_are_no_manual_kind(holder, clerk):
    # Withdrawal-type entries come only from withdrawal applications (domain.md §8).
    assert [k.value for k in ManualPostingKind] == ["supplement", "adjustment", "reversal"]
    before = db_state()
    for kind in (
        EntryType.PARTIAL_WITHDRAWAL,
        EntryType.CLOSING_WITHDRAWAL,
        EntryType.TRANSFER_OUT,
    ):
        with pytest.raises(BusinessError) as refused:
            ask(clerk, holder, kind=kind, amount=Decimal("-100.00"))
        assert refused.value.code == "withdrawal_not_manual"
    assert db_state() == before


def test_an_adjustment_that_would_overdraw_is_refused_on_approval(holder, clerk, reviewer):
    # given: 调账 of -1,500.00 against 1,000.00
    request = ask(clerk, holder, kind=ManualPostingKind.ADJUSTMENT, amount=Decimal("-1500.00"))
    before = db_state()
    # when
    with pytest.raises(BusinessError) as refused:
        manual_posting_approve(request=request, actor=reviewer)
    # then
    assert refused.value.code == "insufficient_balance"
    assert db_state() == before


def test_a_rejected_request_posts_nothing(holder, clerk, reviewer):
    request = ask(clerk, holder)
    manual_posting_reject(request=request, actor=reviewer, reason="凭证不符")
    request.refresh_from_db()
    assert (request.status, request.entry) == (ManualPostingStatus.REJECTED, None)
    assert balance(holder) == Decimal("1000.00")
    assert actions()[-1] == AuditAction.MANUAL_POSTING_REJECTED


# --- 冲账 is a request too ------------------------------------------------------------


def test_the_reverse_button_asks_for_a_reversal_that_a_reviewer_then_posts(
    client, clerk, reviewer, holder
):
    # given: the opening transfer of 1,000.00
    entry = AccountEntry.objects.get(account__depositor=holder)
    client.force_login(clerk)
    # when: the clerk presses 申请冲账
    resp = client.post(
        f"/admin/gjj/accountentry/{entry.pk}/reverse/",
        {
            "reverse-value_date": "2025-03-03",
            "reverse-reference": "CZ-2025-007",
            "reverse-reason": "重复入账",
        },
    )
    # then: a request, nothing posted
    assert shown(resp) == ["已提交冲账申请，待复核人员复核后记账"]
    request = ManualPosting.objects.get(reverses=entry)
    assert (request.kind, request.amount, request.status) == (
        ManualPostingKind.REVERSAL,
        Decimal("-1000.00"),
        ManualPostingStatus.REQUESTED,
    )
    assert not AccountEntry.objects.filter(reverses=entry).exists()
    assert balance(holder) == Decimal("1000.00")
    # and the button to approve is the reviewer's, not the clerk's
    client.force_login(clerk)
    assert "/approve/" not in client.get(f"/admin/gjj/manualposting/{request.pk}/change/").text
    client.force_login(reviewer)
    assert "/approve/" in client.get(f"/admin/gjj/manualposting/{request.pk}/change/").text
    # when: the reviewer approves
    resp = client.post(
        f"/admin/gjj/manualposting/{request.pk}/approve/", {"approve-reason": "凭证相符"}
    )
    # then
    assert shown(resp) == ["已复核同意并记账"]
    reversal = AccountEntry.objects.get(reverses=entry)
    assert (reversal.entry_type, reversal.amount) == (EntryType.REVERSAL, Decimal("-1000.00"))
    assert balance(holder) == Decimal("0.00")


def test_a_second_reversal_request_for_the_same_entry_is_refused(holder, clerk):
    entry = AccountEntry.objects.get(account__depositor=holder)
    kw = {"kind": ManualPostingKind.REVERSAL, "reverses": entry, "amount": None}
    ask(clerk, holder, **kw)
    before = db_state()
    with pytest.raises(BusinessError) as refused:
        ask(clerk, holder, **kw)
    assert refused.value.code == "reversal_requested"
    assert db_state() == before


# --- employer remittance files ----------------------------------------------------------


@pytest.fixture
def employer(clerk):
    return services.employer_create(
        name="阳泉市某机械有限公司", credit_code=CREDIT_CODE, actor=clerk
    )


@pytest.fixture
def staff_of(clerk, employer):
    """Two depositors of the employer, with empty accounts."""
    return [
        factories.depositor(
            actor=clerk,
            name=name,
            male=male,
            employer=employer,
            balance=Decimal("0.00"),
            account_number=number,
        )
        for name, male, number in (("张伟", True, "140300000201"), ("刘娜", False, "140300000202"))
    ]


GOOD = (
    f"H,{CREDIT_CODE},2025-03,2,2160.00\nD,140300000201,张伟,1440.00\nD,140300000202,刘娜,720.00\n"
).encode()


def test_a_remittance_file_posts_each_line_as_remittance(clerk, staff_of):
    # when
    result = remittance_import(content=GOOD, file_name="2025-03.csv", value_date=ON, actor=clerk)
    # then
    assert result.replayed is False
    assert [(e.entry_type, e.amount) for e in result.entries] == [
        (EntryType.REMITTANCE, Decimal("1440.00")),
        (EntryType.REMITTANCE, Decimal("720.00")),
    ]
    assert [balance(d) for d in staff_of] == [Decimal("1440.00"), Decimal("720.00")]
    assert (result.row.line_count, result.row.total, result.row.month) == (
        2,
        Decimal("2160.00"),
        "2025-03",
    )
    assert actions()[-1] == AuditAction.REMITTANCE_IMPORTED


def test_the_same_file_again_posts_nothing(clerk, staff_of):
    first = remittance_import(content=GOOD, file_name="a.csv", value_date=ON, actor=clerk)
    before = db_state()
    again = remittance_import(content=GOOD, file_name="copy.csv", value_date=ON, actor=clerk)
    assert (again.replayed, again.row.pk, again.entries) == (True, first.row.pk, ())
    assert db_state() == before


@pytest.mark.parametrize(
    ("content", "fields"),
    [
        (  # the header's total is not the lines'
            f"H,{CREDIT_CODE},2025-03,2,2160.01\nD,140300000201,张伟,1440.00\n"
            "D,140300000202,刘娜,720.00\n",
            {"line_1": ["total_mismatch"]},
        ),
        (  # the header's count is not the lines'
            f"H,{CREDIT_CODE},2025-03,3,2160.00\nD,140300000201,张伟,1440.00\n"
            "D,140300000202,刘娜,720.00\n",
            {"line_1": ["count_mismatch"]},
        ),
        (  # three decimals, and a month that is no month
            f"H,{CREDIT_CODE},2025-13,2,2160.00\nD,140300000201,张伟,1440.001\n"
            "D,140300000202,刘娜,720.00\n",
            {"line_1": ["invalid_month"], "line_2": ["invalid_amount"]},
        ),
        (  # a name that is not the account's, and an unknown account
            f"H,{CREDIT_CODE},2025-03,2,2160.00\nD,140300000201,张三,1440.00\n"
            "D,140300009999,刘娜,720.00\n",
            {"line_2": ["name_mismatch"], "line_3": ["unknown_account"]},
        ),
    ],
    ids=["total", "count", "format", "accounts"],
)
def test_a_file_with_any_bad_line_posts_nothing_and_names_each_line(
    clerk, staff_of, content, fields
):
    before = db_state()
    with pytest.raises(BusinessError) as refused:
        remittance_import(content=content.encode(), file_name="x.csv", value_date=ON, actor=clerk)
    assert refused.value.code == "remittance_invalid"
    assert {k: [e["code"] for e in v] for k, v in refused.value.fields.items()} == fields
    assert db_state() == before


def test_a_clerk_may_not_import_a_file_that_pays_his_own_household(clerk, staff_of):
    # given: 张伟 of the file works as 经办
    dep = staff_of[0]
    user = factories.make_staff("zhangwei", Role.CLERK)
    type(dep).objects.filter(pk=dep.pk).update(user=user)
    before = db_state()
    with pytest.raises(ActorNotAllowed) as refused:
        remittance_import(content=GOOD, file_name="x.csv", value_date=ON, actor=user)
    assert refused.value.code == "own_application"
    assert db_state() == before


def test_the_import_page_shows_the_posted_lines(client, clerk, reviewer, staff_of):
    # given: the page is the clerk's
    client.force_login(reviewer)
    assert client.get("/admin/gjj/remittanceimport/import/").status_code == 403
    client.force_login(clerk)
    # when
    resp = client.post(
        "/admin/gjj/remittanceimport/import/",
        {"file": SimpleUploadedFile("2025-03.csv", GOOD), "value_date": "2025-03-03"},
    )
    # then
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "已导入2笔汇缴" in text
    assert "140300000201" in text
    assert "1440.00" in text
    assert [balance(d) for d in staff_of] == [Decimal("1440.00"), Decimal("720.00")]
