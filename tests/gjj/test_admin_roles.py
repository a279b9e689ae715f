"""Each role group sees and does only its part in the admin; no object page edits a row."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from stdnum.cn import uscc

from gjj import services as gjj_services
from gjj.calendar import holiday_add
from gjj.domain import ManualPostingKind, Role
from gjj.drafts import policy_draft_create
from gjj.ledger import manual_posting_request
from gjj.models import AuditLog, Depositor, Home, PolicyParameter
from tests import factories
from tests.export_support import export, export_url
from withdrawals import services as withdrawal_services

pytestmark = pytest.mark.django_db

C, R, A, P = Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.POLICY_ADMIN
APPS = ("gjj", "loans", "withdrawals")
LISTS = sorted(
    f"{m._meta.app_label}/{m._meta.model_name}"
    for m in admin.site._registry
    if m._meta.app_label in APPS
)
EXPORTING = (
    "gjj/depositor",
    "gjj/providentaccount",
    "gjj/accountentry",
    "gjj/auditlog",
    "loans/loanapplication",
    "loans/loan",
    "withdrawals/withdrawalapplication",
)
# What 政策管理 may open: the policy tables and the audit log, nothing of the cases.
POLICY_LISTS = {
    "gjj/auditlog",
    "gjj/policyparameter",
    "gjj/loanrate",
    "gjj/holiday",
    "gjj/policydraft",
}
# Drafts of future policy are the policy role's alone.
POLICY_ONLY = {"gjj/policydraft"}
# Where each role is offered an add page (the services create the row).
ADDS = {
    C: {
        "gjj/employer",
        "gjj/depositor",
        "gjj/providentaccount",
        "gjj/manualposting",  # ledger entries only through a request a second person approves
        "gjj/familymember",
        "gjj/home",
        "gjj/pfloanrecord",
        "gjj/specialgroupmembership",
    },
    R: set(),
    A: set(),
    P: {"gjj/policyparameter", "gjj/loanrate", "gjj/holiday", "gjj/policydraft"},
}
# The actions each role is offered on each list; every other list offers none.
ACTIONS = {
    C: {
        "gjj/familymember": ["verify"],
        "loans/loanapplication": ["action_accept", "action_disburse", "action_sign"],
        # 不予受理 of a submitted case is the clerk's too (withdrawals.services)
        "withdrawals/withdrawalapplication": ["accept", "reject"],
        "withdrawals/withdrawalmember": ["record_accept", "record_decline"],
    },
    R: {"loans/loanapplication": ["action_review"]},
    A: {
        "loans/loanapplication": ["action_approve", "action_reject"],
        "withdrawals/withdrawalapplication": ["approve", "reject"],
    },
    P: {},
}


def url(name: str, suffix: str = "") -> str:
    return f"/admin/{name}/{suffix}"


def offered_actions(html: str) -> list[str]:
    select = re.search(r'<select name="action"[^>]*>(.*?)</select>', html, re.S)
    if select is None:
        return []
    return sorted(v for v in re.findall(r'<option value="([^"]*)"', select.group(1)) if v)


def editable_controls(html: str) -> list[str]:
    """Named form controls a user could change (hidden fields and buttons are not)."""
    found = []
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        name = re.search(r'\bname="([^"]*)"', tag)
        kind = re.search(r'\btype="([^"]*)"', tag)
        if name and not (kind and kind.group(1) in ("hidden", "submit", "button")):
            found.append(name.group(1))
    return found


@pytest.fixture
def role_user(make_staff):
    made: dict[str, Any] = {}

    def get(role: str):
        if role not in made:
            made[role] = make_staff(f"user-{len(made)}", role)
        return made[role]

    return get


@pytest.mark.parametrize("role", list(Role))
def test_each_role_opens_exactly_its_lists_and_exports(client, role_user, role):
    # Given a user in one role group
    client.force_login(role_user(role))
    may_see = set(LISTS) - POLICY_ONLY if role != P else POLICY_LISTS

    # When they open every list of the center and every export
    seen = {name for name in LISTS if client.get(url(name)).status_code == 200}
    refused = {name for name in LISTS if client.get(url(name)).status_code == 403}
    exports = {name for name in EXPORTING if client.get(export_url(url(name))).status_code == 200}

    # Then they see exactly the lists of their part, are refused the others,
    # and may export exactly the lists they see
    assert seen == may_see
    assert refused == set(LISTS) - may_see
    assert exports == set(EXPORTING) & may_see


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_offered_exactly_its_adds_and_actions(
    client, role_user, role, every_kind_of_row
):
    # Given rows in the lists (a list without rows offers no actions) and a user in one role
    client.force_login(role_user(role))
    visible = [n for n in LISTS if client.get(url(n)).status_code == 200]

    # When they open the add page and the action menu of every list they see
    adds = {n for n in visible if client.get(url(n, "add/")).status_code == 200}
    actions = {n: offered_actions(client.get(url(n)).content.decode()) for n in visible}

    # Then the adds and actions are exactly those of their part
    assert adds == ADDS[role]
    assert {n: a for n, a in actions.items() if a} == ACTIONS[role]


def test_a_policy_user_is_refused_the_loan_queue(client, role_user):
    client.force_login(role_user(P))
    assert client.get("/admin/loans/loanapplication/").status_code == 403
    assert export(client, "/admin/loans/loanapplication/", "csv").status_code == 403


def test_a_reviewer_may_neither_add_nor_change_a_depositor(client, role_user, clerk):
    # Given a depositor and a 复核 user
    dep = factories.depositor(actor=clerk, name="张伟", balance=None)
    client.force_login(role_user(R))
    change = url("gjj/depositor", f"{dep.pk}/change/")

    # When the reviewer opens the add page, posts a new depositor and posts a change
    new_number = factories.id_number(date(1992, 1, 1))
    add_get = client.get(url("gjj/depositor", "add/")).status_code
    add_post = client.post(
        url("gjj/depositor", "add/"), {"name": "新人", "id_number": new_number}
    ).status_code
    change_post = client.post(change, {"name": "改名"}).status_code
    page = client.get(change)

    # Then all three are refused, nothing is written, and the page is read-only
    assert (add_get, add_post, change_post) == (403, 403, 403)
    assert not Depositor.objects.filter(id_number=new_number).exists()
    assert Depositor.objects.get(pk=dep.pk).name == "张伟"
    assert page.status_code == 200
    assert editable_controls(page.content.decode()) == []
    assert 'name="_save"' not in page.content.decode()


def test_a_clerk_may_not_change_a_policy_parameter(client, clerk):
    # Given a policy row in force and a 经办 user
    row = PolicyParameter.objects.order_by("pk").first()
    assert row is not None
    before = (row.value, row.effective_from, row.effective_to)
    client.force_login(clerk)
    change = url("gjj/policyparameter", f"{row.pk}/change/")

    # When the clerk opens the row and posts a new value
    page = client.get(change)
    post = client.post(change, {"value": "999", "effective_from": "2020-01-01"})

    # Then the page is read-only, the post is refused and the row is as it was
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    row.refresh_from_db()
    assert (row.value, row.effective_from, row.effective_to) == before
    assert client.get(url("gjj/policyparameter", "add/")).status_code == 403


def test_a_reviewer_may_not_verify_family_relations(client, role_user, clerk):
    # Given an unverified relation of a depositor
    dep = factories.depositor(actor=clerk, name="张伟", balance=None)
    member = gjj_services.family_member_add(
        depositor=dep,
        relation="spouse",
        name="刘娜",
        id_number=factories.id_number(date(1991, 6, 1), male=False),
        evidence="结婚证",
        actor=clerk,
    )

    # When a 复核 user posts the clerk's verify action
    client.force_login(role_user(R))
    client.post(url("gjj/familymember"), {"action": "verify", "_selected_action": [member.pk]})

    # Then nothing is verified and nothing audited
    member.refresh_from_db()
    assert member.verified_at is None
    assert not AuditLog.objects.filter(action="family_member.verified").exists()


def test_a_clerk_who_may_change_a_home_still_edits_nothing(client, clerk):
    # Given a home registered through the service; 经办 holds change_home
    dep = factories.depositor(actor=clerk, name="张伟", balance=None)
    home = factories.home(dep, clerk)
    client.force_login(clerk)
    change = url("gjj/home", f"{home.pk}/change/")

    # When the clerk opens the home and posts another address
    page = client.get(change).content.decode()
    client.post(change, {"address": "别处", "city": "太原", "registered_on": "2020-01-01"})

    # Then the row's form has no editable field (the 处置房产 button posts its own
    # form, to its service) and the home is as registered
    row_form, object_actions = page.split('id="gjj-object-actions"')
    assert editable_controls(row_form) == []
    assert editable_controls(object_actions) == ["dispose-disposed_on", "dispose-reason"]
    assert Home.objects.get(pk=home.pk).address == "阳泉市郊区荫营镇2号"


def test_no_admin_form_has_an_editable_field_for_a_saved_row(django_user_model):
    # Given a superuser, who holds every permission
    request = RequestFactory().get("/")
    request.user = django_user_model.objects.create_superuser("root", password="Root-pass-2024!")

    # When every model page of the center builds its form and inline forms for a saved row
    editable: dict[str, list[str]] = {}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in APPS:
            continue
        obj = model(pk=1)
        form = model_admin.get_form(request, obj, change=True)
        fields = list(form.base_fields)
        for inline in model_admin.get_inline_instances(request, obj):
            fields += [
                f"{inline.model._meta.model_name}.{f}"
                for f in inline.get_formset(request, obj).form.base_fields
            ]
        if fields:
            editable[model._meta.label] = fields

    # Then none has a field to edit: the services own every value
    assert editable == {}


@pytest.fixture
def every_kind_of_row(clerk, approver_user):
    """One row of each main table, made through the services."""
    staff = factories.make_team("rows")
    gjj_services.employer_create(
        name="阳泉某公司",
        credit_code="91140300MA0K12345" + uscc.calc_check_digit("91140300MA0K12345"),
        actor=clerk,
    )
    dep = factories.applicant(staff.clerk, name="张伟")
    wife = factories.spouse_of(dep, staff.clerk)
    factories.home(dep, staff.clerk)
    holiday_add(
        day=date(2099, 1, 1),
        kind="holiday",
        name="元旦",
        document="国务院办公厅关于2099年部分节假日安排的通知",
        actor=factories.make_staff("rows-policy", Role.POLICY_ADMIN),
    )
    manual_posting_request(
        account=dep.account,
        kind=ManualPostingKind.SUPPLEMENT,
        amount=Decimal("720.00"),
        value_date=date(2025, 3, 3),
        reason="单位漏缴",
        reference="BJ-2025-001",
        actor=clerk,
    )
    gjj_services.special_group_grant(
        depositor=wife, group="youth", evidence="认定文件", valid_from=date(2024, 1, 1), actor=clerk
    )
    factories.advance(factories.draft(dep), staff, to="disburse")
    tenant = factories.applicant(staff.clerk, name="王芳", male=False)
    app = withdrawal_services.rental_application_create(
        applicant=tenant,
        actor=clerk,
        amount=Decimal("1000.00"),
        period_type="yearly",
        period_index=1,
        bank_name="中国建设银行阳泉分行",
        bank_account="6217000010001234567",
        on=date(2025, 3, 3),
    )
    app = withdrawal_services.withdrawal_submit(application=app, actor=clerk, on=date(2025, 3, 3))
    app = withdrawal_services.withdrawal_accept(application=app, actor=clerk, on=date(2025, 3, 3))
    withdrawal_services.withdrawal_approve(
        application=app, actor=approver_user, on=date(2025, 3, 3)
    )
    policy_draft_create(title="2027年贷款额度调整", actor=factories.make_staff("drafter", P))


@pytest.fixture
def approver_user(make_staff):
    return make_staff("approver-rows", A)


def test_no_object_page_offers_a_field_to_edit(client, django_user_model, every_kind_of_row):
    # Given one row of each table
    root = django_user_model.objects.create_superuser("root", password="Root-pass-2024!")
    client.force_login(root)
    models = [apps.get_model(*name.split("/")) for name in LISTS]
    rows = {m._meta.label: m._default_manager.order_by("pk").first() for m in models}
    # made by files, the night batch and the applicants' 冲还贷 authorisations
    missing = {
        "loans.RepaymentImport",
        "loans.BatchRun",
        "gjj.RemittanceImport",
        "loans.LoanServicing",
        "loans.BankDeductionFile",
        "loans.BankDeductionLine",
        "loans.BankResultImport",
        "loans.RepaymentAuthorization",
    }
    assert {label for label, row in rows.items() if row is None} == missing

    # When a superuser opens each row's page
    pages = {
        label: client.get(f"/admin/{row._meta.app_label}/{row._meta.model_name}/{row.pk}/change/")
        for label, row in rows.items()
        if row is not None
    }

    # Then every page opens and none has a control that edits the row
    assert {label: p.status_code for label, p in pages.items() if p.status_code != 200} == {}
    editable = {label: editable_controls(p.content.decode()) for label, p in pages.items()}
    assert {label: names for label, names in editable.items() if names} == {}
