"""Celery tasks of this service."""
