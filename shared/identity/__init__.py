"""Organisations, users, API keys and audit-log reading."""
