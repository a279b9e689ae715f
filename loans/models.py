"""Loan tables."""
