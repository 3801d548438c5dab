"""A LiteLLM team (`POST /team/new`) as the dynamic resource `litellm:Team`.

The id is LiteLLM's `team_id`, chosen here (uuid4, or the stack config's fixed `id`) and always sent, so a
create is safe to retry: after a lost answer the id is looked up before trying again. Updates use
`PATCH /team/{id}` (metadata as an RFC 7386 merge: a removed key is sent as null).

Deleting a team makes LiteLLM delete every key of that team, so a new `team_id` is a create-before-delete
replacement: the engine creates the new team, updates the dependent keys to it (`/key/update team_id`), and
deletes the old team last. LiteLLM allows two teams with one alias, so both can exist meanwhile. `delete`
refuses while the team still holds keys (made outside the stack, or not moved): it never revokes a key.

API: `TeamProvider` is pickled by reference into every Team's state; the module path
`dynamic_providers.team` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

import logging
from typing import Optional

import pulumi

from dynamic_providers.admin_client import AdminClient
from dynamic_providers.key_owners import HoldsKeysError, refuse_while_keys_remain
from dynamic_providers.grants import GRANTS, granted, with_grants
from kinds.declarations import METADATA_LIMITS, TEAM
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import OWNER_INPUT, OWNER_MARKER, LiteLLMResource, owner_of, stamped

log = logging.getLogger("litemaas.litellm_admin")

# Keys LiteLLM manages inside team metadata; never part of the user's declared metadata.
_SYSTEM_METADATA = frozenset({"team_member_budget_id", "tags", "guardrails", "policies", "prompts",
                              "model_rpm_limit", "model_tpm_limit", OWNER_MARKER})  # and the owning stack's stamp


class TeamHoldsKeysError(HoldsKeysError):
    """A team delete refused because LiteLLM would delete the team's keys with it."""


class TeamProvider(ObjectProvider):
    """CRUD for `litellm:Team` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = TEAM.name
    fields = TEAM.fields
    id_field = TEAM.id_field
    identity_field = "team_alias"
    identity_label = "alias"
    marks_owner = True
    server_owned_keys = {"metadata": _SYSTEM_METADATA}

    def send_create(self, api, body):
        return api.team_new(body)

    def fetch(self, api, object_id):
        return api.team_info(object_id)

    def send_update(self, api, object_id, body):
        return api.team_update(object_id, {k: v for k, v in body.items() if k != "team_id"})

    def update_body(self, olds, news, changed):
        body = super().update_body(olds, news, changed)
        if "metadata" in body:
            old, new = olds.get("metadata") or {}, news.get("metadata") or {}
            # RFC 7386 merge: send what changed, null for what was removed.
            body["metadata"] = {**{k: None for k in old if k not in new},
                                **{k: v for k, v in new.items() if k not in old or old[k] != v}}
        for name in ("models", "access_group_ids"):
            if name in body:
                body[name] = list(body[name] or [])
        if "blocked" in body:  # `blocked: null` answers 500: unset means not blocked
            body["blocked"] = bool(body["blocked"])
        for name in METADATA_LIMITS:  # kept in metadata: {} clears them (a null answers 500)
            if name in body:
                body[name] = dict(body[name] or {})
        return with_grants(body)

    def create_body(self, props):
        body = super().create_body(props)
        if props.get(OWNER_INPUT):
            body["metadata"] = stamped(body.get("metadata"), props)
        return with_grants(body)

    def create(self, props):
        self._refuse_other_owners(self.normalised(props))
        return super().create(props)

    def _refuse_other_owners(self, props) -> None:
        """LiteLLM allows two teams with one alias; two stacks declaring one team get an error instead."""
        ours, alias = props.get(OWNER_INPUT), props.get("team_alias")
        if not ours or not alias:
            return
        with self.client(props) as api:
            theirs = sorted({owner_of(t) for t in api.teams_with_alias(alias)} - {None, ours})
            if theirs:
                raise api.error("POST", "/team/new", 409, f"team alias {alias!r} is owned by stack {theirs[0]}",
                                hint=f"choose another alias here, or declare the team's keys in stack {theirs[0]}")

    def server_values(self, found):
        values = super().server_values(found)
        values.update({name: granted(found, name) for name in GRANTS})
        for name in ("tags", "guardrails", "prompts", *METADATA_LIMITS):  # sent top-level, kept in metadata
            values[name] = (found.get("metadata") or {}).get(name) or found.get(name)
        return values

    def send_delete(self, api, object_id, props):
        self._refuse_while_keys_remain(api, object_id, props.get("team_alias"))
        return api.team_delete(object_id)

    @staticmethod
    def _refuse_while_keys_remain(api: AdminClient, team_id: str, alias: Optional[str]) -> None:
        """LiteLLM deletes every key of a deleted team (expired ones included): never let that happen."""
        refuse_while_keys_remain(
            api, api.team_keys(team_id), f"team {team_id} ({alias!r})",
            "Move them to another team (admin UI, or `POST /key/update` with `team_id`) or delete them, then run "
            "`pulumi up` again. The stack moves its own keys to a team's new id before it deletes the old team; "
            "`pulumi up --replace` of a team with a fixed `id` cannot (the new team is the old one): change "
            "`litemaas:teams[N].id` instead", TeamHoldsKeysError)


class Team(LiteLLMResource, module="litellm", name="Team"):
    """A LiteLLM team; inputs: `kinds.TEAM`'s fields. Type token `pulumi-python:dynamic/litellm:Team`."""

    provider_class = TeamProvider
    team_id: pulumi.Output[str]
    team_alias: pulumi.Output[str]
    # Never delete-before-replace: LiteLLM would delete the team's keys before they could move to the new team.
