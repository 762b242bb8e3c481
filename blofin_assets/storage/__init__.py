"""Persistence outside the model store: the results database and JSON helpers."""
