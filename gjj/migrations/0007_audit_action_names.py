"""Audit actions take their ``<entity>.<past participle>`` names (``gjj.domain.AuditAction``).

The mapping is a frozen copy: it never follows later changes of the enum. Running
it twice changes nothing, since no new name is an old one.
"""

from django.db import migrations

RENAMES = {
    "employer_create": "employer.created",
    "depositor_create": "depositor.created",
    "account_open": "account.opened",
    "account_status_change": "account.status_changed",
    "account_balance_change": "account.balance_changed",
    "account_entry_post": "account_entry.posted",
    "account_entry_reverse": "account_entry.reversed",
    "family_member_add": "family_member.added",
    "family_member_verify": "family_member.verified",
    "family_member_end": "family_member.ended",
    "home_register": "home.registered",
    "home_dispose": "home.disposed",
    "pf_loan_record_add": "pf_loan_record.added",
    "pf_loan_record_settle": "pf_loan_record.settled",
    "special_group_grant": "special_group.granted",
    "special_group_revoke": "special_group.revoked",
    "policy_parameter_add": "policy_parameter.added",
    "policy_parameter_update": "policy_parameter.updated",
    "policy_rate_add": "policy_rate.added",
    "policy_check": "policy.checked",
    "applicant_signup": "applicant.signed_up",
    "api_login": "api_login.succeeded",
    "api_login_failed": "api_login.failed",
    "api_logout": "api_logout.succeeded",
    "loan_application_create": "loan_application.created",
    "loan_application_update": "loan_application.updated",
    "loan_application_submit": "loan_application.submitted",
    "loan_application_withdraw": "loan_application.withdrawn",
    "loan_application_accept": "loan_application.accepted",
    "loan_application_review": "loan_application.reviewed",
    "loan_application_approve": "loan_application.approved",
    "loan_application_reject": "loan_application.rejected",
    "loan_application_sign": "loan_application.signed",
    "loan_application_disburse": "loan_application.disbursed",
    "application_requote": "loan_application.requoted",
    "loan_disburse": "loan.disbursed",
    "loan_repayment": "loan.repaid",
    "loan_prepay": "loan.prepaid",
    "loan_settle": "loan.settled",
    "loan_repayments_import": "repayment_import.posted",
    "batch_run_start": "batch_run.started",
    "batch_run_close": "batch_run.closed",
    "batch_run_retry": "batch_run.retried",
    "withdrawal_create": "withdrawal.created",
    "withdrawal_submitted": "withdrawal.submitted",
    "withdrawal_accepted": "withdrawal.accepted",
    "withdrawal_approved": "withdrawal.approved",
    "withdrawal_rejected": "withdrawal.rejected",
    "withdrawal_cancelled": "withdrawal.cancelled",
    "withdrawal_member_consent": "withdrawal_member.consent_recorded",
    "withdrawal_member_dropped": "withdrawal_member.dropped",
    "withdrawal_payment_create": "withdrawal_payment.created",
}


def rename(apps, schema_editor):
    AuditLog = apps.get_model("gjj", "AuditLog")
    for old, new in RENAMES.items():
        AuditLog.objects.filter(action=old).update(action=new)


class Migration(migrations.Migration):
    dependencies = [
        ("gjj", "0006_local_city"),
        # That migration writes a policy row's audit row under its old name.
        ("withdrawals", "0002_four_eyes_threshold"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
