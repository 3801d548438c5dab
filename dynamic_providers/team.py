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
import time
import uuid
from typing import Any, Mapping, Optional, Sequence
from urllib.parse import quote

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from dynamic_providers.admin_client import (
    CONNECTION_FIELDS,
    AdminClient,
    LiteLLMAdminError,
)
from dynamic_providers.provider_base import (
    AdminConnection,
    Field,
    LiteLLMProvider,
    connection_defaults,
    declared,
    same,
)

log = logging.getLogger("litemaas.litellm_admin")

TEAM_FIELDS = (
    Field("team_alias", "str", required=True),
    Field("models", "list"),
    Field("max_budget", "number", minimum=0),
    Field("budget_duration", "str", duration=True),
    Field("tpm_limit", "int", minimum=0),
    Field("rpm_limit", "int", minimum=0),
    Field("metadata", "dict"),
    Field("team_id", "str"),
)
# Keys LiteLLM manages inside team metadata; never part of the user's declared metadata.
_SYSTEM_METADATA = frozenset({"team_member_budget_id", "tags", "guardrails", "policies", "prompts",
                              "model_rpm_limit", "model_tpm_limit"})


class TeamHoldsKeysError(Exception):
    """A team delete refused because LiteLLM would delete the team's keys with it."""


class TeamProvider(LiteLLMProvider):
    """CRUD for `litellm:Team` against the LiteLLM admin API. Stateless; pickled by reference."""

    fields = TEAM_FIELDS
    internal_inputs = ("team_id_fixed",)

    def check_resource(self, olds, inputs, failures):
        if inputs.get("team_id") is not None:
            inputs["team_id_fixed"] = True
            return
        inputs["team_id_fixed"] = False
        previous = olds.get("team_id")
        # Keep the generated id; a user who drops a fixed id gets a new team (a replacement).
        inputs["team_id"] = previous if previous and not olds.get("team_id_fixed") else str(uuid.uuid4())

    def replacements(self, olds, news):
        return [] if same(olds.get("team_id"), news.get("team_id")) else ["team_id"]

    # create ----------------------------------------------------------------------------------------
    def create(self, props):
        props = self.normalised(props)
        team_id = props["team_id"]
        body: dict[str, Any] = {"team_id": team_id, "team_alias": props["team_alias"],
                                "models": list(props.get("models") or []),
                                "metadata": dict(props.get("metadata") or {})}
        for name in ("max_budget", "budget_duration", "tpm_limit", "rpm_limit"):
            if props.get(name) is not None:
                body[name] = props[name]
        with self.client(props) as api:
            self._create(api, team_id, body, adopt=bool(props.get("team_id_fixed")))
        return CreateResult(team_id, self._outputs(props))

    def _create(self, api: AdminClient, team_id: str, body: dict[str, Any], *, adopt: bool) -> None:
        attempts = 3
        for attempt in range(1, attempts + 1):
            try:
                api.post("/team/new", body, idempotent=False)
                return
            except LiteLLMAdminError as exc:
                exists = exc.status == 400 and exc.mentions("already exists")
                if exists and attempt == 1 and not adopt:
                    raise  # a generated uuid cannot collide; this is not ours
                settled = exc.status is not None and exc.status < 500 and exc.status != 429 and not exists
                if settled or exc.mentions("db") and exc.mentions("connect"):
                    raise
                found = self._get(api, team_id)
                if found is not None:
                    if found.get("team_alias") != body["team_alias"]:
                        raise api.error("POST", "/team/new", exc.status,
                                        f"team id {team_id} already exists with alias {found.get('team_alias')!r}",
                                        hint="choose another team id, or delete that team") from None
                    log.warning("team %s (%r) already exists after %s; making it match the inputs", team_id,
                                body["team_alias"], exc.status or "no response")
                    api.patch(f"/team/{quote(team_id, safe='')}", {k: v for k, v in body.items() if k != "team_id"})
                    return
                if attempt == attempts:
                    raise
                log.warning("team %s not on the server after %s; creating again (attempt %d/%d)",
                            team_id, api.redact(exc.message), attempt + 1, attempts)
                time.sleep(api.policy.backoff_factor * attempt)

    @staticmethod
    def _get(api: AdminClient, team_id: str) -> Optional[dict[str, Any]]:
        try:
            data = api.get("/team/info", {"team_id": team_id})
        except LiteLLMAdminError as exc:
            if exc.status == 404:
                return None
            raise
        return (data or {}).get("team_info") or {}

    # read ------------------------------------------------------------------------------------------
    def read(self, id_, props):
        props = self.normalised(props)
        with self.client(props) as api:
            info = self._get(api, id_)
        if info is None:
            return ReadResult("", {})
        outs = self._refreshed(id_, props, info)
        keys = set(self.input_names) | set(CONNECTION_FIELDS)
        return ReadResult(id_, outs, inputs={k: v for k, v in outs.items() if k in keys})

    @staticmethod
    def _refreshed(team_id: str, props: dict[str, Any], info: dict[str, Any]) -> dict[str, Any]:
        importing = not props.get("team_alias")
        outs = connection_defaults({k: v for k, v in props.items() if k != "__provider"})
        outs["team_id"] = team_id
        if importing:
            outs["team_id_fixed"] = True
        if info.get("team_alias") is not None or importing:
            outs["team_alias"] = info.get("team_alias")
        for name in ("max_budget", "budget_duration", "tpm_limit", "rpm_limit"):
            if (importing or declared(props, name)) and not same(info.get(name), props.get(name)):
                outs[name] = info.get(name)
        theirs = list(info.get("models") or [])
        if importing or sorted(theirs) != sorted(props.get("models") or []):
            outs["models"] = theirs
        metadata = {k: v for k, v in (info.get("metadata") or {}).items() if k not in _SYSTEM_METADATA}
        if importing:
            outs["metadata"] = metadata
        else:
            outs["metadata"] = {k: metadata[k] for k in (props.get("metadata") or {}) if k in metadata}
        outs.setdefault("models", [])
        return outs

    # update ----------------------------------------------------------------------------------------
    def update(self, id_, olds, news):
        olds, news = self.normalised(olds), self.normalised(news)
        changed = [n for n in self.changed_fields(olds, news) if n not in self.internal_inputs]
        if not changed:
            return UpdateResult(self._outputs(news))  # only the connection changed: nothing to send
        body: dict[str, Any] = {}
        for name in changed:
            if name == "metadata":
                old, new = olds.get("metadata") or {}, news.get("metadata") or {}
                # RFC 7386 merge: send what changed, null for what was removed.
                body["metadata"] = {**{k: None for k in old if k not in new},
                                    **{k: v for k, v in new.items() if not same(old.get(k), v) or k not in old}}
            elif name == "models":
                body["models"] = list(news.get("models") or [])
            else:
                body[name] = news.get(name)
        with self.client(news) as api:
            try:
                api.patch(f"/team/{quote(id_, safe='')}", body)
            except LiteLLMAdminError as exc:
                if exc.status == 404:
                    raise api.error("PATCH", f"/team/{id_}", 404, exc.message,
                                    hint="the team was deleted outside Pulumi (and its keys with it); run "
                                         "`pulumi refresh`, then `pulumi up`") from None
                raise
        return UpdateResult(self._outputs(news))

    # delete ----------------------------------------------------------------------------------------
    def delete(self, id_, props):
        props = self.normalised(props)
        with self.client(props) as api:
            self._refuse_while_keys_remain(api, id_, props.get("team_alias"))
            try:
                api.post("/team/delete", {"team_ids": [id_]}, idempotent=True)
            except LiteLLMAdminError as exc:
                if exc.status == 404:
                    return  # already gone
                raise

    @staticmethod
    def _refuse_while_keys_remain(api: AdminClient, team_id: str, alias: Optional[str]) -> None:
        """LiteLLM deletes every key of a deleted team (expired ones included): never let that happen."""
        listing = api.get("/key/list", {"team_id": team_id, "return_full_object": "true", "size": 10}) or {}
        rows = [r for r in listing.get("keys") or [] if isinstance(r, dict)]
        if not rows:
            return
        total = max(int(listing.get("total_count") or 0), len(rows))
        names = ", ".join(repr(r["key_alias"]) if r.get("key_alias") else str(r.get("key_name") or "no alias")
                          for r in rows) + (", ..." if total > len(rows) else "")
        raise TeamHoldsKeysError(api.redact(
            f"team {team_id} ({alias!r}) was not deleted: it still holds {total} key{'s' if total != 1 else ''} "
            f"({names}), which LiteLLM would delete with it. Move them to another team (admin UI, or "
            "`POST /key/update` with `team_id`) or delete them, then run `pulumi up` again. The stack moves its own "
            "keys to a team's new id before it deletes the old team; `pulumi up --replace` of a team with a fixed "
            "`id` cannot (the new team is the old one): change `litemaas:teams[N].id` instead"))

    @staticmethod
    def _outputs(props: Mapping[str, Any]) -> dict[str, Any]:
        outs = {k: v for k, v in props.items() if k != "__provider"}
        for name in ("max_budget", "budget_duration", "tpm_limit", "rpm_limit"):
            outs.setdefault(name, None)
        return outs


class Team(pulumi.dynamic.Resource, module="litellm", name="Team"):
    """A LiteLLM team. Type token `pulumi-python:dynamic/litellm:Team`."""

    team_id: pulumi.Output[str]
    team_alias: pulumi.Output[str]

    def __init__(self, resource_name: str, *, connection: AdminConnection, team_alias: pulumi.Input[str],
                 models: Sequence[str] = (), max_budget: Optional[float] = None,
                 budget_duration: Optional[str] = None, tpm_limit: Optional[int] = None,
                 rpm_limit: Optional[int] = None, metadata: Optional[Mapping[str, Any]] = None,
                 team_id: Optional[str] = None, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        props = {
            **connection.props(),
            "team_alias": team_alias, "models": list(models), "max_budget": max_budget,
            "budget_duration": budget_duration, "tpm_limit": tpm_limit, "rpm_limit": rpm_limit,
            "metadata": dict(metadata or {}), "team_id": team_id, "team_id_fixed": None,
        }
        # Never delete-before-replace: LiteLLM would delete the team's keys before they could move to the new team.
        own = pulumi.ResourceOptions(additional_secret_outputs=["master_key"])
        super().__init__(TeamProvider(), resource_name, props, pulumi.ResourceOptions.merge(own, opts))

    @classmethod
    def get(cls, resource_name: str, team_id: pulumi.Input[str], connection: AdminConnection,
            opts: Optional[pulumi.ResourceOptions] = None) -> "Team":
        """An existing team read by its id alone (read-only: Pulumi never changes or deletes it)."""
        resource = cls.__new__(cls)
        props = {**connection.props(), **{f.name: None for f in TEAM_FIELDS}, "team_id_fixed": None}
        own = pulumi.ResourceOptions(additional_secret_outputs=["master_key"], id=team_id)
        pulumi.dynamic.Resource.__init__(resource, TeamProvider(), resource_name, props,
                                         pulumi.ResourceOptions.merge(opts, own))
        return resource

    @classmethod
    def from_config(cls, resource_name: str, config: Any, connection: AdminConnection,
                    opts: Optional[pulumi.ResourceOptions] = None) -> "Team":
        """From a config.TeamConfig."""
        return cls(resource_name, connection=connection, team_alias=config.alias, models=config.models,
                   max_budget=config.max_budget, budget_duration=config.budget_duration,
                   tpm_limit=config.tpm_limit, rpm_limit=config.rpm_limit, metadata=dict(config.metadata),
                   team_id=config.id, opts=opts)
