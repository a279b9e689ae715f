"""Admin for loans."""
