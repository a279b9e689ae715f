"""Indexes of the loan lists on a city-sized book (PostgreSQL only).

The application list reads the nearest deadline first, the start page the nearest among
the cases awaiting a decision and this month's decisions; the date hierarchy and the
tier filter read their columns by index.
"""

from django.db import migrations

INDEXES = [
    (
        "loan_app_list_order",
        "loans_loanapplication (deadline_on ASC NULLS LAST, id DESC)",
    ),
    # The start page's nearest deadlines among the cases awaiting a decision
    # (loans.selectors.AWAITING_DECISION as of this migration).
    (
        "loan_app_awaiting_deadline",
        "loans_loanapplication (deadline_on, id) WHERE status IN ('accepted', 'reviewed')",
    ),
    ("loan_app_submitted_on", "loans_loanapplication (submitted_on)"),
    ("loan_app_decided_on", "loans_loanapplication (decided_on)"),
    # The lists' filters over plain columns walk these for the values present.
    ("loan_app_home_tier", "loans_loanapplication (home_tier)"),
    ("loan_home_tier", "loans_loan (home_tier)"),
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
        ("loans", "0006_policy_fidelity"),
        ("gjj", "0012_desk_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
