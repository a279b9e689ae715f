"""Clerks' pages for loan servicing: repayment sources, collection and the overdue list (催收)."""
