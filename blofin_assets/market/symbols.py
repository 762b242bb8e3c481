"""What a symbol name may be. Symbols become file names (CSV files, per-symbol partitions),
Dagster partition keys and exchange instrument ids, so one pattern is checked wherever a name
enters: letters, digits and ``-_.``, starting with a letter or digit, no ``..``, at most
``MAX_LENGTH`` characters. Nothing else (no path separators, control or right-to-left
characters) can reach a path or a printed table."""

from __future__ import annotations

import re

from blofin_assets.market.schema import CandleDataError

MAX_LENGTH = 64
PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_LENGTH - 1}}}")
RULE = f"letters, digits and -_. only, starting with a letter or digit, no '..', at most {MAX_LENGTH} characters"


def check_symbol(name: object, where: str) -> str:
    """``name`` if it is a valid symbol, else CandleDataError naming it, ``where`` it came
    from and the rule."""
    if not isinstance(name, str) or not PATTERN.fullmatch(name) or ".." in name:
        raise CandleDataError(f"{where}: symbol {name!r} is not a valid symbol name ({RULE})")
    return name


def check_symbols(names, where: str) -> list[str]:
    return [check_symbol(name, where) for name in names]
