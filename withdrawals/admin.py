"""Admin for withdrawals."""
