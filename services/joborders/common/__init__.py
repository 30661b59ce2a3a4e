"""Helpers the job-order subdomains share: loading and locking orders, idempotency, working days."""
