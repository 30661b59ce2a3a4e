"""Matching tables: CV bank and index bookkeeping."""
