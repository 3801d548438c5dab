"""The message an admin sends a user with their key. Plain functions and the standard library only, so the
Pulumi program can build the same text as a stack output (`keys` output details in, text out)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping, Optional, Sequence

KEY_HELD_BY_USER = "unchanged, held by the user"


def money(value: Optional[float]) -> str:
    """A LiteLLM amount (USD) without float noise: 25 -> "25", 0.048 -> "0.048", 0.00012345 -> "0.0001"."""
    if value is None:
        return "-"
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def as_datetime(value: Any) -> Optional[datetime]:
    """LiteLLM's timestamps (`...Z`, `+00:00`, micro- or milliseconds) as an aware UTC datetime."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def day(value: Any) -> str:
    moment = as_datetime(value)
    return moment.strftime("%Y-%m-%d") if moment else "never"


def openai_base_url(gateway_url: str) -> str:
    """What OpenAI SDKs take as `base_url`: the gateway's `/v1`."""
    return gateway_url.rstrip("/") + "/v1"


def budget_text(max_budget: Optional[float], budget_duration: Optional[str],
                budget_reset_at: Any = None) -> str:
    if max_budget is None:
        return "no budget limit"
    if not budget_duration:
        return f"{money(max_budget)} USD in total"
    resets = f", next reset {day(budget_reset_at)}" if budget_reset_at else ""
    return f"{money(max_budget)} USD per {budget_duration}{resets}"


def handoff_message(alias: str, gateway_url: str, detail: Mapping[str, Any], *,
                    budget_reset_at: Any = None) -> str:
    """The hand-off text for key `alias`. `detail` is one entry of the stack's `keys` output
    (`key`, `models`, `maxBudget`, `budgetDuration`, `expires`); without `key` the user keeps the one they have."""
    base_url = openai_base_url(gateway_url)
    key = detail.get("key")
    models: Sequence[str] = list(detail.get("models") or [])
    example_model = models[0] if models else "<model>"
    sdk_key = key or "<your key>"
    lines = [
        f"Your LiteMaaS access ({alias})",
        "",
        f"  Base URL:  {base_url}",
        f"  API key:   {key or KEY_HELD_BY_USER}",
        f"  Models:    {', '.join(models) if models else 'every model of the gateway'}",
        f"  Budget:    {budget_text(detail.get('maxBudget'), detail.get('budgetDuration'), budget_reset_at)}",
        f"  Expires:   {day(detail.get('expires'))}",
        "",
        "Any OpenAI SDK works, e.g. Python (pip install openai):",
        "",
        "    from openai import OpenAI",
        f'    client = OpenAI(base_url="{base_url}", api_key="{sdk_key}")',
        f'    print(client.chat.completions.create(model="{example_model}", '
        'messages=[{"role": "user", "content": "Hello"}]).choices[0].message.content)',
        "",
        "Your spend and budget, any time (your own key as the Bearer token):",
        "",
        f'    curl -H "Authorization: Bearer {sdk_key}" {gateway_url.rstrip("/")}/key/info',
    ]
    return "\n".join(lines) + "\n"
