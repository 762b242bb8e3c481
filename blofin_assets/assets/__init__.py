"""Thin Dagster assets: read inputs, call domain code, return values with metadata."""
