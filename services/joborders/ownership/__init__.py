"""One mediation owner per order: hand-over, take-over and its history."""
