"""The one way tests build data: factory-boy factories that go through the services.

Import from here: ``from tests.factories import StaffFactory, make_staff, applicant``.
"""

from tests.factories.loans import (
    DATES,
    ORDER,
    PURCHASE,
    STAGES,
    SZG,
    LoanApplicationFactory,
    advance,
    backdate_loan,
    disbursed_loan,
    draft,
    home,
    spouse_of,
)
from tests.factories.people import (
    PASSWORD,
    AccountFactory,
    DepositorFactory,
    Staff,
    StaffFactory,
    account,
    applicant,
    deposit_history,
    depositor,
    id_number,
    make_staff,
    make_team,
    next_account_number,
    relate,
)
from tests.factories.withdrawals import BANK, Builder

__all__ = [
    "BANK",
    "DATES",
    "ORDER",
    "PASSWORD",
    "PURCHASE",
    "STAGES",
    "SZG",
    "AccountFactory",
    "Builder",
    "DepositorFactory",
    "LoanApplicationFactory",
    "Staff",
    "StaffFactory",
    "account",
    "advance",
    "applicant",
    "backdate_loan",
    "deposit_history",
    "depositor",
    "disbursed_loan",
    "draft",
    "home",
    "id_number",
    "make_staff",
    "make_team",
    "next_account_number",
    "relate",
    "spouse_of",
]
