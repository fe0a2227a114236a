"""Exact decimal arithmetic and the way points are written (R6)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

ZERO = Decimal(0)
MINUS = "\u2212"  # the typographic minus of the method's printed tables


def decimal(value: int | Decimal) -> Decimal:
    """The Decimal of a count or an amount; a count's is one shared object per value (a year's
    million decisions repeat a few quantities, and each Decimal is 104 bytes)."""
    return value if isinstance(value, Decimal) else _count(value)


@lru_cache(maxsize=4096)
def _count(value: int) -> Decimal:
    return Decimal(value)


@lru_cache(maxsize=4096)  # a year repeats the same few amounts a million times
def plain(value: Decimal | int) -> str:
    """16, 15.5, 0.25: no exponent, no trailing zeros."""
    value = Decimal(value)
    text = format(value.normalize(), "f") if value else "0"
    return text.replace("-", MINUS)


@lru_cache(maxsize=4096)  # and the same few points
def signed(value: Decimal) -> str:
    """Points with their sign: +5, −0.5, 0."""
    return ("+" + plain(value)) if value > 0 else plain(value)


def two_places(value: Decimal) -> str:
    """A score as shown on a scorecard: always 2 decimals."""
    return format(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP), "f")


def signed_two_places(value: Decimal) -> str:
    """A score's move, as the diff, compare and what-if views show it: +1.50, -0.25, 0.00."""
    text = two_places(value)
    return "+" + text if value > 0 else text


def round_half_up(value: Decimal, places: int) -> Decimal:
    """四舍五入 to `places` decimals (away from zero at .5, as the method's readers expect)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
