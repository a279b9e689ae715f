"""The clerks' lists on a growing book: constant queries per page, indexed searches, no counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from gjj import admin_perf
from gjj.models import AccountEntry, AuditLog, Depositor, PfLoanRecord, ProvidentAccount
from loans.models import Loan, LoanApplication
from tests.factories import Builder, Staff, advance, applicant, draft, make_team
from withdrawals.models import WithdrawalApplication

pytestmark = pytest.mark.django_db

LISTS = (
    "/admin/loans/loanapplication/",
    "/admin/loans/loan/",
    "/admin/withdrawals/withdrawalapplication/",
    "/admin/gjj/depositor/",
    "/admin/gjj/providentaccount/",
    "/admin/gjj/accountentry/",
    "/admin/gjj/auditlog/",
    "/admin/",
)


def clone(obj: Model, **changes: Any) -> Any:
    """A copy of ``obj``'s row with some columns changed (test data, not a business write)."""
    model = type(obj)
    row = model._default_manager.filter(pk=obj.pk).values()[0]
    row.pop("id")
    row.update(changes)
    return model._default_manager.create(**row)


class Book:
    """One case of each kind walked through the services, and copies of them on demand."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self.dep = applicant(staff.clerk, name="王建国")
        loan = advance(draft(self.dep, term_months=240), staff, to="disburse")
        assert isinstance(loan, Loan)
        self.loan = loan
        self.app = LoanApplication.objects.get(pk=loan.application_id)
        waiting = applicant(staff.clerk, name="李秀英")
        self.pending = advance(draft(waiting, term_months=240), staff, to="accept")
        assert self.app.submitted_on is not None
        self.withdrawal = Builder(clerk=staff.clerk).rental(
            applicant(staff.clerk, name="赵志强"), "6000.00", on=self.app.submitted_on
        )
        self.entry = AccountEntry.objects.filter(account=self.dep.account).order_by("id")[0]
        self.audit = AuditLog.objects.order_by("id")[0]
        self.copies = 0

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.copies += 1
            i = self.copies
            dep = clone(self.dep, id_number=f"14030019700101{i:03d}X", user_id=None)
            account = clone(self.dep.account, depositor_id=dep.pk, account_number=f"9{i:09d}")
            record = clone(PfLoanRecord.objects.get(pk=self.loan.pf_loan_record_id))
            PfLoanRecord.objects.filter(pk=record.pk).update(borrower=dep)
            app = clone(
                self.app, applicant_id=dep.pk, number=f"C{i:08d}", contract_number=f"CC{i:06d}"
            )
            clone(
                self.loan,
                borrower_id=dep.pk,
                application_id=app.pk,
                pf_loan_record_id=record.pk,
                contract_number=f"CL{i:06d}",
            )
            other = clone(self.dep, id_number=f"14030019800101{i:03d}X", user_id=None)
            clone(self.pending, applicant_id=other.pk, number=f"P{i:08d}")
            clone(self.withdrawal, applicant_id=dep.pk, number=f"W{i:08d}")
            clone(self.entry, account_id=account.pk)
            clone(self.audit, object_id=str(10_000 + i))


@pytest.fixture
def book() -> Book:
    return Book(make_team("q"))


@pytest.fixture
def desk(client, book: Book):
    """A staff member holding the four business roles (every list and block visible)."""
    from django.contrib.auth.models import Group

    from gjj.domain import Role

    user = book.staff.clerk
    user.groups.set(Group.objects.filter(name__in=[r.group_name for r in Role]))
    client.force_login(user)
    return client


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, url
    return len(ctx.captured_queries)


def test_queries_per_list_page_stay_constant_as_rows_triple(desk, book: Book):
    # Given the book with one copy of each case, each page rendered once (warm caches)
    book.grow(1)
    for url in LISTS:
        desk.get(url)
    before = {url: queries(desk, url) for url in LISTS}

    # When the book grows to three times as many rows
    book.grow(2)
    assert Loan.objects.count() == 4  # the walked loan and three copies
    after = {url: queries(desk, url) for url in LISTS}

    # Then every page runs the same number of queries (no query per row)
    assert after == before


def test_identifier_search_matches_by_prefix_never_inside_the_number(desk, book: Book):
    # Given the walked applicant's ID number
    id_number = book.dep.id_number
    url = "/admin/loans/loanapplication/?q="

    # When a clerk types all but its check digit, then the birth date from its middle
    by_prefix = desk.get(url + id_number[:17]).context["cl"].result_list
    inside = desk.get(url + id_number[6:14]).context["cl"].result_list

    # Then the prefix finds the applicant's application, the middle fragment nothing
    assert [a.pk for a in by_prefix] == [book.app.pk]
    assert list(inside) == []


def test_identifier_search_asks_each_identifier_with_a_prefix_pattern(desk, book: Book):
    # When a clerk searches the loan list by contract number
    with CaptureQueriesContext(connection) as ctx:
        cl = desk.get(f"/admin/loans/loan/?q={book.loan.contract_number}").context["cl"]

    # Then the loan is found, and no query matched the term anywhere inside a column
    assert [loan.pk for loan in cl.result_list] == [book.loan.pk]
    sql = "\n".join(q["sql"] for q in ctx.captured_queries)
    assert f"'{book.loan.contract_number}%'" in sql
    assert f"'%{book.loan.contract_number}%'" not in sql


@pytest.mark.parametrize(
    ("term", "found"),
    [("王建国", True), ("建国", False), ("王建", True), ("李秀英", False)],
)
def test_name_search_three_characters_anywhere_fewer_at_the_start(desk, book, term, found):
    # When a clerk searches loan applications by a name or part of it
    cl = desk.get(f"/admin/loans/loanapplication/?q={term}").context["cl"]

    # Then 王建国's application is found by his whole name or its start, not by "建国" alone
    # (two characters match from the start: a surname and one character)
    assert (book.app.pk in {a.pk for a in cl.result_list}) is found


def test_filtered_list_counts_only_a_few_pages_ahead(desk, book: Book, monkeypatch):
    # Given five copies and a count horizon of one page of two rows
    book.grow(5)
    monkeypatch.setattr(admin_perf, "PAGES_AHEAD", 0)
    monkeypatch.setattr("loans.admin.LoanApplicationAdmin.list_per_page", 2)

    # When the filtered list opens at its first page
    resp = desk.get("/admin/loans/loanapplication/?status__exact=disbursed")
    cl = resp.context["cl"]

    # Then it counted 2 + 1 rows and says there are more, yet page 3 still opens
    assert cl.result_count == 3
    assert "3条以上" in resp.content.decode()
    third = desk.get("/admin/loans/loanapplication/?status__exact=disbursed&p=3")
    assert len(third.context["cl"].result_list) == 2


@pytest.mark.postgres
def test_unfiltered_big_list_reads_the_estimate_instead_of_counting(desk, book, monkeypatch):
    # Given the audit table analysed, and any table counted as big
    book.grow(2)
    with connection.cursor() as cur:
        cur.execute("ANALYZE gjj_auditlog")
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'gjj_auditlog'")
        estimate = cur.fetchone()[0]
    monkeypatch.setattr(admin_perf, "ESTIMATE_FROM", 1)

    # When the unfiltered audit list opens
    with CaptureQueriesContext(connection) as ctx:
        resp = desk.get("/admin/gjj/auditlog/")

    # Then no query counted the audit table; the page says the planner's figure, as such
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counts if '"gjj_auditlog"' in sql], counts
    assert resp.context["cl"].result_count == estimate == AuditLog.objects.count()
    assert f"约{estimate}条" in resp.content.decode()


@pytest.mark.postgres
def test_date_hierarchy_probes_periods_instead_of_reading_distinct_dates(desk, book):
    # When the loan list opens with its date hierarchy
    with CaptureQueriesContext(connection) as ctx:
        resp = desk.get("/admin/loans/loan/")

    # Then the year links are there, and no query read the distinct years of the table
    year = book.loan.disbursed_on.year
    assert f"disbursed_on__year={year}" in resp.content.decode()
    assert not [q for q in ctx.captured_queries if "DISTINCT" in q["sql"].upper()]


def test_depositor_and_account_searches_use_identifiers(desk, book: Book):
    # When a clerk searches depositors by account number and accounts by ID number
    account = ProvidentAccount.objects.get(depositor=book.dep)
    deps = desk.get(f"/admin/gjj/depositor/?q={account.account_number}").context["cl"]
    accounts = desk.get(f"/admin/gjj/providentaccount/?q={book.dep.id_number}").context["cl"]

    # Then each finds exactly the walked depositor's row
    assert [d.pk for d in deps.result_list] == [book.dep.pk]
    assert [a.pk for a in accounts.result_list] == [account.pk]
    assert Depositor.objects.filter(name="王建国").count() == 1
    assert WithdrawalApplication.objects.count() == 1
