"""The withdrawal desk: a case moves through its page's buttons, shown only to whom may use them."""

from __future__ import annotations

from datetime import date

import pytest

from gjj.models import AuditLog
from tests.export_support import csv_rows, export
from tests.factories import make_staff
from withdrawals import services
from withdrawals.models import StatusChange, WithdrawalApplication, WithdrawalStatus

pytestmark = pytest.mark.django_db

URL = "/admin/withdrawals/withdrawalapplication/"
ON = date(2025, 3, 3)


def page(client, user, app) -> str:
    client.force_login(user)
    return client.get(f"{URL}{app.pk}/change/").content.decode()


def buttons(html: str, app) -> set[str]:
    """The step buttons on the page, by the URL each posts to."""
    slugs = ("submit", "accept", "approve", "reject", "cancel")
    return {s for s in slugs if f'action="{URL}{app.pk}/{s}/"' in html}


def state(app) -> tuple:
    app.refresh_from_db()
    return (
        app.status,
        app.accepted_by_id,
        StatusChange.objects.filter(application=app).count(),
        AuditLog.objects.count(),
    )


@pytest.fixture
def submitted(build, clerk):
    app = build.rental(build.person("王芳"), "1000.00", on=ON)
    return services.withdrawal_submit(application=app, actor=clerk, on=ON)


def test_each_role_sees_only_the_steps_it_may_take_now(
    client, clerk, approver, submitted, django_user_model
):
    # given a submitted rental withdrawal, a reviewer and a superuser without a business role
    reviewer = make_staff("desk-reviewer", "复核")
    root = django_user_model.objects.create_superuser("desk-root", "", "x")
    # when each opens the case / then: the clerk may accept, refuse or withdraw it for the
    # applicant; the approver may only refuse it before acceptance; the others see no step
    assert buttons(page(client, clerk, submitted), submitted) == {"accept", "reject", "cancel"}
    assert buttons(page(client, approver, submitted), submitted) == {"reject"}
    assert buttons(page(client, reviewer, submitted), submitted) == set()
    su_html = page(client, root, submitted)
    assert buttons(su_html, submitted) == set()
    assert "gjj-object-actions" not in su_html


def test_a_case_walks_through_its_buttons_and_a_wrong_role_changes_nothing(
    client, clerk, approver, submitted
):
    # given the approver posts the clerk's 受理 button
    before = state(submitted)
    client.force_login(approver)
    refused = client.post(f"{URL}{submitted.pk}/accept/")
    # then it is refused and nothing changed
    assert refused.status_code == 403
    assert state(submitted) == before

    # when the clerk accepts through the button
    client.force_login(clerk)
    resp = client.post(f"{URL}{submitted.pk}/accept/", follow=True)
    # then the case is accepted by the clerk, said in Chinese, and the clerk's buttons change
    assert "已受理" in resp.content.decode()
    submitted.refresh_from_db()
    assert (submitted.status, submitted.accepted_by) == (WithdrawalStatus.ACCEPTED, clerk)
    assert buttons(resp.content.decode(), submitted) == {"cancel"}

    # when the approver approves with an opinion
    client.force_login(approver)
    assert buttons(page(client, approver, submitted), submitted) == {"approve", "reject"}
    resp = client.post(f"{URL}{submitted.pk}/approve/", {"approve-reason": "材料齐全"}, follow=True)
    # then it is approved and paid, and no step is left on its page
    assert "已核准并支付" in resp.content.decode()
    submitted.refresh_from_db()
    assert (submitted.status, submitted.decision_reason) == (WithdrawalStatus.APPROVED, "材料齐全")
    assert submitted.payment.amount == submitted.amount
    assert buttons(resp.content.decode(), submitted) == set()


def test_rejecting_through_the_button_needs_a_reason(client, clerk, approver, submitted):
    client.force_login(clerk)
    before = state(submitted)
    resp = client.post(f"{URL}{submitted.pk}/reject/", {"reject-reason": ""}, follow=True)
    assert "不予提取原因：该字段是必填项" in resp.content.decode()
    assert state(submitted) == before
    resp = client.post(f"{URL}{submitted.pk}/reject/", {"reject-reason": "租赁合同无效"})
    assert resp.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.decision_reason) == (
        WithdrawalStatus.REJECTED,
        "租赁合同无效",
    )


def test_list_and_page_speak_chinese_with_one_money_format(client, build, clerk, submitted):
    # given an accepted case by a clerk with a name
    clerk.first_name = "王经办"
    clerk.save()
    services.withdrawal_accept(application=submitted, actor=clerk, on=ON)
    client.force_login(clerk)
    # when the clerk opens the list and the case
    listing = client.get(URL).content.decode()
    html = page(client, clerk, submitted)
    # then no English column, the deadline columns come before the applicant's,
    # and money reads 1,000.00
    assert "applicant id" not in listing.lower()
    headers = listing[listing.index('id="result_list"') :]
    assert headers.index("办结期限") < headers.index("逾期") < headers.index("申请人")
    assert "1,000.00" in listing
    # the history and the audit in words, by the person's name, never the status codes
    assert "草稿 → 已提交" in html
    assert "已提交 → 已受理" in html
    assert "→ submitted" not in html
    assert "draft →" not in html
    assert "王经办" in html
    # the snapshot at submission as a table with Chinese keys and formatted money
    assert "年度额度（元）" in html
    assert "15,000.00" in html
    assert "in_flight" not in html


def test_export_names_the_people_not_their_log_ins(client, clerk, submitted):
    clerk.first_name = "王经办"
    clerk.save()
    services.withdrawal_accept(application=submitted, actor=clerk, on=ON)
    client.force_login(clerk)
    header, *rows = csv_rows(export(client, URL, "csv"))
    assert [row[header.index("受理人")] for row in rows] == ["王经办"]
    assert WithdrawalApplication.objects.count() == 1
