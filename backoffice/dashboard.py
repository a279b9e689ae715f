"""Reads for the clerks' start page (the admin index): queues, deadlines, batch, policy, month.

Every block is read only for a user whose view permission covers its table.
Deadline buckets call the same selectors as the queues' list filters, and link
to those filters, so a count here is exactly what its link lists.

On a city-sized book every figure is an indexed read: counts stop at
``COUNT_CAP`` (shown as "N 以上"), the recent actions read the actor's index.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import Count, Model, QuerySet
from django.urls import reverse

from gjj import admin_display as show
from gjj.calendar import calendar_years_missing
from gjj.domain import SpecialGroup
from gjj.models import AuditLog, LoanRate, PolicyParameter
from gjj.policy import Key
from gjj.selectors import (
    household_homes,
    measure_days_left,
    policy_in_force,
    policy_rates_provisional_in_force,
    policy_rows_provisional_in_force,
    special_groups_of,
    today_local,
)
from loans.admin import OverdueFilter as LoanDeadlineFilter
from loans.models import ApplicationStatus, BatchRun, BatchStatus, LoanApplication
from loans.repricing import JOB as REPRICING_JOB
from loans.selectors import loan_applications_near_deadline, loan_applications_overdue
from loans.servicing import loan_book_by_risk_class_last_night
from withdrawals.admin import OverdueFilter as WithdrawalDeadlineFilter
from withdrawals.models import WithdrawalApplication, WithdrawalStatus
from withdrawals.selectors import (
    withdrawal_applications_near_deadline,
    withdrawal_applications_overdue,
)

ZERO = Decimal("0.00")
CASES_SHOWN = 10
RECENT_ACTIONS = 10
# A status or bucket count stops here: the page says "N 以上" instead of counting on.
COUNT_CAP = 10_000
NO_GROUP = "无（正常缴存职工）"

# Loans count as approved from the decision on, whatever step they reached since.
APPROVED_LOAN_STATUSES = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.SIGNED,
    ApplicationStatus.DISBURSED,
)


# --- result types ------------------------------------------------------------------


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int
    url: str

    @property
    def capped(self) -> bool:
        return self.count >= COUNT_CAP


@dataclass(frozen=True)
class DeadlineCase:
    number: str
    applicant_name: str
    status_label: str
    due_on: date
    days_left: int  # negative: days past the deadline
    url: str

    @property
    def overdue_days(self) -> int:
        return max(0, -self.days_left)


@dataclass(frozen=True)
class DeadlineBucket:
    key: str
    label: str
    count: int
    url: str
    cases: tuple[DeadlineCase, ...]

    @property
    def capped(self) -> bool:
        return self.count >= COUNT_CAP


@dataclass(frozen=True)
class QueueSummary:
    title: str
    changelist_url: str
    total: int
    statuses: tuple[StatusCount, ...]
    decision_days: int | None  # statutory days from acceptance, from the policy row
    deadline_title: str
    buckets: tuple[DeadlineBucket, ...]

    @property
    def total_capped(self) -> bool:
        return any(s.capped for s in self.statuses)


@dataclass(frozen=True)
class BatchSummary:
    job_label: str
    business_date: date
    status: str
    status_label: str
    loans_total: int
    loans_repriced: int
    loans_failed: int
    applications_requoted: int
    chunks_done: int
    chunks_total: int
    errors: int
    url: str


@dataclass(frozen=True)
class PolicySummary:
    on: date
    version: str
    measure: str | None
    document: str | None
    effective_from: date | None
    effective_to: date | None
    days_left: int | None
    warning_days: int | None
    url: str

    @property
    def warn(self) -> bool:
        return (
            self.days_left is not None
            and self.warning_days is not None
            and self.days_left <= self.warning_days
        )


def money_text(amount: Decimal) -> str:
    """1,000,000.00, as the admin's other money columns read."""
    return f"{amount:,.2f}"


@dataclass(frozen=True)
class ChartBar:
    label: str
    count: int
    amount: Decimal
    percent: int  # bar width relative to the largest count of its series

    @property
    def amount_text(self) -> str:
        return money_text(self.amount)


@dataclass(frozen=True)
class ChartSeries:
    title: str
    total_count: int
    total_amount: Decimal
    bars: tuple[ChartBar, ...]

    @property
    def total_amount_text(self) -> str:
        return money_text(self.total_amount)


@dataclass(frozen=True)
class MonthChart:
    month_start: date
    month_end: date
    loans_by_tier: ChartSeries | None
    loans_by_group: ChartSeries | None
    withdrawals_by_tier: ChartSeries | None
    withdrawals_by_group: ChartSeries | None


@dataclass(frozen=True)
class RecentAction:
    """One of the user's own audit rows, in words."""

    at: str
    action: str
    object_type: str
    object_text: str
    url: str | None  # the object's page, when the admin shows that kind of object


@dataclass(frozen=True)
class ProvisionalPolicy:
    """Rows in force today that the center has not confirmed yet (domain.md §8)."""

    parameters: int
    parameters_url: str
    rates: int
    rates_url: str

    @property
    def total(self) -> int:
        return self.parameters + self.rates


@dataclass(frozen=True)
class RiskClassRow:
    risk_class: str
    label: str
    loans: int
    outstanding_principal: Decimal

    @property
    def outstanding_text(self) -> str:
        return show.money(self.outstanding_principal)


@dataclass(frozen=True)
class Dashboard:
    today: date
    loans: QueueSummary | None
    withdrawals: QueueSummary | None
    batch_visible: bool
    batch: BatchSummary | None
    policy: PolicySummary | None
    chart: MonthChart | None
    # Years (this one and the next) with no holiday schedule: deadlines falling in
    # them are counted in calendar days (行政许可法 art. 82 fallback, never silent).
    calendar_missing: tuple[int, ...] = ()
    provisional: ProvisionalPolicy | None = None
    risk_classes: tuple[RiskClassRow, ...] | None = None
    risk_classes_on: date | None = None  # the night whose overdue run left these figures
    recent: tuple[RecentAction, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (
            self.loans
            or self.withdrawals
            or self.batch_visible
            or self.policy
            or self.chart
            or self.provisional
            or self.risk_classes
        )


# --- helpers -----------------------------------------------------------------------


def _changelist(model: type[Model], **params: str) -> str:
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _change(obj: Model) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def capped_count(queryset: QuerySet) -> int:
    """The rows of ``queryset``, counted up to ``COUNT_CAP`` (an index read, never the table)."""
    return queryset.order_by()[:COUNT_CAP].count()


def _status_counts(
    model: type[Model], choices: Iterable[tuple[str, str]]
) -> tuple[int, tuple[StatusCount, ...]]:
    # One capped count per status on the status index: a GROUP BY would read every row.
    rows = tuple(
        StatusCount(
            status=value,
            label=label,
            count=capped_count(model._default_manager.filter(status=value)),
            url=_changelist(model, status__exact=value),
        )
        for value, label in choices
    )
    return sum(r.count for r in rows), rows


def _deadline_buckets(
    *,
    model: type[Model],
    parameter_name: str,
    choice_labels: dict[str, str],
    selected: tuple[tuple[str, QuerySet], ...],
    due_field: str,
    today: date,
) -> tuple[DeadlineBucket, ...]:
    """One bucket per (filter choice, selector result): the link opens that same choice."""
    buckets = []
    for key, selection in selected:
        rows = selection.select_related("applicant").order_by(due_field, "pk")
        cases = tuple(
            DeadlineCase(
                number=obj.number or "",
                applicant_name=obj.applicant.name,
                status_label=obj.get_status_display(),
                due_on=getattr(obj, due_field),
                days_left=(getattr(obj, due_field) - today).days,
                url=_change(obj),
            )
            for obj in rows[:CASES_SHOWN]
        )
        buckets.append(
            DeadlineBucket(
                key=key,
                label=choice_labels[key],
                count=capped_count(rows),
                url=_changelist(model, **{parameter_name: key}),
                cases=cases,
            )
        )
    return tuple(buckets)


def _series(
    title: str, items: Iterable[tuple[Iterable[str], Decimal]], order: list[str]
) -> ChartSeries:
    """One bar per label: ``items`` are (labels, amount) per application.

    Bars in ``order`` (zero too), then any other label. The totals count each
    application once, even when it is under several labels.
    """
    counts: Counter[str] = Counter()
    amounts: dict[str, Decimal] = {}
    total_count, total_amount = 0, ZERO
    for labels, amount in items:
        total_count += 1
        total_amount += amount
        for label in labels:
            counts[label] += 1
            amounts[label] = amounts.get(label, ZERO) + amount
    top = max(counts.values(), default=0)
    bars = tuple(
        ChartBar(
            label=label,
            count=counts[label],
            amount=amounts.get(label, ZERO),
            percent=round(counts[label] * 100 / top) if top else 0,
        )
        for label in order + sorted(k for k in counts if k not in order)
    )
    return ChartSeries(title=title, total_count=total_count, total_amount=total_amount, bars=bars)


def _month_bounds(on: date) -> tuple[date, date]:
    start = on.replace(day=1)
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following


GROUP_LABELS: dict[str, str] = dict(SpecialGroup.choices())
GROUP_ORDER = [*GROUP_LABELS.values(), NO_GROUP]


def _group_labels(codes: Iterable[str]) -> list[str]:
    labels = [GROUP_LABELS.get(c, c) for c in sorted(set(codes))]
    return labels or [NO_GROUP]


def loan_tier_label(tier: int | None) -> str:
    if tier is None:
        return "未认定"
    return {1: "首套", 2: "第二套"}.get(tier, f"第{tier}套")


def withdrawal_homes_label(homes: int) -> str:
    return "无房" if homes == 0 else f"{homes}套"


def loan_special_groups(application: LoanApplication) -> list[str]:
    """The special groups the engine applied, from the decision frozen at approval."""
    decision: dict[str, Any] = application.approval_decision or application.decision or {}
    for reason in decision.get("reasons", []):
        if reason.get("rule") == "special_groups" and reason.get("value"):
            return str(reason["value"]).split(",")
    return []


# --- blocks ------------------------------------------------------------------------


def loan_queue(*, today: date) -> QueueSummary:
    total, statuses = _status_counts(LoanApplication, ApplicationStatus.choices)
    buckets = _deadline_buckets(
        model=LoanApplication,
        parameter_name=str(LoanDeadlineFilter.parameter_name),
        choice_labels=LoanDeadlineFilter.choice_labels,
        selected=(
            ("overdue", loan_applications_overdue(on=today)),
            ("due_soon", loan_applications_near_deadline(on=today)),
        ),
        due_field="deadline_on",
        today=today,
    )
    days = policy_in_force(on=today).value(Key.LOAN_DECISION_DAYS)
    return QueueSummary(
        title="贷款申请",
        changelist_url=_changelist(LoanApplication),
        total=total,
        statuses=statuses,
        decision_days=int(days) if days is not None else None,
        deadline_title=str(LoanDeadlineFilter.title),
        buckets=buckets,
    )


def withdrawal_queue(*, today: date) -> QueueSummary:
    total, statuses = _status_counts(WithdrawalApplication, WithdrawalStatus.choices)
    buckets = _deadline_buckets(
        model=WithdrawalApplication,
        parameter_name=str(WithdrawalDeadlineFilter.parameter_name),
        choice_labels=WithdrawalDeadlineFilter.choice_labels,
        selected=(
            ("yes", withdrawal_applications_overdue(on=today)),
            ("today", withdrawal_applications_near_deadline(on=today)),
        ),
        due_field="decision_due_on",
        today=today,
    )
    days = policy_in_force(on=today).value(Key.WITHDRAWAL_DECISION_DAYS)
    return QueueSummary(
        title="提取申请",
        changelist_url=_changelist(WithdrawalApplication),
        total=total,
        statuses=statuses,
        decision_days=int(days) if days is not None else None,
        deadline_title=str(WithdrawalDeadlineFilter.title),
        buckets=buckets,
    )


def latest_repricing_run() -> BatchSummary | None:
    """The most recent run of the nightly repricing job (by business date)."""
    run = (
        BatchRun.objects.filter(job=REPRICING_JOB)
        .annotate(error_count=Count("errors"))
        .order_by("-business_date", "-id")
        .first()
    )
    if run is None:
        return None
    return BatchSummary(
        job_label=show.batch_job_label(run.job),
        business_date=run.business_date,
        status=run.status,
        status_label=BatchStatus(run.status).label,
        loans_total=run.loans_total,
        loans_repriced=run.loans_repriced,
        loans_failed=run.loans_failed,
        applications_requoted=run.applications_requoted,
        chunks_done=run.chunks_done,
        chunks_total=run.chunks_total,
        errors=run.error_count,
        url=_change(run),
    )


def policy_today(*, on: date) -> PolicySummary:
    """The policy set in force on ``on`` and the days the 52号 measure has left (from its row)."""
    snap = policy_in_force(on=on)
    measure = snap.measure
    warning = snap.value(Key.MEASURE_EXPIRY_WARNING_DAYS)
    return PolicySummary(
        on=on,
        version=snap.version,
        measure=str(measure.value) if measure is not None and measure.is_set else None,
        document=measure.citation.document if measure is not None else None,
        effective_from=measure.citation.effective_from if measure is not None else None,
        effective_to=measure.citation.effective_to if measure is not None else None,
        days_left=measure_days_left(on=on),
        warning_days=int(warning) if warning is not None else None,
        url=_changelist(PolicyParameter, key=str(Key.MEASURE)),
    )


def provisional_policy(*, on: date) -> ProvisionalPolicy:
    """The provisional rows in force on ``on``, linked to the same rows in their lists."""
    in_force = {"status__exact": "provisional", "in_force": "today"}
    return ProvisionalPolicy(
        parameters=policy_rows_provisional_in_force(on=on).count(),
        parameters_url=_changelist(PolicyParameter, **in_force),
        rates=policy_rates_provisional_in_force(on=on).count(),
        rates_url=_changelist(LoanRate, **in_force),
    )


def risk_class_book() -> tuple[date | None, tuple[RiskClassRow, ...]]:
    """The book by class as last night's overdue run left it (classes move only at night),
    with that night's business date."""
    on, rows = loan_book_by_risk_class_last_night()
    return on, tuple(
        RiskClassRow(
            risk_class=row["risk_class"],
            label=row["label"],
            loans=row["loans"],
            outstanding_principal=row["outstanding_principal"],
        )
        for row in rows
    )


def recent_actions(*, user: Any) -> tuple[RecentAction, ...]:
    """The user's own latest audit rows (newest first), read on the (actor, id) index."""
    if not getattr(user, "pk", None):
        return ()
    registered = {f"{m._meta.app_label}.{m._meta.model_name}": m for m in admin.site._registry}
    rows = AuditLog.objects.filter(actor=user).order_by("-id")[:RECENT_ACTIONS]
    out = []
    for row in rows:
        model = registered.get(row.object_type)
        url = None
        if (
            model is not None
            and row.object_id
            and user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
        ):
            meta = model._meta
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.object_id])
        out.append(
            RecentAction(
                at=show.local_time(row.at),
                action=show.action_label(row.action),
                object_type=show.object_type_label(row.object_type),
                object_text=row.object_repr or row.object_id,
                url=url,
            )
        )
    return tuple(out)


def approved_loans_in_month(*, on: date) -> list[LoanApplication]:
    start, following = _month_bounds(on)
    return list(
        LoanApplication.objects.filter(
            status__in=APPROVED_LOAN_STATUSES, decided_on__gte=start, decided_on__lt=following
        ).order_by("pk")
    )


def approved_withdrawals_in_month(*, on: date) -> list[WithdrawalApplication]:
    """Approved in the month of ``on``: approval and payment share one business date."""
    start, following = _month_bounds(on)
    return list(
        WithdrawalApplication.objects.filter(
            status=WithdrawalStatus.APPROVED,
            payment__paid_on__gte=start,
            payment__paid_on__lt=following,
        )
        .select_related("applicant")
        .order_by("pk")
    )


def month_chart(*, on: date, loans: bool, withdrawals: bool) -> MonthChart:
    """Approved this month, by home tier and by special group.

    Loans: the tier and groups of the approval's frozen engine result (an
    application in several groups counts once in each). Withdrawals: the homes
    the household held in the city and its special groups on the application
    date, as the withdrawal rules read them.
    """
    start, following = _month_bounds(on)
    loan_tier = loan_group = wd_tier = wd_group = None
    if loans:
        rows = [(a, a.approved_amount or ZERO) for a in approved_loans_in_month(on=on)]
        loan_tier = _series(
            "贷款：按认定住房套数",
            (([loan_tier_label(a.approved_home_tier or a.home_tier)], amt) for a, amt in rows),
            ["首套", "第二套"],
        )
        loan_group = _series(
            "贷款：按特定群体",
            ((_group_labels(loan_special_groups(a)), amt) for a, amt in rows),
            GROUP_ORDER,
        )
    if withdrawals:
        tiers: list[tuple[list[str], Decimal]] = []
        groups: list[tuple[list[str], Decimal]] = []
        for w in approved_withdrawals_in_month(on=on):
            homes, codes = w.approved_homes, w.approved_groups
            if homes is None or codes is None:  # approved before these were frozen
                homes = len(household_homes(depositor=w.applicant, on=w.applied_on))
                codes = {
                    m.group.value for m in special_groups_of(depositor=w.applicant, on=w.applied_on)
                }
            tiers.append(([withdrawal_homes_label(homes)], w.amount))
            groups.append((_group_labels(codes), w.amount))
        wd_tier = _series("提取：按申请日家庭住房套数", tiers, ["无房", "1套"])
        wd_group = _series("提取：按特定群体", groups, GROUP_ORDER)
    return MonthChart(
        month_start=start,
        month_end=date.fromordinal(following.toordinal() - 1),
        loans_by_tier=loan_tier,
        loans_by_group=loan_group,
        withdrawals_by_tier=wd_tier,
        withdrawals_by_group=wd_group,
    )


def dashboard_for(*, user: Any) -> Dashboard:
    """What ``user`` may see on the start page today (the day the queue filters use)."""
    today = today_local()
    sees_loans = user.has_perm("loans.view_loanapplication")
    sees_withdrawals = user.has_perm("withdrawals.view_withdrawalapplication")
    sees_batch = user.has_perm("loans.view_batchrun")
    sees_policy = user.has_perm("gjj.view_policyparameter")
    risk_book = risk_class_book() if user.has_perm("loans.view_loan") else None
    return Dashboard(
        today=today,
        loans=loan_queue(today=today) if sees_loans else None,
        withdrawals=withdrawal_queue(today=today) if sees_withdrawals else None,
        batch_visible=sees_batch,
        batch=latest_repricing_run() if sees_batch else None,
        policy=policy_today(on=today) if sees_policy else None,
        chart=(
            month_chart(on=today, loans=sees_loans, withdrawals=sees_withdrawals)
            if sees_loans or sees_withdrawals
            else None
        ),
        calendar_missing=(
            calendar_years_missing(years=(today.year, today.year + 1))
            if sees_loans or sees_withdrawals or sees_policy
            else ()
        ),
        provisional=provisional_policy(on=today) if sees_policy else None,
        risk_classes=risk_book[1] if risk_book is not None else None,
        risk_classes_on=risk_book[0] if risk_book is not None else None,
        recent=recent_actions(user=user),
    )
