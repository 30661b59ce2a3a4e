"""The mediation log (formidlingslog): one append-only row per event on an order."""
