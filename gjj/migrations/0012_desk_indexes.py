"""Indexes the clerks' lists and searches read on a city-sized book (PostgreSQL only).

Identifiers are searched exactly or by prefix: Django already gives each unique or indexed
CharField a ``varchar_pattern_ops`` twin (``…_like``) that ``LIKE 'x%'`` uses whatever the
collation; the columns below have none. Names are searched by trigram (pg_trgm) for three
characters or more, by prefix below that. The audit log is read per actor, newest
first (the start page's recent actions).
"""

from django.db import migrations

INDEXES = [
    ("gjj_depositor_name_prefix", "gjj_depositor (name varchar_pattern_ops)"),
    ("gjj_depositor_name_trgm", "gjj_depositor USING gin (name gin_trgm_ops)"),
    ("gjj_depositor_hukou_city", "gjj_depositor (hukou_city)"),
    ("gjj_auditlog_actor_recent", "gjj_auditlog (actor_id, id DESC)"),
    ("gjj_auditlog_repr_prefix", "gjj_auditlog (object_repr varchar_pattern_ops)"),
    # A name in an audit row's description (王芳（1403…）), three characters or more.
    ("gjj_auditlog_repr_trgm", "gjj_auditlog USING gin (object_repr gin_trgm_ops)"),
    ("gjj_accountentry_reference_prefix", "gjj_accountentry (reference varchar_pattern_ops)"),
    # The lists' date hierarchies read the first and last date, then probe each period.
    ("gjj_depositor_created_at", "gjj_depositor (created_at)"),
    ("gjj_accountentry_value_date", "gjj_accountentry (value_date)"),
    ("gjj_account_opened_on", "gjj_providentaccount (opened_on)"),
    ("gjj_pfloanrecord_issued_on", "gjj_pfloanrecord (issued_on)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
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
        ("gjj", "0011_household_facts"),
    ]

    operations = [migrations.RunPython(create, drop)]
