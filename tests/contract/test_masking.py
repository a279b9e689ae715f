"""Nobody's full ID, mobile or account number reaches anyone else, in answers or in logs.

Every row of the access matrix (reads and writes, answers and refusals) is
called as each role and as the owner's wife; each answer is scanned for the
world's ID, mobile and account numbers that are not the caller's own, and for
any valid resident ID number, mobile number or long digit run that is not.
The owner may read his own numbers in full (his record, his account).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from gjj.masking import mask_id_number
from tests.contract.test_access_matrix import MATRIX, Row
from tests.contract.world import ROLES, World, strings_in, unmasked

if TYPE_CHECKING:  # the test client's response: a DRF Response with .json() (stub-only type)
    from rest_framework.response import _MonkeyPatchedResponse as ClientResponse

pytestmark = pytest.mark.django_db

VIEWERS = (*ROLES, "spouse")  # the wife shares the household's loan application
WD = "/api/v1/withdrawals"


def texts_of(resp: ClientResponse) -> list[str]:
    if resp.get("Content-Type", "").startswith("application/json"):
        return list(strings_in(resp.json()))
    return [resp.content.decode(errors="replace")]


@contextmanager
def console_output() -> Iterator[io.StringIO]:
    """What the project's log handlers write (pytest's own handlers are left alone)."""
    loggers = [logging.getLogger()] + [
        item
        for item in logging.Logger.manager.loggerDict.values()
        if isinstance(item, logging.Logger)
    ]
    handlers = {
        handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
        and not type(handler).__module__.startswith("_pytest")
    }
    buffer = io.StringIO()
    previous = {handler: handler.setStream(buffer) for handler in handlers}
    try:
        yield buffer
    finally:
        for handler, stream in previous.items():
            if stream is not None:
                handler.setStream(stream)


def full_numbers_in(text: str, world: World) -> list[str]:
    return [s.value for s in world.secrets() if s.kind != "account" and s.value in text]


@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
def test_no_answer_shows_another_persons_full_number(make_world, row: Row):
    # Given the world, the owner's loan application at the row's stage
    world = make_world(row.stage)
    leaks: dict[str, list[str]] = {}
    with console_output() as logs:
        for viewer in VIEWERS:
            world.client(viewer)
            with transaction.atomic():
                # When each caller makes the row's request
                resp = row.call(world, viewer)
                # Then the answer holds no full number of anyone else
                found = unmasked(
                    texts_of(resp), world=world, viewer=viewer, generic=not row.documentation
                )
                if found:
                    leaks[viewer] = found
                transaction.set_rollback(True)
            cache.clear()
    assert leaks == {}
    # And nothing logged on the way names a full ID or mobile number
    assert full_numbers_in(logs.getvalue(), world) == []


def test_the_owner_reads_his_own_numbers_and_only_masked_ones_of_others(make_world):
    # Given the owner, his wife and son, and his loan application's history
    world = make_world("submitted")
    owner, spouse, child = world.owner, world.spouse, world.child
    # When the owner reads his record
    me = world.client("owner").get("/api/v1/me/").json()
    # Then his own numbers are in full, his relatives' masked
    assert (me["id_number"], me["phone"]) == (owner.id_number, owner.phone)
    assert me["account"]["account_number"] == world.accounts["owner"]
    assert {m["name"]: m["id_number"] for m in me["family"]} == {
        "刘娜": mask_id_number(spouse.id_number),
        "张小一": mask_id_number(child.id_number),
    }
    # When his wife reads the household's application and its history
    wife = world.client("spouse")
    pk = world.loan_application.pk
    app = wife.get(f"/api/v1/loans/applications/{pk}/").json()
    history = wife.get(f"/api/v1/loans/applications/{pk}/history/").json()["results"]
    # Then the seller's account and her husband's log-in (his mobile number) are masked
    assert (app["seller_account"], app["szg_loan_account"]) == ("6222****8765", "")
    assert [h["actor_label"] for h in history] == ["138****0001", "138****0001"]
    # And the consent asked of the owner names his wife's application, not her numbers
    consent = world.client("owner").get(f"{WD}/consents/").json()["results"][0]
    assert (consent["applicant_name"], consent["application_number"]) == (
        "刘娜",
        world.consent.application.number,
    )
    assert unmasked(list(strings_in(consent)), world=world, viewer="owner", generic=True) == []


@pytest.mark.parametrize("debug", [False, True], ids=["DEBUG=0", "DEBUG=1"])
def test_request_logs_mask_id_and_mobile_numbers(make_world, settings, monkeypatch, debug: bool):
    # Given the owner, and the server running with or without DEBUG
    world = make_world("draft")
    settings.DEBUG = debug
    owner = world.owner
    api = world.client("owner")

    def failing_preview(**kwargs: object) -> None:
        raise RuntimeError(f"读取{owner.id_number}（手机{owner.phone}）的账户失败")

    monkeypatch.setattr("withdrawals.selectors.rental_preview", failing_preview)
    with console_output() as logs:
        # When requests carry ID numbers in the path, in a refused body, and in an error
        not_found = api.get(f"{WD}/applications/{owner.id_number}/")
        refused = APIClient().post(
            "/api/v1/auth/signup/",
            {
                "username": "wangfang",
                "password": "Yq-contract-2024!",
                "name": "李四",
                "id_number": world.newcomer.id_number,
                "account_number": world.accounts["newcomer"],
            },
            format="json",
        )
        failed = api.get(f"{WD}/limits/rental/")
        # And the development server logs a request line naming one
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET {WD}/applications/?q={owner.id_number} HTTP/1.1", "200", "52"
        )
    text = logs.getvalue()
    # Then each was logged
    assert (not_found.status_code, refused.status_code, failed.status_code) == (404, 400, 500)
    assert f"Not Found: {WD}/applications/{mask_id_number(owner.id_number)}/" in text
    assert "Bad Request: /api/v1/auth/signup/" in text
    assert "Internal Server Error: /api/v1/withdrawals/limits/rental/" in text
    masked = mask_id_number(owner.id_number)
    assert f"RuntimeError: 读取{masked}（手机138****0001）的账户失败" in text
    assert f"?q={masked} HTTP/1.1" in text
    # And no full ID or mobile number is in the log
    assert full_numbers_in(text, world) == []
