"""Candidates on an order: ranked matches, proposing, contact, referral, hire."""
