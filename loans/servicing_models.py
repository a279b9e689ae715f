"""Loan servicing: repayment sources and authorisations, collection and overdue state."""
