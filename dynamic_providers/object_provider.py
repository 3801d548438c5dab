"""CRUD of a LiteLLM object keyed by an id or name the stack chooses, driven by the kind's field table.

A kind subclasses `ObjectProvider`, declares `fields`, `id_field` and the four typed client calls (`send_create`,
`fetch`, `send_update`, `send_delete`); this class does the rest the same way for every kind:
- check: the table's validation; a generated id (uuid4) is chosen once and kept, a fixed one is the program's;
- create: the id is sent, so a lost answer is confirmed by a lookup before trying again (`create_confirmed`);
- read: the declared fields are replaced by what the server holds (an import by id takes all of them); written-only
  fields (secrets LiteLLM never shows again) are never compared;
- update: only the changed fields are sent; a change of a `replaces` field or of the id replaces the object;
- delete: an object already gone is no error.

Hooks for kinds that differ, each a declaration or one small method:
- an id LiteLLM assigns (`server_assigns_id`): the create answer names it, and after a lost answer `locate` finds
  the object by what the stack does know (its unique name), so it is adopted, never made twice;
- an id made of inputs (`id_field = None`, `object_id`), e.g. a fallback rule's `<type>:<model>`;
- nested request bodies (`body_sections`, `spread_fields`): fields sent inside a section such as `litellm_params`,
  and a dict field whose keys sit beside them; the server's answer is flattened back the same way;
- reads from the answering pod's memory (`shown`): not found is not final while a write may still be on its way
  to that pod; the read waits for it, once per run and kind;
- reads over several endpoints (`lookups`): the first that knows the object answers, in the order the purpose
  wants (a read asks the serving router first, a create's confirmation the database first);
- serialised writes (`write_lock`): every write of this process holds it (a kind stored in one shared row);
- strategies (`create_strategy`, `update_strategy`): another way to make or change the object, chosen from the
  inputs (a key adopted instead of issued, a key rotated instead of updated), with the same connection and outputs;
- a kind keys and teams are granted (`held_as`): its delete is refused while keys or teams of another stack still
  hold it (`grants.other_stacks_holders`);
- a value chosen just before the create (`prepared`), e.g. a key's raw value whose hash is its id, and an object
  the server knows by another id once it changed (`live_id`, a rotated key's current token).

API: subclasses are pickled by reference; see provider_base.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from typing import Any, Callable, ClassVar, ContextManager, Mapping, Optional, Sequence

from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from dynamic_providers.admin_client import CONNECTION_FIELDS, AdminClient, LiteLLMAdminError
from dynamic_providers.grants import GRANTS, HeldAs, holds_grant, other_stacks_holders, refuse_while_held
from dynamic_providers.provider_base import (
    OWNER_INPUT,
    LiteLLMProvider,
    create_confirmed,
    declared,
    refreshed_inputs,
    settle_id,
)


class ObjectProvider(LiteLLMProvider):
    """The shared CRUD mechanism; see the module docstring."""

    kind: ClassVar[str]  # "team", for messages
    # The input that is LiteLLM's id (team_id, budget_id, credential_name); None: `object_id` derives it from inputs.
    id_field: ClassVar[Optional[str]]
    # True: LiteLLM chooses the id (a computed `id_field`, named by the create answer); `locate` finds a lost create.
    server_assigns_id: ClassVar[bool] = False
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
    # The refusal when a found object's identity is not ours ({kind}, {id}, {label}, {theirs}).
    identity_conflict: ClassVar[str] = "{kind} id {id} already exists with {label} {theirs!r}"
    # Sections of the request body: {section: input names sent inside it}; other inputs go at the top level.
    body_sections: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # Dict inputs whose keys sit inside a section beside its own fields: {input name: section}.
    spread_fields: ClassVar[Mapping[str, str]] = {}
    # Held by every write of this process: for a kind LiteLLM stores read-modify-write in one shared row.
    write_lock: ClassVar[Optional[threading.Lock]] = None
    # Writes are upserts of the whole object: a not-found answer to an update names something else (a target).
    upserts: ClassVar[bool] = False
    # Keys and teams are granted this kind: how they hold it (None: they are not).
    held_as: ClassVar[Optional[HeldAs]] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.held_as is not None:
            cls.marks_owner = True  # the delete tells this stack's holders (OWNER_INPUT) from other stacks'

    @property
    def internal_inputs(self) -> tuple[str, ...]:  # type: ignore[override]
        return (f"{self.id_field}_fixed",) if self.generates_id else ()

    def new_id(self) -> str:
        return str(uuid.uuid4())

    # identity -----------------------------------------------------------------------------------------
    def object_id(self, props: Mapping[str, Any]) -> str:
        """The id known before the create (the program's or the generated one)."""
        return props[self.id_field]

    def identity(self, props: Mapping[str, Any]) -> str:
        """What names the object before the create: its id, or (server-assigned ids) its unique name."""
        return props[self.identity_field] if self.server_assigns_id else self.object_id(props)

    def created_id(self, props: Mapping[str, Any], answer: Any) -> str:
        """The id of a created (or found) object: a server-assigned one from the answer."""
        return answer[self.id_field] if self.server_assigns_id else self.object_id(props)

    def locate(self, api: AdminClient, props: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        """The object after an answer that left the create open (None: not there). Server-assigned ids override this:
        the object is found by its identity."""
        return self.fetch(api, self.object_id(props))

    def lookups(self, api: AdminClient, object_id: str, purpose: str) -> Sequence[Callable[[], Optional[dict]]]:
        """The endpoints that may know the object, in the order `purpose` ("read" or "confirm") wants."""
        return ()

    def first_found(self, api: AdminClient, object_id: str, purpose: str) -> Optional[dict[str, Any]]:
        """The object from the first of `lookups` that knows it; None when none does."""
        for lookup in self.lookups(api, object_id, purpose):
            found = lookup()
            if found is not None:
                return found
        return None

    def shown(self, api: AdminClient, probe: Callable[[], Any], what: str, *, after_write: bool = False) -> Any:
        """`probe()`'s answer once it is not None, waiting for the answering pod to show a write.

        Some reads come from each pod's memory, which lags the database: another pod took the write, or the reload
        loop (every `proxy_config_reload_interval_seconds`, 30 s) read the table just before the write and then
        dropped from memory what it had not read. Without `deadline`, every read of this kind in this process shares
        one wait (a refresh of N deleted objects waits once, not N times); a read right after our write (`after_write`)
        waits on its own.
        """
        wait = api.policy.propagation_wait
        deadline = time.monotonic() + wait if after_write else api.shared_deadline(f"{self.kind}-shown", wait)
        return api.poll(probe, deadline=deadline,
                        what=f"{what} to show on the gateway (LiteLLM reloads it into each pod every 30 s)")

    def label(self, props: Mapping[str, Any]) -> str:
        """The object in messages."""
        return f"{self.kind} {self.identity(props)}"

    def live_id(self, id_: str, props: Mapping[str, Any]) -> str:
        """The id the server knows the object by now (the resource id stays the first one)."""
        return id_

    def prepared(self, props: dict[str, Any]) -> dict[str, Any]:
        """The props of one create, with what is chosen just before it (default: nothing)."""
        return props

    def create_strategy(self, props: Mapping[str, Any]) -> Optional[Callable[[AdminClient, dict], tuple[str, dict]]]:
        """Another way to create, chosen from the inputs: called with the client and props, returns (id, outputs)."""
        return None

    def update_strategy(self, olds: Mapping[str, Any], news: Mapping[str, Any]
                        ) -> Optional[Callable[[AdminClient, str, dict, dict], dict]]:
        """Another way to update, chosen from the inputs: called with the client, id, olds and news; returns outputs."""
        return None

    def settled(self, exc: LiteLLMAdminError) -> bool:
        """A create answer that decides the outcome: raised at once, never confirmed by a lookup."""
        return exc.settled and not exc.already_exists

    def serialised(self) -> ContextManager[Any]:
        return self.write_lock if self.write_lock is not None else contextlib.nullcontext()

    # calls of the typed admin client ------------------------------------------------------------------
    def send_create(self, api: AdminClient, body: dict[str, Any]) -> Any:
        raise NotImplementedError

    def fetch(self, api: AdminClient, object_id: str) -> Optional[dict[str, Any]]:
        """The object as LiteLLM holds it, or None when it does not exist (default: the first of `lookups`)."""
        if not self.lookups(api, object_id, "read"):
            raise NotImplementedError
        return self.first_found(api, object_id, "read")

    def send_update(self, api: AdminClient, object_id: str, body: dict[str, Any]) -> Any:
        raise NotImplementedError

    def send_delete(self, api: AdminClient, object_id: str, props: Mapping[str, Any]) -> bool:
        """Delete; False when it was already gone."""
        raise NotImplementedError

    # bodies ---------------------------------------------------------------------------------------------
    def create_body(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return self.nested({f.name: props[f.name] for f in self.input_fields if props.get(f.name) is not None})

    def update_body(self, olds: Mapping[str, Any], news: Mapping[str, Any], changed: list[str]) -> dict[str, Any]:
        """The changed fields; an explicit null clears a field on the server."""
        specs = {f.name: f for f in self.fields}
        return self.nested({name: news.get(name) for name in changed if name in specs})

    def _section_of(self, name: str) -> Optional[str]:
        return self.spread_fields.get(name) or next(
            (section for section, names in self.body_sections.items() if name in names), None)

    def nested(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Input values (by input name) as the request body: sectioned fields inside their section, a spread dict's
        keys beside them (the section's own fields win)."""
        specs = {f.name: f for f in self.fields}
        body: dict[str, Any] = {}
        for name in sorted(values, key=lambda name: name in self.spread_fields):  # own fields first, in table order
            section = self._section_of(name)
            target = body.setdefault(section, {}) if section else body
            if name in self.spread_fields:
                for key, value in (values[name] or {}).items():
                    target.setdefault(key, value)
            else:
                target[specs[name].api] = values[name]
        return body

    def server_values(self, found: Mapping[str, Any]) -> dict[str, Any]:
        """The server's object in input names (sections flattened; a spread field takes its section's other keys, unset
        ones left out)."""
        values: dict[str, Any] = {}
        for spec in self.input_fields:
            section = self._section_of(spec.name)
            source = (found.get(section) or {}) if section else found
            if spec.name in self.spread_fields:
                own = {f.api for f in self.input_fields if f.name not in self.spread_fields
                       and self._section_of(f.name) == section}
                values[spec.name] = {k: v for k, v in source.items() if k not in own and v is not None}
            else:
                values[spec.name] = source.get(spec.api)
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
        if self.id_field is None or self.server_assigns_id:
            return replaces  # no id input: the table's `replaces` fields say it all
        if self.id_field not in replaces and olds.get(self.id_field) != news.get(self.id_field):
            replaces.append(self.id_field)
        return replaces

    def create(self, props):
        props = self.normalised(props)
        strategy = self.create_strategy(props)
        if strategy is not None:
            with self.client(props) as api:
                return CreateResult(*strategy(api, props))
        props = self.prepared(props)
        with self.client(props) as api:
            answer = self.confirmed_create(api, props)
        object_id = self.created_id(props, answer)
        outs = self.outputs(props, answer)
        if self.server_assigns_id:
            outs[self.id_field] = object_id
        return CreateResult(object_id, outs)

    def confirmed_create(self, api: AdminClient, props: Mapping[str, Any]) -> Any:
        """Create once: an answer that leaves the outcome open is confirmed by `locate` before trying again; returns
        the answer, or the object found."""
        body = self.create_body(props)
        return create_confirmed(
            api, self.label(props), lambda: self._serialised(self.send_create, api, body),
            lambda: self.locate(api, props),
            reconcile=lambda found, exc: self._reconcile(api, self.created_id(props, found), props, found, exc),
            refuse=lambda exc, attempt: self.refusal(api, props, exc, attempt), settled=self.settled)

    def refusal(self, api: AdminClient, props: Mapping[str, Any], exc: LiteLLMAdminError,
                attempt: int) -> Optional[Exception]:
        """A create answer turned into this kind's own error (None: the mechanism goes on)."""
        fixed = props.get(f"{self.id_field}_fixed", True) if self.id_field and not self.server_assigns_id else False
        return self._refusal(api, self.identity(props), exc, attempt, bool(fixed))

    def _serialised(self, send: Callable[..., Any], *args: Any) -> Any:
        with self.serialised():
            return send(*args)

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
                message = self.identity_conflict.format(kind=self.kind, id=object_id, label=self.identity_label,
                                                        theirs=theirs)
                raise api.error(exc.method, exc.endpoint, exc.status, message,
                                hint=f"choose another id, or delete that {self.kind}") from None
        changed = [f.name for f in self.input_fields if not f.write_only and f.name != self.id_field
                   and declared(props, f.name) and not f.same(self.server_values(found).get(f.name), props.get(f.name))]
        changed += [f.name for f in self.input_fields if f.write_only and props.get(f.name) is not None]
        if changed:
            self._serialised(self.send_update, api, object_id, self.update_body({}, props, changed))
        return found

    def read(self, id_, props):
        props = self.normalised(props)
        with self.client(props) as api:
            found = self.fetch(api, self.live_id(id_, props))
        if found is None:
            return ReadResult("", {})  # gone: refresh drops it from the stack
        outs = self.refreshed(id_, props, found)
        return ReadResult(id_, outs, inputs=refreshed_inputs(self, props, outs,
                                                             set(self.input_names) | set(CONNECTION_FIELDS)))

    def refreshed(self, object_id: str, props: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
        """Stored outputs with the declared fields replaced by the server's values (import: all of them)."""
        importing = not any(props.get(f.name) is not None for f in self.input_fields if f.name != self.id_field)
        outs = self.stored(props)
        if self.id_field is not None:
            outs[self.id_field] = object_id
        if importing and self.generates_id:
            outs[f"{self.id_field}_fixed"] = True
        server = self.server_values(found)
        for spec in self.input_fields:
            if spec.write_only or spec.name == self.id_field:
                continue
            ours, theirs = props.get(spec.name), server.get(spec.name)
            if spec.kind == "dict" and spec.value_kind is None and not importing:  # a map of limits is whole
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
        strategy = self.update_strategy(olds, news)
        if strategy is not None:
            with self.client(news, *self.secret_values(olds)) as api:
                return UpdateResult(strategy(api, id_, olds, news))
        changed = self.changes_to_send(olds, news)
        if changed:
            with self.client(news, *self.secret_values(olds)) as api:
                answer = self.sent_update(api, self.live_id(id_, olds), self.update_body(olds, news, changed), news)
        else:
            answer = None  # only the connection changed: nothing to send
        return UpdateResult(self.updated_outputs(olds, news, answer))

    def sent_update(self, api: AdminClient, object_id: str, body: dict[str, Any], props: Mapping[str, Any]) -> Any:
        """`send_update`, serialised; an object gone meanwhile is explained (`vanished_hint`)."""
        try:
            return self._serialised(self.send_update, api, object_id, body)
        except LiteLLMAdminError as exc:
            if exc.not_found and not self.upserts:
                raise api.error(exc.method, exc.endpoint, exc.status, exc.message,
                                hint=self.vanished_hint(props)) from None
            raise

    def changes_to_send(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        return [n for n in self.changed_fields(olds, news) if n not in self.internal_inputs]

    def vanished_hint(self, props: Mapping[str, Any]) -> str:
        """The way out when an update finds the object gone."""
        return (f"the {self.kind} was deleted outside Pulumi; run `pulumi refresh`, then `pulumi up` to create it "
                "again")

    def updated_outputs(self, olds: Mapping[str, Any], news: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        """Outputs after an update: the new inputs, computed values kept from before unless the answer has new ones."""
        computed = {f.name: olds.get(f.name) for f in self.fields if f.computed}
        return {**self.outputs(news, None), **{k: v for k, v in computed.items() if v is not None},
                **self.computed_outputs(answer)}

    def delete(self, id_, props):
        props = self.normalised(props)
        with self.client(props) as api:
            if self.held_as is not None:
                self._refuse_while_other_stacks_hold(api, self.live_id(id_, props), props)
            self._serialised(self.send_delete, api, self.live_id(id_, props), props)

    def _refuse_while_other_stacks_hold(self, api: AdminClient, object_id: str, props: Mapping[str, Any]) -> None:
        """A platform stack never deletes what keys or teams of another stack (a tenant) are still granted: LiteLLM
        keeps the id or name in their grants, which a new object made later with it would silently honour. This
        stack's own holders lose the grant first (they depend on the object); a state stored before the stack's name
        travelled with the object (no OWNER_INPUT) counts every stamped holder, as the model guard does."""
        held = self.held_as
        value = props.get(held.carries) if held.carries else object_id
        holders = other_stacks_holders(api, lambda item: holds_grant(item, held.field, value), props.get(OWNER_INPUT),
                                       team_grants=held.field in GRANTS)
        name = props.get(self.identity_field) if self.identity_field else None
        refuse_while_held(api, held.delete.format(id=object_id), f"{self.kind} {name or object_id!r}", holders)

    def outputs(self, props: Mapping[str, Any], answer: Any) -> dict[str, Any]:
        return {**self.stored(props), **self.computed_outputs(answer)}
