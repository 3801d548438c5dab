"""Objects whose deletion makes LiteLLM delete their keys too (teams, users): refuse rather than revoke a key."""

from __future__ import annotations

from typing import Any, Mapping


class HoldsKeysError(Exception):
    """A delete refused because LiteLLM would delete the object's keys with it."""


def refuse_while_keys_remain(api: Any, listing: Mapping[str, Any], what: str, advice: str,
                             error: type[HoldsKeysError] = HoldsKeysError) -> None:
    """Raise `error` when `listing` (a `/key/list` answer) holds keys; `what` names the object, `advice` the way out."""
    rows = [r for r in listing.get("keys") or [] if isinstance(r, dict)]
    if not rows:
        return
    total = max(int(listing.get("total_count") or 0), len(rows))
    names = ", ".join(repr(r["key_alias"]) if r.get("key_alias") else str(r.get("key_name") or "no alias")
                      for r in rows) + (", ..." if total > len(rows) else "")
    raise error(api.redact(
        f"{what} was not deleted: it still holds {total} key{'s' if total != 1 else ''} ({names}), which LiteLLM "
        f"would delete with it. {advice}"))
