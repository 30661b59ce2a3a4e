"""Offline model work: base-model setup, training, assembly, dev sets and evaluations.

Run by `make model` and the `jobbro model`/`jobbro eval` commands, never by a request;
the running product only reads what these write (see matching.occupations.tuned_model).
"""
