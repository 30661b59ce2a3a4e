"""STAR's job-order measures per organisation and period."""
