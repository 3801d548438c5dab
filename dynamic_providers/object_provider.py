"""CRUD of a LiteLLM object keyed by an id or name the stack chooses, driven by the kind's field table.

A kind subclasses `ObjectProvider`, declares `fields`, `id_field` and the four typed client calls (`send_create`,
`fetch`, `send_update`, `send_delete`); this class does the rest the same way for every kind:
- check: the table's validation; a generated id (uuid4) is chosen once and kept, a fixed one is the program's;
- create: the id is sent, so a lost answer is confirmed by a lookup before trying again (`create_confirmed`);
- read: the declared fields are replaced by what the server holds (an import by id takes all of them); written-only
  fields (secrets LiteLLM never shows again) are never compared;
- update: only the changed fields are sent; a change of a `replaces` field or of the id replaces the object;
- delete: an object already gone is no error.

API: subclasses are pickled by reference; see provider_base.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Mapping, Optional

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from dynamic_providers.admin_client import CONNECTION_FIELDS, AdminClient, LiteLLMAdminError
from dynamic_providers.provider_base import LiteLLMProvider, create_confirmed, declared, refreshed_inputs, settle_id


class ObjectProvider(LiteLLMProvider):
    """The shared CRUD mechanism; see the module docstring."""

    kind: ClassVar[str]  # "team", for messages
    id_field: ClassVar[str]  # the input that is LiteLLM's id (team_id, budget_id, credential_name)
    # False: the id is a required name the program gives; True: the stack generates one (`new_id`) and keeps it.
    generates_id: ClassVar[bool] = True
    # After a lost answer, a found object is ours when this field matches (None: the id alone proves it).
    identity_field: ClassVar[Optional[str]] = None
    identity_label: ClassVar[str] = "name"  # how messages call it
    # Keys of a dict field that LiteLLM writes itself: never the program's, never drift.
    server_owned_keys: ClassVar[Mapping[str, frozenset[str]]] = {}
    # Set: an object with our name before our first try is someone else's; refused with this hint ({id} = the
    # name), never adopted. None: a fixed id that exists is taken over (team).
    taken_hint: ClassVar[Optional[str]] = None

    @property
    def internal_inputs(self) -> tuple[str, ...]:  # type: ignore[override]
        return (f"{self.id_field}_fixed",) if self.generates_id else ()

    def new_id(self) -> str:
        return str(uuid.uuid4())

    # calls of the typed admin client ------------------------------------------------------------------
    def send_create(self, api: AdminClient, body: dict[str, Any]) -> Any:
        raise NotImplementedError

    def fetch(self, api: AdminClient, object_id: str) -> Optional[dict[str, Any]]:
        """The object as LiteLLM holds it, or None when it does not exist."""
        raise NotImplementedError

    def send_update(self, api: AdminClient, object_id: str, body: dict[str, Any]) -> Any:
        raise NotImplementedError

    def send_delete(self, api: AdminClient, object_id: str, props: Mapping[str, Any]) -> bool:
        """Delete; False when it was already gone."""
        raise NotImplementedError

    # bodies ---------------------------------------------------------------------------------------------
    def create_body(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {f.api: props[f.name] for f in self.input_fields if props.get(f.name) is not None}

    def update_body(self, olds: Mapping[str, Any], news: Mapping[str, Any], changed: list[str]) -> dict[str, Any]:
        """The changed fields; an explicit null clears a field on the server."""
        specs = {f.name: f for f in self.fields}
        return {specs[name].api: news.get(name) for name in changed if name in specs}

    def server_values(self, found: Mapping[str, Any]) -> dict[str, Any]:
        """The server's object in input names."""
        values = {f.name: found.get(f.api) for f in self.input_fields}
        for name, owned in self.server_owned_keys.items():
            if isinstance(values.get(name), dict):
                values[name] = {k: v for k, v in values[name].items() if k not in owned}
        return values

    # lifecycle ----------------------------------------------------------------------------------------
    def check_resource(self, olds, inputs, failures):
        if self.generates_id:
            settle_id(olds, inputs, self.id_field, self.new_id)

    def replacements(self, olds, news):
        replaces = super().replacements(olds, news)
        if self.id_field not in replaces and olds.get(self.id_field) != news.get(self.id_field):
            replaces.append(self.id_field)
        return replaces

    def create(self, props):
        props = self.normalised(props)
        object_id = props[self.id_field]
        body = self.create_body(props)
        fixed = props.get(f"{self.id_field}_fixed", True)
        with self.client(props) as api:
            answer = create_confirmed(
                api, f"{self.kind} {object_id}", lambda: self.send_create(api, body),
                lambda: self.fetch(api, object_id),
                reconcile=lambda found, exc: self._reconcile(api, object_id, props, found, exc),
                refuse=lambda exc, attempt: self._refusal(api, object_id, exc, attempt, bool(fixed)))
        return CreateResult(object_id, self.outputs(props, answer))

    def _refusal(self, api: AdminClient, object_id: str, exc: LiteLLMAdminError, attempt: int,
                 fixed: bool) -> Optional[Exception]:
        if exc.already_exists and attempt == 1 and self.taken_hint:
            return api.error(exc.method, exc.endpoint, exc.status, exc.message,
                             hint=self.taken_hint.format(id=object_id))
        if exc.enterprise_only:
            return api.error(exc.method, exc.endpoint, exc.status, exc.message,
                             hint=f"this {self.kind} setting needs a LiteLLM Enterprise licence")
        if exc.already_exists and attempt == 1 and not fixed:
            return exc  # a generated id cannot collide: whatever exists is not ours
        return None

    def _reconcile(self, api: AdminClient, object_id: str, props: Mapping[str, Any], found: dict[str, Any],
                   exc: LiteLLMAdminError) -> Any:
        """A found object after a lost answer (or a fixed id that exists): ours when its identity matches."""
        name = self.identity_field
        if name is not None and props.get(name) is not None:
            theirs = self.server_values(found).get(name)
            if theirs != props.get(name):
                raise api.error(exc.method, exc.endpoint, exc.status,
                                f"{self.kind} id {object_id} already exists with {self.identity_label} {theirs!r}",
                                hint=f"choose another id, or delete that {self.kind}") from None
        changed = [f.name for f in self.input_fields if not f.write_only and f.name != self.id_field
                   and declared(props, f.name) and not f.same(self.server_values(found).get(f.name), props.get(f.name))]
        changed += [f.name for f in self.input_fields if f.write_only and props.get(f.name) is not None]
        if changed:
            self.send_update(api, object_id, self.update_body({}, props, changed))
        return found

    def read(self, id_, props):
        props = self.normalised(props)
        with self.client(props) as api:
            found = self.fetch(api, id_)
        if found is None:
            return ReadResult("", {})  # gone: refresh drops it from the stack
        outs = self.refreshed(id_, props, found)
        return ReadResult(id_, outs, inputs=refreshed_inputs(self, props, outs,
                                                             set(self.input_names) | set(CONNECTION_FIELDS)))

    def refreshed(self, object_id: str, props: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
        """Stored outputs with the declared fields replaced by the server's values (import: all of them)."""
        importing = not any(props.get(f.name) is not None for f in self.input_fields if f.name != self.id_field)
        outs = self.stored(props)
        outs[self.id_field] = object_id
        if importing and self.generates_id:
            outs[f"{self.id_field}_fixed"] = True
        server = self.server_values(found)
        for spec in self.input_fields:
            if spec.write_only or spec.name == self.id_field:
                continue
            ours, theirs = props.get(spec.name), server.get(spec.name)
            if spec.kind == "dict" and not importing:
                ours = ours or {}
                theirs = {k: (theirs or {})[k] for k in ours if k in (theirs or {})}
            if (importing or declared(props, spec.name)) and not spec.same(theirs, ours):
                outs[spec.name] = theirs
        outs.update(self.computed_outputs(found))
        # Unset stays unset, as in check(): differing stored inputs make the engine checkpoint every resource.
        return {k: v for k, v in outs.items() if v is not None and v != {} and v != []}

    def computed_outputs(self, found: Any) -> dict[str, Any]:
        """Values of the table's computed fields from a server answer."""
        if not isinstance(found, Mapping):
            return {}
        return {f.name: found.get(f.api) for f in self.fields if f.computed and found.get(f.api) is not None}

    def update(self, id_, olds, news):
        olds, news = self.normalised(olds), self.normalised(news)
        changed = [n for n in self.changed_fields(olds, news) if n not in self.internal_inputs]
        if changed:
            with self.client(news, *self.secret_values(olds)) as api:
                try:
                    answer = self.send_update(api, id_, self.update_body(olds, news, changed))
                except LiteLLMAdminError as exc:
                    if exc.not_found:
                        raise api.error(exc.method, exc.endpoint, exc.status, exc.message,
                                        hint=f"the {self.kind} was deleted outside Pulumi; run `pulumi refresh`, "
                                             "then `pulumi up` to create it again") from None
                    raise
        else:
            answer = None  # only the connection changed: nothing to send
        computed = {f.name: olds.get(f.name) for f in self.fields if f.computed}
        return UpdateResult({**self.outputs(news, None), **{k: v for k, v in computed.items() if v is not None},
                             **self.computed_outputs(answer)})

    def delete(self, id_, props):
        props = self.normalised(props)
        with self.client(props) as api:
            self.send_delete(api, id_, props)

    def outputs(self, props: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        return {**self.stored(props), **self.computed_outputs(answer)}
