"""A LiteLLM internal user (`POST /user/new`, `auto_create_key: false`) as the dynamic resource `litellm:User`.

The id is LiteLLM's `user_id`, chosen by the program (a person's login, e.g. `alice`); a new id replaces the user,
create-before-delete so the stack's keys move to the new id before the old user goes (LiteLLM deletes a user's keys
with it), or delete-before-create when both carry one email (LiteLLM emails are unique). Everything else updates in
place through `POST /user/update`, with three LiteLLM traps handled:
- `/user/update` on an unknown id silently CREATES the user, so an update first checks that the user exists and
  otherwise fails with the refresh hint (a user deleted by hand is never resurrected behind the admin's back);
- `models: []`, `metadata: {}` and a null `user_alias` or `max_parallel_requests` on update are ignored by LiteLLM,
  so emptying one once declared is refused at preview (a diff that could never converge);
- deleting a user hard-deletes every key of that user, so `delete` refuses while the user still holds keys.

API: `UserProvider` is pickled by reference into every User's state; the module path `dynamic_providers.user` and
the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

from typing import Optional

import pulumi
from pulumi.dynamic import CheckFailure

from dynamic_providers.admin_client import AdminClient, LiteLLMAdminError
from dynamic_providers.key_owners import HoldsKeysError, refuse_while_keys_remain
from dynamic_providers.object_provider import ObjectProvider
from kinds.declarations import USER
from dynamic_providers.provider_base import LiteLLMResource, declared

# LiteLLM ignores these when sent empty on `/user/update`: once declared, they cannot be emptied in place.
_NOT_CLEARABLE = ("models", "metadata", "user_email", "user_alias", "max_parallel_requests")


class UserHoldsKeysError(HoldsKeysError):
    """A user delete refused because LiteLLM would delete the user's keys with it."""


class UserProvider(ObjectProvider):
    """CRUD for `litellm:User` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = USER.name
    fields = USER.fields
    id_field = USER.id_field
    generates_id = False

    def check_resource(self, olds, inputs, failures):
        if olds.get("user_id") == inputs.get("user_id"):  # an update in place, not a new user
            for name in _NOT_CLEARABLE:
                if declared(olds, name) and not declared(inputs, name):
                    failures.append(CheckFailure(name, f"{name} of user {inputs.get('user_id')!r} cannot be emptied: "
                                                 "LiteLLM 1.108.7 ignores an empty value on /user/update. Keep at "
                                                 "least one entry, or change it in the admin UI and `pulumi refresh`"))

    def send_create(self, api, body):
        return api.user_new(body)

    def fetch(self, api, object_id):
        return api.user_info(object_id)

    def send_update(self, api, object_id, body):
        return api.user_update(object_id, {k: v for k, v in body.items() if k != "user_id"})

    def update_body(self, olds, news, changed):
        body = super().update_body(olds, news, changed)
        if "metadata" in body:  # a non-empty metadata replaces the stored one: send all of it
            body["metadata"] = dict(news.get("metadata") or {})
        return body

    def _refusal(self, api: AdminClient, object_id: str, exc: LiteLLMAdminError, attempt: int,
                 fixed: bool) -> Optional[Exception]:
        if exc.already_exists and exc.mentions("email"):  # another user holds the email: not ours, say so at once
            return api.error(exc.method, exc.endpoint, exc.status, exc.message,
                             hint="LiteLLM user emails are unique (case-insensitive); use another email")
        return super()._refusal(api, object_id, exc, attempt, fixed)

    def delete_before_replace(self, olds, news):
        old, new = olds.get("user_email"), news.get("user_email")
        return isinstance(old, str) and isinstance(new, str) and old.lower() == new.lower()

    def send_delete(self, api, object_id, props):
        refuse_while_keys_remain(
            api, api.user_keys(object_id), f"user {object_id}",
            "Move them to another user (`POST /key/update` with `user_id`), set `keys[].user` to another user, or "
            "delete them, then run `pulumi up` again", UserHoldsKeysError)
        return api.user_delete(object_id)


class User(LiteLLMResource, module="litellm", name="User"):
    """A LiteLLM internal user; its inputs are `kinds.USER`'s fields. Type token `pulumi-python:dynamic/litellm:User`."""

    provider_class = UserProvider
    user_id: pulumi.Output[str]
