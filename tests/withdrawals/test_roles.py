"""Role groups get the withdrawal permissions from the data migration."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

pytestmark = pytest.mark.django_db


def perms(role: str) -> set[str]:
    return set(
        Group.objects.get(name=role)
        .permissions.filter(content_type__app_label="withdrawals")
        .values_list("codename", flat=True)
    )


def test_clerks_accept_and_record_consents_approvers_decide_reviewers_view():
    views = {
        "view_withdrawalapplication",
        "view_withdrawalmember",
        "view_withdrawalpayment",
        "view_statuschange",
    }
    assert perms("经办") == views | {
        "accept_withdrawalapplication",
        "recordconsent_withdrawalmember",
    }
    assert perms("审批") == views | {"decide_withdrawalapplication"}
    assert perms("复核") == views
    assert perms("政策管理") == set()
    # Nobody may add, change or delete rows directly: the services do
    assert not any(p.startswith(("add_", "change_", "delete_")) for p in perms("经办"))
