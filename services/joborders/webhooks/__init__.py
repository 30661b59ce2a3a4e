"""Webhooks: a system client registers an endpoint and hears of order events as they happen."""
