"""Withdrawal tables."""
