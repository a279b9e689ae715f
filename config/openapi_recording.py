"""Record the OpenAPI examples' answers by asking the server itself.

The request examples are written by hand in each app's ``openapi_examples``;
their answers are not. ``record()`` seeds the demo households, then walks the
documented stories through the real endpoints on a fixed clock (and the error
cases beside them), and returns every answer by app and example key. It runs
in one transaction that is always rolled back. ``manage.py openapi_examples``
writes the result to ``config/openapi_examples/<app>.json``, which the apps'
example modules read; tests/contract/test_openapi_examples.py records again
and compares, so a changed message fails until the command is rerun.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gjj import openapi_examples as gjj_examples
from gjj import services as gjj_services
from gjj.domain import Role
from gjj.management.commands.seed_demo import DEMO_PASSWORD as PASSWORD
from gjj.models import Depositor, FamilyMember, LoanRate, Relation
from gjj.openapi_examples import RECORDED_DIR
from gjj.selectors import policy_cache_clear
from gjj.throttling import FixedWindowScopedThrottle
from loans import openapi_examples as loan_examples
from loans.quote_api import EXAMPLE_REQUEST
from withdrawals import openapi_examples as withdrawal_examples

APPS = ("gjj", "loans", "withdrawals")
LOCAL = ZoneInfo(settings.TIME_ZONE)
APPLICATIONS = "/api/v1/loans/applications"
WITHDRAWALS = "/api/v1/withdrawals"


class RecordingError(RuntimeError):
    """A step of the story did not answer as documented."""


class Clock:
    """The server's "now": set per step, a little later at each reading.

    Readings move on so that timestamps are distinct and ordered, yet the same
    on every run.
    """

    STEP = timedelta(seconds=3, microseconds=517)

    def __init__(self) -> None:
        self.current = datetime(2026, 3, 1, 9, 0, tzinfo=LOCAL)

    def set(self, moment: str) -> None:
        self.current = datetime.fromisoformat(moment).replace(tzinfo=LOCAL)

    def now(self) -> datetime:
        self.current += self.STEP
        return self.current.astimezone(ZoneInfo("UTC"))


def _first_and_last(rows: list[Any]) -> list[Any]:
    """A long schedule as its first three installments and its last."""
    return [*rows[:3], rows[-1]] if len(rows) > 4 else rows


def _restart_ids() -> None:
    """Let new rows take the ids a freshly migrated database gives.

    Inside a test run, earlier tests have used up ids (PostgreSQL's sequences
    ignore rollbacks; a flush keeps SQLite's counters), while the examples show
    the ids of the demo data as a new database numbers them.
    """
    from django.apps import apps

    models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for model in models:
                pk = model._meta.pk.column
                table = model._meta.db_table
                cursor.execute(
                    f'UPDATE sqlite_sequence SET seq = (SELECT COALESCE(MAX("{pk}"), 0) '  # noqa: S608
                    f'FROM "{table}") WHERE name = %s',
                    [table],
                )
        else:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


class Story:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.answers: dict[str, dict[str, Any]] = {app: {} for app in APPS}

    # --- calling ----------------------------------------------------------------------

    def user(self, username: str) -> User:
        return get_user_model().objects.get(username=username)

    def client(self, username: str | None) -> APIClient:
        api = APIClient()
        api.raise_request_exception = True
        if username is not None:
            # A fresh token per call: the story spans more than a token's lifetime.
            user = self.user(username)
            Token.objects.filter(user=user).delete()
            token = Token.objects.create(user=user)
            api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return api

    def call(
        self,
        app: str,
        key: str | None,
        status: int,
        method: str,
        path: str,
        body: Any = None,
        *,
        by: str | None = None,
        at: str | None = None,
        client: APIClient | None = None,
        **extra: Any,
    ) -> Any:
        """Call the API as ``by`` at ``at``; record the answer under ``key``."""
        if at is not None:
            self.clock.set(at)
        api = client or self.client(by)
        if method == "get":
            resp = api.get(path, body, **extra)
        elif "content_type" in extra:
            resp = getattr(api, method)(path, body, **extra)
        else:
            resp = getattr(api, method)(path, body, format="json", **extra)
        data = json.loads(resp.content) if resp.content else None
        if resp.status_code != status:
            raise RecordingError(f"{method.upper()} {path} ({key}): {resp.status_code} {data}")
        if key is not None:
            if key in self.answers[app]:
                raise RecordingError(f"{app}/{key} recorded twice")
            self.answers[app][key] = data
        return data

    # --- the stories ------------------------------------------------------------------

    def run(self) -> dict[str, dict[str, Any]]:
        self.clock.set("2026-03-01T08:00:00")
        call_command("seed_demo", stdout=StringIO())
        self.staff()
        self.core()
        self.quotes()
        self.purchase_loan()
        self.wang_fang_loans()
        self.ineligible_loan()
        self.withdrawals()
        self.declared_facts()
        return self.answers

    def staff(self) -> None:
        User = get_user_model()
        # 刘娜 also works at the center: she must stand aside from her household's case.
        liuna = self.user("liuna")
        liuna.is_staff = True
        liuna.save(update_fields=["is_staff"])
        both = [Role.CLERK.group_name, Role.REVIEWER.group_name]
        liuna.groups.add(*Group.objects.filter(name__in=both))
        # One person holding both review and approval: the four-eyes rule refuses them.
        chief = User.objects.create_user("chief", "", PASSWORD, first_name="钱科长", is_staff=True)
        both = [Role.REVIEWER.group_name, Role.APPROVER.group_name]
        chief.groups.add(*Group.objects.filter(name__in=both))
        clerk = self.user("clerk")
        # 陈强's son is 张伟, for 陈强's own purchase withdrawal.
        chen, zhang = (Depositor.objects.get(user__username=u) for u in ("chenqiang", "zhangwei"))
        member = gjj_services.family_member_add(
            depositor=chen,
            relation=Relation.CHILD,
            name=zhang.name,
            id_number=zhang.id_number,
            evidence="户口簿",
            actor=clerk,
        )
        gjj_services.family_member_verify(member=member, evidence="户口簿", actor=clerk)

    def _depositor(self, name: str, id_number: str, account: str, **facts: Any) -> Depositor:
        clerk = self.user("clerk")
        dep = gjj_services.depositor_create(
            name=name,
            id_number=id_number,
            actor=clerk,
            phone="13803539999",
            hukou_city="阳泉",
            hukou_since=date(2012, 1, 1),
        )
        gjj_services.account_open(
            depositor=dep,
            account_number=account,
            deposit_base=Decimal("5000.00"),
            employee_monthly=Decimal("600.00"),
            employer_monthly=Decimal("600.00"),
            opened_on=date(2016, 1, 1),
            continuous_deposit_months=60,
            actor=clerk,
        )
        return dep

    def core(self) -> None:
        signup = gjj_examples.SIGNUP_REQUEST
        # The demo keeps the example's depositor unregistered, so that sign-up can be tried.
        if not Depositor.objects.filter(id_number=signup["id_number"], user=None).exists():
            raise LookupError("seed_demo no longer keeps the sign-up example's depositor")
        other = self._depositor("孙丽", "140302198511230040", "1403000006")
        post = "/api/v1/auth/signup/"
        self.call(
            "gjj",
            "signup_invalid",
            400,
            "post",
            post,
            {**signup, "id_number": "14030219940618", "password": "short"},
        )
        self.call("gjj", "signup_identity_mismatch", 400, "post", post, {**signup, "name": "赵雷"})
        self.call(
            "gjj", "signup_weak_password", 400, "post", post, {**signup, "password": "qwertyuiop"}
        )
        self.call("gjj", "signup", 201, "post", post, signup, at="2026-03-02T09:12:00")
        self.call("gjj", "signup_already_registered", 409, "post", post, signup)
        self.call(
            "gjj",
            "signup_username_taken",
            409,
            "post",
            post,
            {
                "username": signup["username"],
                "password": signup["password"],
                "name": other.name,
                "id_number": other.id_number,
                "account_number": "1403000006",
            },
        )

        login = "/api/v1/auth/login/"
        self.call("gjj", "login", 200, "post", login, gjj_examples.LOGIN_REQUEST)
        self.call(
            "gjj",
            "login_invalid_credentials",
            400,
            "post",
            login,
            {**gjj_examples.LOGIN_REQUEST, "password": "Yq-gjj-2025!"},
        )
        self.call(
            "gjj",
            "login_missing_password",
            400,
            "post",
            login,
            {"username": gjj_examples.LOGIN_REQUEST["username"]},
        )
        self.call(
            "gjj",
            "parse_error",
            400,
            "post",
            login,
            '{"username": "zhangwei",',
            content_type="application/json",
        )
        self.call("gjj", "invalid_characters", 400, "get", "/api/v1/health/", {"q": "a\x00b"})

        health = self.call("gjj", "health", 200, "get", "/api/v1/health/", at="2026-03-16T10:00:00")
        # Shown as in production, whatever database records the example.
        health.update(database="postgresql", broker="redis")
        self.call("gjj", "me", 200, "get", "/api/v1/me/", by="zhangwei")
        self.call("gjj", "not_authenticated", 401, "get", "/api/v1/me/")
        bad = APIClient()
        bad.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
        self.call("gjj", "token_invalid", 401, "get", "/api/v1/me/", client=bad)
        expiring = self.client("wangfang")
        self.clock.current += timedelta(hours=settings.API_TOKEN_TTL_HOURS, minutes=1)
        self.call("gjj", "token_expired", 401, "get", "/api/v1/me/", client=expiring)
        self.clock.set("2026-03-16T10:05:00")
        browser = APIClient(enforce_csrf_checks=True)
        browser.force_login(self.user("zhangwei"))
        self.call("gjj", "csrf_failed", 403, "post", "/api/v1/auth/logout/", client=browser)
        self.call("gjj", "not_found", 404, "get", f"{APPLICATIONS}/999999/", by="zhangwei")
        self.call(
            "gjj",
            "invalid_filter",
            400,
            "get",
            f"{APPLICATIONS}/",
            {"status": "done"},
            by="zhangwei",
        )
        with (
            mock.patch.object(FixedWindowScopedThrottle, "allow_request", return_value=False),
            mock.patch.object(FixedWindowScopedThrottle, "wait", return_value=38.0),
        ):
            self.call("gjj", "throttled", 429, "post", login, gjj_examples.LOGIN_REQUEST)

    def quotes(self) -> None:
        quote, schedule = "/api/v1/loans/quote/", "/api/v1/loans/quote/schedule/"
        requests = {loan_examples.MULTI_CHILD: EXAMPLE_REQUEST, **loan_examples.QUOTE_REQUESTS}
        for name, request in requests.items():
            self.call("loans", f"quote/{name}", 200, "post", quote, request)
        for name in (loan_examples.MULTI_CHILD, loan_examples.THIRD_HOME):
            body = self.call("loans", f"schedule/{name}", 200, "post", schedule, requests[name])
            body["installments"] = _first_and_last(body["installments"])
        self.call(
            "loans",
            "quote/invalid",
            400,
            "post",
            quote,
            {**EXAMPLE_REQUEST, "house_price": "1000000.001", "term_months": 601},
        )
        self.call(
            "loans",
            "quote/unquotable",
            400,
            "post",
            quote,
            {**EXAMPLE_REQUEST, "voucher_amount": "1000000.01"},
        )

    def purchase_loan(self) -> None:
        """张伟's purchase, from draft to disbursement."""
        req = loan_examples.PURCHASE_REQUEST
        draft = self.call(
            "loans",
            "purchase_draft",
            201,
            "post",
            f"{APPLICATIONS}/",
            req,
            by="zhangwei",
            at="2026-03-02T09:12:45",
            HTTP_IDEMPOTENCY_KEY="b9b1c3d2-purchase",
        )
        app = f"{APPLICATIONS}/{draft['id']}"
        self.call(
            "loans",
            "idempotency_key_reused",
            409,
            "post",
            f"{APPLICATIONS}/",
            {**req, "requested_amount": "800000.00"},
            by="zhangwei",
            HTTP_IDEMPOTENCY_KEY="b9b1c3d2-purchase",
        )
        self.call(
            "loans",
            "create_invalid",
            400,
            "post",
            f"{APPLICATIONS}/",
            {**req, "house_price": "1200000.001", "term_months": 601},
            by="zhangwei",
        )
        self.call("loans", "create_open_exists", 409, "post", f"{APPLICATIONS}/", req, by="liuna")
        self.call(
            "loans",
            "purchase_edited",
            200,
            "patch",
            f"{app}/",
            loan_examples.PATCH_REQUEST,
            by="zhangwei",
            at="2026-03-02T09:31:10",
        )
        self.call("loans", "patch_kind", 400, "patch", f"{app}/", {"kind": "szg"}, by="zhangwei")
        self.call(
            "loans",
            "sign_closed",
            409,
            "post",
            f"{app}/sign/",
            loan_examples.SIGN_REQUEST,
            by="clerk",
        )
        self.call(
            "loans",
            "purchase_submitted",
            200,
            "post",
            f"{app}/submit/",
            by="zhangwei",
            at="2026-03-02T09:35:40",
        )
        self.call("loans", "submit_closed", 409, "post", f"{app}/submit/", by="zhangwei")
        self.call(
            "loans",
            "edit_closed",
            409,
            "patch",
            f"{app}/",
            loan_examples.PATCH_REQUEST,
            by="zhangwei",
        )
        self.call(
            "loans",
            "accept_invalid_date",
            400,
            "post",
            f"{app}/accept/",
            by="clerk",
            at="2026-03-01T17:00:00",
        )
        self.call(
            "loans",
            "accept_role",
            403,
            "post",
            f"{app}/accept/",
            by="reviewer",
            at="2026-03-03T10:05:00",
        )
        self.call("loans", "own_household", 403, "post", f"{app}/accept/", by="liuna")
        self.call("loans", "purchase_accepted", 200, "post", f"{app}/accept/", by="clerk")
        self.call("loans", "accept_closed", 409, "post", f"{app}/accept/", by="clerk")
        self.call(
            "loans",
            "review_invalid",
            400,
            "post",
            f"{app}/review/",
            {"opinion": "审" * 501},
            by="reviewer",
            at="2026-03-05T15:30:00",
        )
        self.call("loans", "review_role", 403, "post", f"{app}/review/", by="clerk")
        self.call(
            "loans",
            "purchase_reviewed",
            200,
            "post",
            f"{app}/review/",
            loan_examples.REVIEW_REQUEST,
            by="reviewer",
        )
        self.call(
            "loans",
            "approve_role",
            403,
            "post",
            f"{app}/approve/",
            by="clerk",
            at="2026-03-09T11:00:00",
        )
        self.call(
            "loans",
            "purchase_approved",
            200,
            "post",
            f"{app}/approve/",
            loan_examples.APPROVE_REQUEST,
            by="approver",
        )
        self.call("loans", "withdraw_closed", 409, "post", f"{app}/withdraw/", {}, by="zhangwei")
        self.call(
            "loans",
            "reject_closed",
            409,
            "post",
            f"{app}/reject/",
            loan_examples.REJECT_REQUEST,
            by="approver",
        )
        self.call("loans", "disburse_closed", 409, "post", f"{app}/disburse/", by="clerk")
        sign = loan_examples.SIGN_REQUEST
        self.call(
            "loans",
            "sign_exceeds_approved",
            400,
            "post",
            f"{app}/sign/",
            {**sign, "amount": "900000.00"},
            by="clerk",
            at="2026-03-11T09:40:00",
        )
        self.call("loans", "sign_role", 403, "post", f"{app}/sign/", sign, by="approver")
        self.call("loans", "purchase_signed", 200, "post", f"{app}/sign/", sign, by="clerk")
        self.call(
            "loans",
            "disburse_role",
            403,
            "post",
            f"{app}/disburse/",
            by="approver",
            at="2026-03-13T14:21:00",
        )
        with transaction.atomic():
            # A date with no first-home rate in force: only this savepoint lacks the rows.
            LoanRate.objects.filter(home_tier=1).delete()
            policy_cache_clear()
            self.call("loans", "disburse_no_rate", 400, "post", f"{app}/disburse/", by="clerk")
            transaction.set_rollback(True)
        policy_cache_clear()
        disbursed = self.call(
            "loans", "purchase_disbursed", 200, "post", f"{app}/disburse/", by="clerk"
        )
        self.call(
            "loans", "list", 200, "get", f"{APPLICATIONS}/", by="zhangwei", at="2026-03-14T08:00:00"
        )
        self.call("loans", "history", 200, "get", f"{app}/history/", by="zhangwei")
        self.call("loans", "loan_list", 200, "get", "/api/v1/loans/", by="zhangwei")
        auths = f"/api/v1/loans/{disbursed['loan_id']}/repayment-authorizations/"
        granted = self.call("loans", "authorization_granted", 201, "post", auths, by="zhangwei")
        self.call("loans", "authorization_already", 409, "post", auths, by="zhangwei")
        self.call("loans", "authorization_list", 200, "get", auths, by="zhangwei")
        stop = f"{auths}{granted['id']}/stop/"
        self.call(
            "loans",
            "authorization_stop_invalid",
            400,
            "post",
            stop,
            {"reason": "长" * 301},
            by="zhangwei",
        )
        self.call(
            "loans",
            "authorization_stopped",
            200,
            "post",
            stop,
            loan_examples.AUTHORIZATION_STOP_REQUEST,
            by="zhangwei",
        )
        self.call("loans", "authorization_already_stopped", 409, "post", stop, {}, by="zhangwei")
        self.call("loans", None, 201, "post", auths, by="zhangwei")  # the loan detail shows it
        detail = self.call(
            "loans",
            "loan_detail",
            200,
            "get",
            f"/api/v1/loans/{disbursed['loan_id']}/",
            by="zhangwei",
        )
        detail["schedule"] = _first_and_last(detail["schedule"])

    def wang_fang_loans(self) -> None:
        """王芳: a 商转公 application she withdraws, then an affordable flat that is refused."""
        szg = self.call(
            "loans",
            "szg_draft",
            201,
            "post",
            f"{APPLICATIONS}/",
            loan_examples.SZG_APPLICATION_REQUEST,
            by="wangfang",
            at="2026-03-18T10:00:10",
        )
        app = f"{APPLICATIONS}/{szg['id']}"
        self.call(
            "loans", None, 200, "post", f"{app}/submit/", by="wangfang", at="2026-03-18T10:04:40"
        )
        self.call(
            "loans",
            "review_closed",
            409,
            "post",
            f"{app}/review/",
            loan_examples.REVIEW_REQUEST,
            by="reviewer",
        )
        self.call(
            "loans",
            "withdraw_invalid",
            400,
            "post",
            f"{app}/withdraw/",
            {"reason": "撤" * 301},
            by="wangfang",
            at="2026-03-19T09:00:20",
        )
        self.call(
            "loans",
            "szg_withdrawn",
            200,
            "post",
            f"{app}/withdraw/",
            loan_examples.WITHDRAW_REQUEST,
            by="wangfang",
        )

        # The affordable flat: begun with the address only, completed by a full replacement.
        draft = self.call(
            "loans",
            None,
            201,
            "post",
            f"{APPLICATIONS}/",
            {
                "kind": "purchase",
                "property_address": loan_examples.AFFORDABLE_REQUEST["property_address"],
            },
            by="wangfang",
            at="2026-03-19T09:30:10",
        )
        app = f"{APPLICATIONS}/{draft['id']}"
        self.call("loans", "submit_incomplete", 400, "post", f"{app}/submit/", by="wangfang")
        self.call(
            "loans",
            "put_invalid",
            400,
            "put",
            f"{app}/",
            {**loan_examples.AFFORDABLE_REQUEST, "term_months": 0},
            by="wangfang",
        )
        self.call(
            "loans",
            "affordable_draft",
            200,
            "put",
            f"{app}/",
            loan_examples.AFFORDABLE_REQUEST,
            by="wangfang",
            at="2026-03-19T09:42:10",
        )
        self.call(
            "loans", None, 200, "post", f"{app}/submit/", by="wangfang", at="2026-03-19T09:50:40"
        )
        self.call(
            "loans", None, 200, "post", f"{app}/accept/", by="clerk", at="2026-03-20T10:00:45"
        )
        self.call(
            "loans",
            "approve_closed",
            409,
            "post",
            f"{app}/approve/",
            loan_examples.APPROVE_REQUEST,
            by="approver",
        )
        self.call(
            "loans", None, 200, "post", f"{app}/review/", by="chief", at="2026-03-23T16:00:20"
        )
        self.call(
            "loans",
            "approve_four_eyes",
            403,
            "post",
            f"{app}/approve/",
            loan_examples.APPROVE_REQUEST,
            by="chief",
            at="2026-03-25T10:30:20",
        )
        self.call(
            "loans", "reject_blank", 400, "post", f"{app}/reject/", {"reason": ""}, by="approver"
        )
        self.call(
            "loans",
            "reject_role",
            403,
            "post",
            f"{app}/reject/",
            loan_examples.REJECT_REQUEST,
            by="clerk",
        )
        self.call(
            "loans",
            "affordable_rejected",
            200,
            "post",
            f"{app}/reject/",
            loan_examples.REJECT_REQUEST,
            by="approver",
        )

    def ineligible_loan(self) -> None:
        """A household that already owns two homes: refused by the engine, so never approved."""
        clerk = self.user("clerk")
        dep = self._depositor("周平", "14030219850512003X", "1403000007")
        dep.user = get_user_model().objects.create_user("zhouping", "", PASSWORD)
        dep.save(update_fields=["user"])
        for i, address in enumerate(
            ("阳泉市城区北大街8号1单元101", "阳泉市矿区桃北东街3号2单元202")
        ):
            gjj_services.home_register(
                owner=dep,
                address=address,
                registered_on=date(2012 + i, 6, 1),
                actor=clerk,
                certificate_number=f"晋({2012 + i})阳泉市不动产权第00{i}5678号",
            )
        draft = self.call(
            "loans",
            None,
            201,
            "post",
            f"{APPLICATIONS}/",
            {**loan_examples.PURCHASE_REQUEST, "spouse_co_borrows": False},
            by="zhouping",
            at="2026-03-04T09:00:00",
        )
        app = f"{APPLICATIONS}/{draft['id']}"
        for step, by in (("submit", "zhouping"), ("accept", "clerk"), ("review", "reviewer")):
            self.call("loans", None, 200, "post", f"{app}/{step}/", by=by)
        self.call(
            "loans",
            "approve_ineligible",
            400,
            "post",
            f"{app}/approve/",
            loan_examples.APPROVE_REQUEST,
            by="approver",
        )

    def withdrawals(self) -> None:
        w = withdrawal_examples
        create = f"{WITHDRAWALS}/applications/"
        draft = self.call(
            "withdrawals",
            "purchase_draft",
            201,
            "post",
            create,
            w.PURCHASE_WITH_PARENT_REQUEST,
            by="zhangwei",
            at="2026-03-16T10:00:45",
            HTTP_IDEMPOTENCY_KEY="5f0c2a71-withdrawal",
        )
        app = f"{WITHDRAWALS}/applications/{draft['id']}"
        self.call(
            "withdrawals",
            "idempotency_key_reused",
            409,
            "post",
            create,
            {**w.PURCHASE_WITH_PARENT_REQUEST, "price": "1300000.00"},
            by="zhangwei",
            HTTP_IDEMPOTENCY_KEY="5f0c2a71-withdrawal",
        )
        self.call(
            "withdrawals",
            "create_in_flight",
            409,
            "post",
            create,
            w.PURCHASE_WITH_PARENT_REQUEST,
            by="zhangwei",
        )
        self.call(
            "withdrawals", "create_owns_home", 400, "post", create, w.RENTAL_REQUEST, by="zhangwei"
        )
        self.call(
            "withdrawals",
            "purchase_limits",
            200,
            "get",
            f"{WITHDRAWALS}/limits/purchase/",
            w.PURCHASE_LIMITS_QUERY,
            by="zhangwei",
        )
        self.call(
            "withdrawals",
            "purchase_limits_invalid",
            400,
            "get",
            f"{WITHDRAWALS}/limits/purchase/",
            {"price": "1200000.001"},
            by="zhangwei",
        )
        self.call(
            "withdrawals", "consent_list", 200, "get", f"{WITHDRAWALS}/consents/", by="chenqiang"
        )
        self.call(
            "withdrawals",
            "purchase_submitted",
            200,
            "post",
            f"{app}/submit/",
            by="zhangwei",
            at="2026-03-16T10:06:20",
        )
        consent = next(m for m in draft["members"] if m["relation"] == "parent")
        accept = f"{WITHDRAWALS}/consents/{consent['id']}/accept/"
        self.call(
            "withdrawals",
            "consent_accepted",
            200,
            "post",
            accept,
            by="chenqiang",
            at="2026-03-16T19:30:20",
        )
        self.call("withdrawals", "consent_recorded", 409, "post", accept, by="chenqiang")
        self.call("withdrawals", "purchase_consented", 200, "get", f"{app}/", by="zhangwei")
        self.call("withdrawals", "list", 200, "get", create, by="zhangwei")

        # 王芳 rents: a quarter's rent, submitted, then cancelled.
        self.call(
            "withdrawals",
            "create_invalid",
            400,
            "post",
            create,
            {**w.RENTAL_REQUEST, "amount": "4500.001", "period_index": None},
            by="wangfang",
            at="2026-03-17T14:10:50",
        )
        rental = self.call(
            "withdrawals", "rental_draft", 201, "post", create, w.RENTAL_REQUEST, by="wangfang"
        )
        app = f"{WITHDRAWALS}/applications/{rental['id']}"
        self.call(
            "withdrawals",
            "rental_submitted",
            200,
            "post",
            f"{app}/submit/",
            by="wangfang",
            at="2026-03-17T14:12:20",
        )
        self.call(
            "withdrawals",
            "rental_limits",
            200,
            "get",
            f"{WITHDRAWALS}/limits/rental/",
            by="wangfang",
        )
        self.call(
            "withdrawals",
            "rental_limits_invalid",
            400,
            "get",
            f"{WITHDRAWALS}/limits/rental/",
            {"year": 1999},
            by="wangfang",
        )
        self.call(
            "withdrawals",
            "cancel_invalid",
            400,
            "post",
            f"{app}/cancel/",
            {"reason": "撤" * 501},
            by="wangfang",
            at="2026-03-18T08:30:20",
        )
        self.call(
            "withdrawals",
            "rental_cancelled",
            200,
            "post",
            f"{app}/cancel/",
            w.CANCEL_REQUEST,
            by="wangfang",
        )
        self.call(
            "withdrawals",
            "cancel_closed",
            409,
            "post",
            f"{app}/cancel/",
            w.CANCEL_REQUEST,
            by="wangfang",
        )
        self.call("withdrawals", "submit_closed", 409, "post", f"{app}/submit/", by="wangfang")
        self.call("withdrawals", "rental_history", 200, "get", f"{app}/history/", by="wangfang")
        # The same check refuses a draft over the year's remainder and its submission.
        self.call(
            "withdrawals",
            "rental_cap_exceeded",
            400,
            "post",
            create,
            {**w.RENTAL_REQUEST, "amount": "18000.01", "period_type": "yearly", "period_index": 1},
            by="wangfang",
        )

        # 陈强 buys too, drawing on his son's account; 张伟 declines.
        self.call(
            "withdrawals",
            "create_exceeds_own_funds",
            400,
            "post",
            create,
            {**w.PURCHASE_WITH_CHILD_REQUEST, "loans_amount": "600000.00"},
            by="chenqiang",
            at="2026-03-20T15:00:50",
        )
        self.call(
            "withdrawals",
            "create_family_member_not_found",
            400,
            "post",
            create,
            {
                **w.PURCHASE_WITH_CHILD_REQUEST,
                "members": [
                    {"relation": "self", "amount": "120000.00"},
                    {"relation": "child", "family_member": 999, "amount": "6500.00"},
                ],
            },
            by="chenqiang",
        )
        draft = self.call(
            "withdrawals",
            "with_child_draft",
            201,
            "post",
            create,
            w.PURCHASE_WITH_CHILD_REQUEST,
            by="chenqiang",
        )
        self.call(
            "withdrawals",
            "with_child_limits",
            200,
            "get",
            f"{WITHDRAWALS}/limits/purchase/",
            {
                key: w.PURCHASE_WITH_CHILD_REQUEST[key]
                for key in ("price", "contract_date", "loans_amount")
            },
            by="chenqiang",
        )
        consent = next(m for m in draft["members"] if m["relation"] == "child")
        self.call(
            "withdrawals",
            "consent_declined",
            200,
            "post",
            f"{WITHDRAWALS}/consents/{consent['id']}/decline/",
            by="zhangwei",
            at="2026-03-20T19:30:20",
        )
        app = f"{WITHDRAWALS}/applications/{draft['id']}"
        self.call(
            "withdrawals",
            "submit_outside_window",
            400,
            "post",
            f"{app}/submit/",
            by="chenqiang",
            at="2027-03-10T09:00:00",
        )
        # A second draft whose consent is still open when 陈强 withdraws it.
        self.call(
            "withdrawals",
            None,
            200,
            "post",
            f"{app}/cancel/",
            {},
            by="chenqiang",
            at="2026-03-21T09:00:00",
        )
        again = self.call(
            "withdrawals", None, 201, "post", create, w.PURCHASE_WITH_CHILD_REQUEST, by="chenqiang"
        )
        self.call(
            "withdrawals",
            None,
            200,
            "post",
            f"{WITHDRAWALS}/applications/{again['id']}/cancel/",
            {},
            by="chenqiang",
        )
        consent = next(m for m in again["members"] if m["relation"] == "child")
        self.call(
            "withdrawals",
            "consent_closed",
            409,
            "post",
            f"{WITHDRAWALS}/consents/{consent['id']}/accept/",
            by="zhangwei",
        )

    def declared_facts(self) -> None:
        """张伟 declares his wife's home and provident loan in 太原: 待核实 until a clerk checks."""
        g = gjj_examples
        homes, pf_loans = "/api/v1/me/homes/", "/api/v1/me/pf-loans/"
        self.call(
            "gjj",
            "home_declare_invalid",
            400,
            "post",
            homes,
            {**g.HOME_DECLARE_REQUEST, "registered_on": "2018-02-30", "address": " "},
            by="zhangwei",
            at="2026-03-23T09:00:10",
        )
        self.call(
            "gjj",
            "home_declare_no_evidence",
            400,
            "post",
            homes,
            {**g.HOME_DECLARE_REQUEST, "certificate_number": ""},
            by="zhangwei",
        )
        # 陈强's wife: a family member of another household.
        others = FamilyMember.objects.get(depositor__user__username="chenqiang", name="赵桂兰")
        self.call(
            "gjj",
            "home_declare_member_not_found",
            400,
            "post",
            homes,
            {**g.HOME_DECLARE_REQUEST, "member": others.pk},
            by="zhangwei",
        )
        self.call("gjj", "home_declared", 201, "post", homes, g.HOME_DECLARE_REQUEST, by="zhangwei")
        self.call(
            "gjj",
            "pf_loan_declare_invalid",
            400,
            "post",
            pf_loans,
            {**g.PF_LOAN_DECLARE_REQUEST, "amount": "400000.001", "source": "bank"},
            by="zhangwei",
            at="2026-03-23T09:04:20",
        )
        father = FamilyMember.objects.get(
            depositor__user__username="zhangwei", relation=Relation.PARENT
        )
        self.call(
            "gjj",
            "pf_loan_declare_parent",
            400,
            "post",
            pf_loans,
            {**g.PF_LOAN_DECLARE_REQUEST, "member": father.pk},
            by="zhangwei",
        )
        self.call(
            "gjj",
            "pf_loan_declared",
            201,
            "post",
            pf_loans,
            g.PF_LOAN_DECLARE_REQUEST,
            by="zhangwei",
        )
        self.call("gjj", "me_declared", 200, "get", "/api/v1/me/", by="zhangwei")


@contextmanager
def _fixed_world(clock: Clock) -> Iterator[None]:
    keys = itertools.count(1)

    def token_key(cls: type[Token]) -> str:
        return hashlib.sha1(f"gjj-example-{next(keys)}".encode()).hexdigest()  # noqa: S324

    with ExitStack() as stack:
        stack.enter_context(mock.patch("django.utils.timezone.now", clock.now))
        stack.enter_context(mock.patch.object(Token, "generate_key", classmethod(token_key)))
        # Throttles count real requests across runs; a recording is not a client.
        stack.enter_context(
            mock.patch.object(FixedWindowScopedThrottle, "allow_request", return_value=True)
        )
        yield


def record() -> dict[str, dict[str, Any]]:
    """Every example answer, by app and key, from a rolled-back run of the stories."""
    clock = Clock()
    policy_cache_clear()  # snapshots kept from other days' "today" must not leak in, or out
    try:
        with _fixed_world(clock), transaction.atomic():
            _restart_ids()
            answers = Story(clock).run()
            transaction.set_rollback(True)
    finally:
        policy_cache_clear()
    # As clients receive them: JSON, not the test client's Python values.
    return json.loads(json.dumps(answers, ensure_ascii=False))


def render(answers: dict[str, Any]) -> str:
    return json.dumps(answers, ensure_ascii=False, indent=2) + "\n"


def write(answers: dict[str, dict[str, Any]]) -> list[str]:
    RECORDED_DIR.mkdir(exist_ok=True)
    written = []
    for app, bodies in answers.items():
        path = RECORDED_DIR / f"{app}.json"
        text = render(bodies)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(str(path))
    return written


def stale(answers: dict[str, dict[str, Any]]) -> list[str]:
    """The apps whose recorded file differs from ``answers``."""
    return [
        app
        for app, bodies in answers.items()
        if not (RECORDED_DIR / f"{app}.json").exists()
        or (RECORDED_DIR / f"{app}.json").read_text(encoding="utf-8") != render(bodies)
    ]
