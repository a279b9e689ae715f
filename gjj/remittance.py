"""Employer remittance files (汇缴): the strict format, its line and total checks, and the import.

The ordinary path of regular deposits (domain.md §8). Imports nothing above ``gjj``.

The file is UTF-8 CSV, one header line, then one line per depositor::

    H,<统一社会信用代码>,<YYYY-MM>,<笔数>,<合计金额>
    D,<个人账号>,<姓名>,<金额>

Amounts are plain decimals with at most two places (domain.md §6: bank files parse
strictly). The count and total of the header must equal the lines'.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from django.db import IntegrityError, transaction

from gjj.domain import AuditAction, Role
from gjj.errors import BusinessError
from gjj.models import AccountEntry, AccountStatus, Employer, EntryType, ProvidentAccount
from gjj.models import RemittanceImport as RemittanceImportRow
from gjj.services import Actor, Posting, account_entries_post, audit_record
from gjj.workflow import require_not_involved, require_role

_AMOUNT: Final = re.compile(r"[0-9]{1,14}(\.[0-9]{1,2})?")
_DIGITS: Final = re.compile(r"[0-9]{1,20}")
_MONTH: Final = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_ACTIVE: Final = (AccountStatus.NORMAL, AccountStatus.SEALED)


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    line_no: int
    account_number: str
    name: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RemittanceFile:
    credit_code: str
    month: str
    count: int
    total: Decimal
    lines: tuple[RemittanceLine, ...]


@dataclass(frozen=True, slots=True)
class RemittanceResult:
    row: RemittanceImportRow
    entries: tuple[AccountEntry, ...]
    replayed: bool  # the same file was imported before: nothing posted this time


class _Problems:
    """Refusals gathered line by line, reported together (all or nothing)."""

    def __init__(self) -> None:
        self.fields: dict[str, list[dict[str, str]]] = {}

    def add(self, line_no: int, code: str, message: str) -> None:
        key = f"line_{line_no}"
        self.fields.setdefault(key, []).append(
            {"code": code, "message": f"第{line_no}行：{message}"}
        )

    def raise_any(self) -> None:
        if self.fields:
            raise BusinessError.for_fields("remittance_invalid", self.fields)


def _amount(text: str) -> Decimal | None:
    return Decimal(text) if _AMOUNT.fullmatch(text) else None


def remittance_parse(*, content: bytes) -> RemittanceFile:
    """Parse and check the format, line by line; refuses 400 ``remittance_invalid``."""
    problems = _Problems()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BusinessError("remittance_invalid", "文件须为 UTF-8 编码的 CSV") from exc
    rows = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1) if row]
    if not rows or rows[0][1][0] != "H":
        raise BusinessError(
            "remittance_invalid", "第1行须为表头行：H,统一社会信用代码,缴存月份,笔数,合计金额"
        )
    head_no, head = rows[0]
    credit_code = month = ""
    count, total = -1, None
    if len(head) != 5:
        problems.add(head_no, "field_count", "表头行须有5项")
    else:
        credit_code, month = head[1].strip(), head[2].strip()
        if not _MONTH.fullmatch(month):
            problems.add(head_no, "invalid_month", f"缴存月份“{month}”须为YYYY-MM")
        count = int(head[3]) if _DIGITS.fullmatch(head[3].strip()) else -1
        if count < 0:
            problems.add(head_no, "invalid_count", f"笔数“{head[3]}”须为数字")
        total = _amount(head[4].strip())
        if total is None:
            problems.add(head_no, "invalid_amount", f"合计金额“{head[4]}”须为至多两位小数的金额")
    lines: list[RemittanceLine] = []
    seen: set[str] = set()
    for n, row in rows[1:]:
        if row[0] != "D" or len(row) != 4:
            problems.add(n, "invalid_line", "明细行须为：D,个人账号,姓名,金额")
            continue
        number, name, raw = row[1].strip(), row[2].strip(), row[3].strip()
        amount = _amount(raw)
        if not _DIGITS.fullmatch(number):
            problems.add(n, "invalid_account_number", f"个人账号“{number}”须为数字")
        elif number in seen:
            problems.add(n, "duplicate_account", f"个人账号{number}在文件中重复")
        seen.add(number)
        if amount is None or amount == 0:
            problems.add(n, "invalid_amount", f"金额“{raw}”须为大于零、至多两位小数的金额")
        else:
            lines.append(RemittanceLine(n, number, name, amount))
    if not rows[1:]:
        problems.add(head_no, "no_lines", "文件没有明细行")
    problems.raise_any()
    if total is None:  # the header was refused above; this tells the type checker
        raise BusinessError("remittance_invalid", "表头行无效")
    if count != len(lines):
        problems.add(head_no, "count_mismatch", f"表头笔数{count}与明细行数{len(lines)}不符")
    if total != sum((line.amount for line in lines), Decimal("0.00")):
        summed = sum((line.amount for line in lines), Decimal("0.00"))
        problems.add(head_no, "total_mismatch", f"表头合计{total}元与明细合计{summed}元不符")
    problems.raise_any()
    return RemittanceFile(credit_code, month, count, total, tuple(lines))


def remittance_import(
    *, content: bytes, file_name: str, value_date: date, actor: Actor
) -> RemittanceResult:
    """Import an employer's file: every line posts as 汇缴, or none does.

    The same file (by SHA-256) imported again posts nothing and returns the first
    import. Accounts are locked in pk order by ``account_entries_post``. Refuses 403
    ``role_required``/``own_application`` and 400 ``remittance_invalid`` naming each line.
    """
    require_role(actor, Role.CLERK, doing="导入单位汇缴文件")
    if actor is None:  # require_role refused it already; this tells the type checker
        raise BusinessError("actor_required", "汇缴文件须由经办人导入")
    digest = hashlib.sha256(content).hexdigest()
    earlier = RemittanceImportRow.objects.filter(file_hash=digest).first()
    if earlier is not None:
        return RemittanceResult(earlier, (), replayed=True)
    parsed = remittance_parse(content=content)
    with transaction.atomic():
        employer = Employer.objects.filter(credit_code=parsed.credit_code).first()
        if employer is None:
            raise BusinessError("unknown_employer", f"统一社会信用代码{parsed.credit_code}未登记")
        accounts = _accounts_of(parsed=parsed, employer=employer)
        ids = sorted(a.depositor_id for a in accounts.values())
        require_not_involved(
            actor, accounts[parsed.lines[0].account_number].depositor, noun="账务", also_ids=ids
        )
        try:
            with transaction.atomic():
                row = RemittanceImportRow.objects.create(
                    employer=employer,
                    month=parsed.month,
                    file_name=file_name[:200],
                    file_hash=digest,
                    line_count=parsed.count,
                    total=parsed.total,
                    value_date=value_date,
                    imported_by=actor,
                )
        except IntegrityError:  # a concurrent import of the same file won the race
            return RemittanceResult(
                RemittanceImportRow.objects.get(file_hash=digest), (), replayed=True
            )
        entries = account_entries_post(
            postings=[
                Posting(
                    account_id=accounts[line.account_number].pk,
                    entry_type=EntryType.REMITTANCE,
                    amount=line.amount,
                    memo=f"{parsed.month}汇缴",
                    reference=f"汇缴导入#{row.pk}",
                )
                for line in parsed.lines
            ],
            value_date=value_date,
            actor=actor,
            reason=f"{employer.name}{parsed.month}汇缴文件{file_name}",
        )
        audit_record(
            actor=actor,
            action=AuditAction.REMITTANCE_IMPORTED,
            obj=row,
            new={
                "employer": employer.pk,
                "month": parsed.month,
                "lines": parsed.count,
                "total": parsed.total,
                "file_hash": digest,
            },
            reason=file_name,
        )
    return RemittanceResult(row, tuple(entries), replayed=False)


def _accounts_of(*, parsed: RemittanceFile, employer: Employer) -> dict[str, ProvidentAccount]:
    """Each line's account, checked against the employer, the name and the status."""
    numbers = [line.account_number for line in parsed.lines]
    found = {
        a.account_number: a
        for a in ProvidentAccount.objects.filter(account_number__in=numbers).select_related(
            "depositor"
        )
    }
    problems = _Problems()
    for line in parsed.lines:
        acc = found.get(line.account_number)
        if acc is None:
            problems.add(line.line_no, "unknown_account", f"个人账号{line.account_number}不存在")
        elif acc.depositor.employer_id != employer.pk:
            problems.add(
                line.line_no, "wrong_employer", f"个人账号{line.account_number}不属于本单位"
            )
        elif acc.depositor.name != line.name:
            problems.add(line.line_no, "name_mismatch", f"姓名“{line.name}”与个人账号不符")
        elif acc.status not in _ACTIVE:
            problems.add(
                line.line_no,
                "account_not_active",
                f"账户{acc.account_number}状态为“{acc.get_status_display()}”，不能汇缴",
            )
    problems.raise_any()
    return found
