"""List pages that stay fast on a city-sized book: no full counts, indexed searches.

- The paginator never counts a whole big table: an unfiltered list on PostgreSQL reads the
  planner's row estimate (``pg_class.reltuples``); a filtered or searched list counts at
  most a few pages beyond the one asked for and says "more" past that.
- Searches by identifier (ID number, account, application and contract numbers, declared
  per admin in ``search_identifiers``) match exactly or by prefix on their btree indexes;
  the other ``search_fields`` are names: three or more characters anywhere in the name (a
  pg_trgm index on PostgreSQL), one or two characters at its start (a surname, or a whole
  two-character name) on the btree index.
- Filters over a plain column list its values by walking the column's index (a "loose
  index scan"), not with ``SELECT DISTINCT`` over the whole table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Field, Model, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

# Below this many rows (by the planner's estimate) an exact count is cheap and shown.
ESTIMATE_FROM = 50_000
# A filtered list counts this many pages past the one shown, then says "more".
PAGES_AHEAD = 10
# Each identifier or name path contributes at most this many matches to one search.
MATCH_CAP = 1_000
# The date hierarchy reads at most this many periods by index, else the plain way.
MAX_PROBES = 62
# Shortest name fragment a trigram index answers anywhere inside a name.
TRIGRAM_MIN = 3

# Columns whose list filter lists the values present (AllValuesFieldListFilter).
PLAIN_COLUMNS = frozenset(
    {
        "CharField",
        "TextField",
        "SlugField",
        "IntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "BigIntegerField",
    }
)
IDENTIFIER = re.compile(r"^[0-9A-Za-z._\-]+$")


def _is_postgres(queryset: QuerySet[Any]) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _is_unfiltered(queryset: QuerySet[Any]) -> bool:
    return not queryset.query.where and not queryset.query.combinator


def table_estimate(queryset: QuerySet[Any]) -> int | None:
    """The planner's row estimate for the queryset's table (None if never analysed)."""
    table = queryset.model._meta.db_table
    with connections[queryset.db].cursor() as cur:
        cur.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connections[queryset.db].ops.quote_name(table)],
        )
        row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


class CityScalePaginator(Paginator):
    """A paginator whose ``count`` never scans a whole big table.

    ``exact`` tells the template whether ``count`` is the true number: an estimate for an
    unfiltered big table, or a lower bound (“至少”) when a filtered list has more rows than
    were counted.
    """

    def __init__(self, object_list: Any, per_page: int, *, page: int = 1, **kwargs: Any):
        super().__init__(object_list, per_page, **kwargs)
        self.requested_page = max(1, page)
        self.exact = True
        self.estimated = False

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if not isinstance(qs, QuerySet):
            return len(qs)
        if _is_postgres(qs) and _is_unfiltered(qs):
            estimate = table_estimate(qs)
            if estimate is not None and estimate >= ESTIMATE_FROM:
                self.exact, self.estimated = False, True
                return estimate
        cap = (self.requested_page + PAGES_AHEAD) * self.per_page + 1
        counted = qs.order_by()[:cap].count()
        if counted == cap:
            self.exact = False
        return counted

    def validate_number(self, number: Any) -> int:
        # An estimate may undercount: a page past it is tried, not refused.
        if not self.exact:
            try:
                return max(1, int(number))
            except (TypeError, ValueError):
                pass
        return super().validate_number(number)

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        if self.exact:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        return Page(self.object_list[bottom : bottom + self.per_page], number, self)

    @property
    def num_pages(self) -> int:
        pages = max(1, math.ceil(self.count / self.per_page)) if self.count else 1
        return max(pages, self.requested_page)


class IndexedValuesFilter(admin.AllValuesFieldListFilter):
    """The values of a plain column, read by hopping along its index (PostgreSQL).

    ``SELECT DISTINCT`` reads every row; the recursive walk reads one index entry per
    distinct value. Only the values present in the whole table are listed, as before.
    """

    def __init__(
        self,
        field: Field,
        request: HttpRequest,
        params: dict[str, Any],
        model: type[Model],
        model_admin: Any,
        field_path: str,
    ) -> None:
        self._model, self._field_path = model, field_path
        super().__init__(field, request, params, model, model_admin, field_path)
        queryset = model_admin.get_queryset(request)
        if _is_postgres(queryset) and "__" not in field_path:
            self.lookup_choices = distinct_values(  # type: ignore[assignment]
                model, field.column, db=queryset.db
            )


def distinct_values(model: type[Model], column: str, *, db: str) -> list[Any]:
    conn = connections[db]
    table, col = conn.ops.quote_name(model._meta.db_table), conn.ops.quote_name(column)
    with conn.cursor() as cur:
        # Table and column names are the model's own, quoted; no user input reaches here.
        cur.execute(
            f"WITH RECURSIVE v(x) AS ("  # noqa: S608
            f" (SELECT {col} FROM {table} WHERE {col} IS NOT NULL ORDER BY {col} LIMIT 1)"
            f" UNION ALL"
            f" SELECT (SELECT {col} FROM {table} WHERE {col} > v.x ORDER BY {col} LIMIT 1)"
            f" FROM v WHERE v.x IS NOT NULL"
            f") SELECT x FROM v WHERE x IS NOT NULL"
        )
        return [x for (x,) in cur.fetchall()]


def _period_of(day: date, kind: str) -> tuple[date, date]:
    """The [start, end) year, month or day holding ``day``."""
    if kind == "year":
        return date(day.year, 1, 1), date(day.year + 1, 1, 1)
    if kind == "month":
        start = day.replace(day=1)
        return start, (start + timedelta(days=32)).replace(day=1)
    return day, day + timedelta(days=1)


class IndexedDatesMixin:
    """``dates()``/``datetimes()`` for the date hierarchy without ``SELECT DISTINCT``.

    One ordered index read per period present: the first value, then the first value at or
    after the end of its year (month, day), and so on. An EXISTS probe per period would let
    the planner pick a sequential scan that meets a clustered period only late.
    """

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> Any:
        found = self._probe(field_name, kind, aware=False)
        if found is None:
            return super().dates(field_name, kind, order)  # type: ignore[misc]
        return found if order == "ASC" else found[::-1]

    def datetimes(self, field_name: str, kind: str, order: str = "ASC", tzinfo: Any = None) -> Any:
        found = self._probe(field_name, kind, aware=True)
        if found is None:
            return super().datetimes(field_name, kind, order, tzinfo)  # type: ignore[misc]
        return found if order == "ASC" else found[::-1]

    def _probe(self, field_name: str, kind: str, *, aware: bool) -> list[Any] | None:
        qs: QuerySet[Any] = self  # type: ignore[assignment]
        if kind not in ("year", "month", "day") or not _is_postgres(qs):
            return None
        tz = timezone.get_current_timezone()
        ordered = (
            qs.filter(**{f"{field_name}__isnull": False})
            .order_by(field_name)
            .values_list(field_name, flat=True)
        )
        found: list[Any] = []
        bound: Any = None
        # Hop along the index: the first value at or after the end of the last period found.
        while len(found) <= MAX_PROBES:
            rows = list(
                (ordered if bound is None else ordered.filter(**{f"{field_name}__gte": bound}))[:1]
            )
            if not rows:
                return found
            value = rows[0].astimezone(tz).date() if aware else rows[0]
            start, end = _period_of(value, kind)
            if aware:
                found.append(datetime.combine(start, time.min, tzinfo=tz))
                bound = datetime.combine(end, time.min, tzinfo=tz)
            else:
                found.append(start)
                bound = end
        return None


_INDEXED_DATES: dict[type, type] = {}


def with_indexed_dates(queryset: QuerySet[Any]) -> QuerySet[Any]:
    cls = type(queryset)
    if not issubclass(cls, IndexedDatesMixin):
        if cls not in _INDEXED_DATES:
            _INDEXED_DATES[cls] = type(f"IndexedDates{cls.__name__}", (IndexedDatesMixin, cls), {})
        queryset.__class__ = _INDEXED_DATES[cls]
    return queryset


class CityScaleChangeList(ChangeList):
    """Django's change list, told which page is asked for so the paginator counts little."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> Any:
        queryset = super().get_queryset(request, exclude_parameters)
        return with_indexed_dates(queryset) if self.date_hierarchy else queryset

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        paginator = self.paginator
        if isinstance(paginator, CityScalePaginator):
            # “共 N 条” reads the count: an estimate or a lower bound is said as such.
            self.count_exact = paginator.exact
            self.count_estimated = paginator.estimated


class CityScaleListMixin:
    """Mixed into every admin list of the center's books."""

    paginator: ClassVar[type] = CityScalePaginator
    show_full_result_count = False
    # Exact or prefix match on these (indexed) paths; the other search_fields are names.
    search_identifiers: Sequence[str] = ()
    # Where a word that is not an identifier is looked for; by default the search fields
    # that are not identifiers (a column holding both, as a description, is named here).
    search_names: Sequence[str] | None = None

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: Any,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> Paginator:
        page = request.GET.get("p", "1")
        number = int(page) if page.isdigit() else 1
        paginator_class: Any = self.paginator
        if issubclass(paginator_class, CityScalePaginator):
            return paginator_class(
                queryset,
                per_page,
                page=number,
                orphans=orphans,
                allow_empty_first_page=allow_empty_first_page,
            )
        return paginator_class(queryset, per_page, orphans, allow_empty_first_page)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CityScaleChangeList

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = super().get_list_filter(request)  # type: ignore[misc]
        return [self._indexed_filter(f) for f in filters]

    def _indexed_filter(self, spec: Any) -> Any:
        if not isinstance(spec, str) or "__" in spec:
            return spec
        field = self.model._meta.get_field(spec)  # type: ignore[attr-defined]
        if field.is_relation or field.choices or field.get_internal_type() not in PLAIN_COLUMNS:
            return spec
        return (spec, IndexedValuesFilter)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        if not self.search_identifiers:
            return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        return identifier_search(
            queryset,
            search_term,
            identifiers=self.search_identifiers,
            names=self.search_names
            if self.search_names is not None
            else [
                f
                for f in self.get_search_fields(request)  # type: ignore[attr-defined]
                if f not in self.search_identifiers
            ],
        )


def _name_lookup(path: str, term: str, *, postgres: bool) -> Q:
    if len(term) < TRIGRAM_MIN:
        return Q(**{f"{path}__startswith": term})
    # On PostgreSQL a case-sensitive LIKE '%…%' is what the gin_trgm_ops index answers.
    return Q(**{f"{path}__contains" if postgres else f"{path}__icontains": term})


def identifier_search(
    queryset: QuerySet[Any],
    search_term: str,
    *,
    identifiers: Sequence[str],
    names: Sequence[str],
) -> tuple[QuerySet[Any], bool]:
    """Rows matching every word of the search (as Django's admin search does), each word
    by identifier or by name.

    An identifier-shaped word (digits, letters, hyphens) is looked up on the identifiers
    (equal or starting with it), anything else on the names. Each path is asked alone (so
    each uses its own index) for the matching primary keys; the page then reads those
    rows. A path matching more than ``MATCH_CAP`` rows is kept as a filter instead, which
    the list's ordered scan meets quickly precisely because matches are many.
    """
    words = search_term.split()
    if not words:
        return queryset, False
    postgres = _is_postgres(queryset)
    base = queryset.model._default_manager.using(queryset.db).order_by()
    broad_any = False
    for word in words:
        condition, broad = _word_condition(
            base, word, identifiers=identifiers, names=names, postgres=postgres
        )
        if condition is None:
            return queryset.none(), False
        queryset = queryset.filter(condition)
        broad_any = broad_any or broad
    return queryset, broad_any


def _word_condition(
    base: QuerySet[Any],
    word: str,
    *,
    identifiers: Sequence[str],
    names: Sequence[str],
    postgres: bool,
) -> tuple[Q | None, bool]:
    if IDENTIFIER.match(word):
        # Identifiers are kept upper case (ID numbers end in X); a lower-case entry too.
        lookups = [
            Q(**{f"{path}__startswith": word}) | Q(**{f"{path}__startswith": word.upper()})
            for path in identifiers
        ]
    else:
        lookups = [_name_lookup(path, word, postgres=postgres) for path in names]
    if not lookups:
        return None, False
    pks: set[Any] = set()
    broad: list[Q] = []
    for lookup in lookups:
        found = list(base.filter(lookup).values_list("pk", flat=True).distinct()[: MATCH_CAP + 1])
        if len(found) > MATCH_CAP:
            broad.append(lookup)
        else:
            pks.update(found)
    condition = Q(pk__in=sorted(pks))
    for lookup in broad:
        condition |= lookup
    return condition, bool(broad)
