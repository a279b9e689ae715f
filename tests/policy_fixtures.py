"""A PolicySnapshot built from the seed rows without a database, for pure tests.

The rows are read from the data migrations, which hold the one frozen copy.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import import_module

from gjj.domain import TermBand
from gjj.policy import (
    Citation,
    PolicySnapshot,
    PolicyValue,
    RateValue,
    ValueKind,
    parse_value,
    resolve,
)

# Module names that start with a digit: importable only by name.
_POLICY_SEED = import_module("gjj.migrations.0002_policy_seed")
_LOAN_RULE_ROWS = import_module("gjj.migrations.0005_loan_rule_rows")
_POLICY_FIDELITY = import_module("gjj.migrations.0010_policy_fidelity")

# Every parameter row the data migrations of gjj load, in order.
SEED_PARAMETERS = [
    *_POLICY_SEED.PARAMETERS,
    *_LOAN_RULE_ROWS.PARAMETERS,
    *_POLICY_FIDELITY.PARAMETERS,
]
SEED_RATES = _POLICY_SEED.RATES


def _d(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


def seed_params() -> list[PolicyValue]:
    out = []
    for i, (key, kind, value, start, end, doc, art, source, note) in enumerate(SEED_PARAMETERS):
        out.append(
            PolicyValue(
                key=key,
                value=parse_value(kind, value),
                kind=ValueKind(kind),
                citation=Citation(
                    doc, art, source, date.fromisoformat(start), _d(end), f"seed-param:{i}"
                ),
                note=note,
            )
        )
    return out


def seed_rates() -> list[RateValue]:
    out = []
    for i, (start, tier, band, rate, is_floor, doc, art) in enumerate(SEED_RATES):
        out.append(
            RateValue(
                home_tier=tier,
                term_band=TermBand(band),
                annual_rate_percent=Decimal(rate),
                is_floor=is_floor,
                citation=Citation(
                    doc, art, "national", date.fromisoformat(start), None, f"seed-rate:{i}"
                ),
            )
        )
    return out


def seed_snapshot(on: date) -> PolicySnapshot:
    return resolve(on=on, params=seed_params(), rates=seed_rates())
