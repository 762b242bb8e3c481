"""One line for an error another library raised, fit for a message, a log or /health."""

from __future__ import annotations


def brief(error: BaseException, limit: int = 300) -> str:
    """``Type: first line of its message`` (cut at ``limit`` characters), or the type alone
    when the message is empty (a driver's or a C extension's errors can be multi-line or empty)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:limit]}" if lines else type(error).__name__
