"""`users[]`: LiteLLM internal users (spend per person), and `keys[].user`, which names one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from config.reader import Reader, check_litellm_duration, list_items, unique
from config.references import check_models_declared

USER_KEYS = ["id", "email", "role", "maxBudget", "budgetDuration", "models", "metadata"]
# The roles LiteLLM 1.108.7 accepts without a licence (the master key may grant any of them).
USER_ROLES = ("internal_user", "internal_user_viewer", "proxy_admin", "proxy_admin_viewer")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserConfig:
    """A LiteLLM internal user (`users[]`); `id` is its `user_id`, chosen here (a new id replaces the user)."""

    id: str
    email: Optional[str] = None
    role: Optional[str] = None
    max_budget: Optional[float] = None
    budget_duration: Optional[str] = None
    models: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)


def parse_users(top: Reader, declared_models: set[str]) -> tuple[UserConfig, ...]:
    users = []
    ids: dict[str, str] = {}
    emails: dict[str, str] = {}
    for item in list_items(top, "users", USER_KEYS):
        user_id = item.string("id", required=True)
        unique(item, "id", user_id, ids, "user id")
        email = item.string("email", check=lambda v: None if _EMAIL.match(v) else
                            "is not an email address; use e.g. alice@example.com")
        unique(item, "email", email.lower() if email else None, emails, "user email (case-insensitive)")
        models = item.string_list("models")
        check_models_declared(item, models, declared_models)
        users.append(UserConfig(
            id=user_id or "", email=email,
            role=item.string("role", check=lambda v: None if v in USER_ROLES else
                             f"is not a LiteLLM user role; use one of {', '.join(USER_ROLES)}"),
            max_budget=item.number("maxBudget"),
            budget_duration=item.string("budgetDuration", check=check_litellm_duration),
            models=models, metadata=item.mapping("metadata"),
        ))
    return tuple(users)


def check_key_user(item: Reader, users: Mapping[str, UserConfig]) -> Optional[str]:
    """`keys[N].user`: a declared user's id (the key then depends on that User); refused together with userId."""
    user = item.string("user")
    if user is None:
        return None
    if item.raw("userId") is not None and item.string("userId") is not None:
        item.fail_key("user", "conflicts with userId; set `user` for a user of this stack (users[]) or `userId` for "
                      "one the stack does not manage, not both")
        return None
    if user not in users:
        item.fail_key("user", f"{user!r} is not a user of this stack; declared users: "
                      f"{', '.join(sorted(users)) or 'none'} (use userId for a user the stack does not manage)")
        return None
    return user
