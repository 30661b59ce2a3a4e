"""Jobbro's services: job orders, matching, and the web UI that sits on both."""
