"""Health endpoint, production settings and log masking."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from gjj.logging import MaskPIIFilter
from gjj.masking import mask_text
from gjj.selectors import policy_in_force, today_local

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_health_names_database_broker_and_policy(client, settings):
    resp = client.get("/api/v1/health/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert body["database"] == connection.vendor
    assert body["broker"] == settings.CELERY_BROKER_URL.split("://")[0]
    # the latest change in force today: the provisional rows of 2026-12-01 (gjj.0010)
    assert body["policy_version"] == policy_in_force(on=today_local()).version
    assert body["measure"] == "阳政办发〔2024〕52号"
    assert isinstance(body["measure_days_left"], int)


def _run_settings(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    proc = _run_settings({"DEBUG": "0", "ALLOWED_HOSTS": "gjj.example.cn"}, "check")
    assert proc.returncode != 0
    assert "SECRET_KEY" in proc.stderr


def test_production_refuses_a_weak_secret_key():
    proc = _run_settings(
        {"DEBUG": "0", "ALLOWED_HOSTS": "gjj.example.cn", "SECRET_KEY": "short"}, "check"
    )
    assert proc.returncode != 0
    assert "SECRET_KEY" in proc.stderr


def test_production_settings_pass_the_deploy_check():
    proc = _run_settings(
        {
            "DEBUG": "0",
            "ALLOWED_HOSTS": "gjj.example.cn",
            "SECRET_KEY": "q8#v!2kz-7Lm@pR4xY9sW1eT6uB0nC3jH5fG8dA2sK7lZ4vX+Qw3Er5Ty",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pii_is_masked_in_logs():
    text = "身份证140302199003150011 手机13803530001 卡号6217000010001234567"
    assert mask_text(text) == "身份证140302********0011 手机138****0001 卡号6217****4567"
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "申请人 %s", ("140302199003150011",), None
    )
    assert MaskPIIFilter().filter(record) is True
    assert record.getMessage() == "申请人 140302********0011"


@pytest.mark.django_db
def test_unknown_api_paths_answer_in_the_error_format(client):
    resp = client.get("/api/v1/no-such-thing/")
    assert resp.status_code == 404
    assert resp.json() == {"code": "not_found", "message": "未找到", "fields": {}}


@pytest.mark.django_db
def test_django_refusals_on_api_paths_answer_in_the_error_format(client):
    # Given a request for a host the site does not serve (Django refuses it
    # before any view)
    resp = client.get("/api/v1/health/", HTTP_HOST="elsewhere.example")
    # Then the refusal is the API's 400, not Django's HTML page
    assert resp.status_code == 400
    assert resp.json() == {"code": "bad_request", "message": "请求无效", "fields": {}}
    # And outside the API it stays Django's page
    assert client.get("/admin/", HTTP_HOST="elsewhere.example").status_code == 400
