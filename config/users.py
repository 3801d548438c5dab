"""`users[]`: LiteLLM internal users (spend per person), and `keys[].user`, which names one."""

from __future__ import annotations

from typing import Any, Collection, Mapping, Optional

from config.existing import existing_hint
from config.kind_reader import read_entries
from config.reader import Reader, unique
from kinds.declarations import USER

USER_KEYS = USER.config_keys
UserConfig = USER.config_class("UserConfig", __name__, "A LiteLLM internal user (`users[]`); `id` is its `user_id`, "
                               "chosen here (a new id replaces the user).")


def parse_users(top: Reader, declared_models: set[str]) -> tuple[Any, ...]:
    users = []
    emails: dict[str, str] = {}
    for item, values in read_entries(top, USER, declared={"models": declared_models}):
        email = values["email"]
        unique(item, "email", email.lower() if email else None, emails, "user email (case-insensitive)")
        users.append(UserConfig(**values))
    return tuple(users)


def check_key_user(item: Reader, users: Mapping[str, Any], existing: Collection[str] = ()) -> Optional[str]:
    """`keys[N].user`: a declared user's id (the key then depends on that User) or an existing user's id or email
    (`existing.users`); refused together with userId."""
    user = item.string("user")
    if user is None:
        return None
    if item.raw("userId") is not None and item.string("userId") is not None:
        item.fail_key("user", "conflicts with userId; set `user` for a user of this stack (users[]) or `userId` for "
                      "one the stack does not manage, not both")
        return None
    if user not in users and user not in existing:
        item.fail_key("user", f"{user!r} is not a user of this stack; declared users: "
                      f"{', '.join(sorted(users)) or 'none'} (use userId for a user the stack does not manage)" +
                      existing_hint("users", existing))
        return None
    return user
