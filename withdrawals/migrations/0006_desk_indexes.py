"""Indexes of the withdrawal lists on a city-sized book (PostgreSQL only).

The list reads the nearest decision deadline first, the start page the nearest among the
accepted cases and this month's payments; the date hierarchy reads applied_on by index.
"""

from django.db import migrations

INDEXES = [
    (
        "withdrawal_list_order",
        "withdrawals_withdrawalapplication (decision_due_on ASC NULLS LAST, id DESC)",
    ),
    (
        "withdrawal_awaiting_deadline",
        "withdrawals_withdrawalapplication (decision_due_on, id) WHERE status = 'accepted'",
    ),
    ("withdrawal_applied_on", "withdrawals_withdrawalapplication (applied_on)"),
    ("withdrawal_payment_paid_on", "withdrawals_withdrawalpayment (paid_on)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for name, target in INDEXES:
            cur.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for name, _ in INDEXES:
            cur.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("withdrawals", "0005_purchases"),
        ("gjj", "0012_desk_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
