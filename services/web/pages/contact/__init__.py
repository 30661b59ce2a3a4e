"""Samarbejde: the joint contact process pages (early-offer recommendations, joint interviews)."""
