"""Job-order tables."""
