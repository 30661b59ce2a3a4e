"""Sharing an order from the coordinating jobcentre with a-kasser."""
