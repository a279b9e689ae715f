"""Grant the loan tables to the role groups (the groups come from gjj.0003).

Frozen here rather than imported, as a migration must be: 经办 accepts, signs,
disburses and records repayments; 复核 reviews; 审批 approves or rejects; all
three see applications and loans; 政策管理 has no part in loans. Which
transition a user may take is checked again by ``loans.services``.
"""

from django.db import migrations

from gjj import roles

C, R, A = roles.CLERK, roles.REVIEWER, roles.APPROVER
VIEW = {C: {"view"}, R: {"view"}, A: {"view"}}

LOANS_PERMISSIONS = {
    "loanapplication": {
        C: {"view", "accept", "sign", "disburse"},
        R: {"view", "review"},
        A: {"view", "approve"},
    },
    "applicationstatuschange": VIEW,
    "loan": VIEW,
    "scheduleversion": VIEW,
    "ratechange": VIEW,
    "repayment": {C: {"view", "add"}, R: {"view"}, A: {"view"}},
    "repaymentimport": {C: {"view", "add"}, R: {"view"}, A: {"view"}},
    "prepayment": {C: {"view", "add"}, R: {"view"}, A: {"view"}},
}


def grant(apps, schema_editor):
    roles.grant(apps, "loans", LOANS_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0001_initial"),
        ("gjj", "0003_role_groups"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
