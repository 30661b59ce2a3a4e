"""Free notes on an order and on a candidate on an order."""
