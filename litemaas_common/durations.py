"""LiteLLM's duration strings, parsed once for the stack config and the dynamic providers."""

from __future__ import annotations

import re

LITELLM_DURATION = re.compile(r"^(\d+)(s|m|h|d|w|mo)$")
SIMPLE_DURATION = re.compile(r"^(\d+)(s|m|h)$")

SECONDS_PER_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2592000}


def parse_litellm_duration(value: str) -> int:
    """Seconds in a LiteLLM duration (`30s`, `15m`, `12h`, `30d`, `2w`, `1mo`); ValueError otherwise."""
    match = LITELLM_DURATION.match(value) if isinstance(value, str) else None
    if not match or int(match.group(1)) == 0:
        raise ValueError(
            f"{value!r} is not a LiteLLM duration: use a positive whole number followed by "
            "s, m, h, d, w or mo (e.g. 30d, 12h, 1mo)"
        )
    return int(match.group(1)) * SECONDS_PER_UNIT[match.group(2)]


def simple_duration_seconds(value: str) -> float:
    """Seconds in a timeout of the stack config (`60s`, `10m`, `1h`); ValueError otherwise."""
    match = SIMPLE_DURATION.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a duration such as 60s or 10m")
    return float(int(match.group(1)) * SECONDS_PER_UNIT[match.group(2)])
