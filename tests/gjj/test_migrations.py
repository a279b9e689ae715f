"""Migrations freeze what they need, and their data steps can run again harmlessly.

A migration that imports project code loads whatever that code says today, not
what it said when the migration first ran; a fresh database would then differ
from one migrated step by step.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.db.migrations import RunPython
from django.db.migrations.loader import MigrationLoader

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

ROOT = Path(__file__).resolve().parents[2]
# Every top-level package of the project is app code a migration must not import.
PROJECT_PACKAGES = {p.parent.name for p in ROOT.glob("*/__init__.py")}
MIGRATION_FILES = sorted(
    path
    for path in ROOT.glob("*/migrations/*.py")
    if path.name != "__init__.py" and path.parts[-3] in PROJECT_PACKAGES
)


def _imported_modules(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.append(".")  # a relative import reaches into the app itself
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.append(str(node.args[0].value))
    return names


def test_migration_files_found() -> None:
    apps_with_migrations = {path.parts[-3] for path in MIGRATION_FILES}
    assert {"gjj", "loans", "withdrawals"} <= apps_with_migrations


@pytest.mark.parametrize("path", MIGRATION_FILES, ids=lambda p: f"{p.parts[-3]}.{p.stem}")
def test_migration_imports_no_project_code(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = [
        name
        for name in _imported_modules(tree)
        if name == "." or name.split(".")[0] in PROJECT_PACKAGES
    ]
    assert not offending, f"{path.relative_to(ROOT)} imports project code: {offending}"


def _data_steps() -> list[tuple[str, str, RunPython]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)  # files only, no database
    steps: list[tuple[str, str, RunPython]] = []
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        if app_label not in PROJECT_PACKAGES:
            continue
        steps.extend(
            (app_label, name, op) for op in migration.operations if isinstance(op, RunPython)
        )
    return steps


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in global_apps.get_models(include_auto_created=True)
    }


def test_data_steps_have_a_noop_reverse() -> None:
    steps = _data_steps()
    assert steps
    for app_label, name, op in steps:
        assert op.reversible, f"{app_label}.{name} cannot be unapplied"


@pytest.mark.django_db
def test_data_steps_are_idempotent() -> None:
    """Run every data step twice more on the migrated database: no row appears."""
    loader = MigrationLoader(connection)
    # The steps only read the connection from the editor; a real schema editor
    # cannot open inside the test's transaction on SQLite.
    editor = cast("BaseDatabaseSchemaEditor", SimpleNamespace(connection=connection))
    before = _row_counts()
    assert before["gjj.PolicyParameter"] > 0
    assert before["auth.Group"] == 4
    for app_label, name, op in _data_steps():
        state_apps = loader.project_state((app_label, name), at_end=True).apps
        for _ in range(2):
            op.code(state_apps, editor)
        assert _row_counts() == before, f"{app_label}.{name} added rows when run again"
