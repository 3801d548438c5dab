"""The hooks of the shared CRUD mechanism (`ObjectProvider`), table-driven against an in-memory server: what each
hook changes. A server-assigned id is found after a lost create answer and never made twice; nested request bodies
go out and come back flat; a read over several endpoints asks them in the purpose's order; writes are serialised;
an id made of inputs; an upsert's not-found answer is no "deleted outside Pulumi"; a value chosen once before the
create is the id; reads and deletes address the live id; a create or update strategy replaces the plain call."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

import pytest

from dynamic_providers.admin_client import AdminClient, Connection, LiteLLMAdminError
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import Field
from tests.support.providers import FAST_RETRIES, checked

CONNECTION = {"admin_url": "http://127.0.0.1:9", "master_key": "sk-master-0123456789abcdef"}
LOST = "the answer was lost"


class Server:
    """Objects by id; `fail` names what the next create does instead of answering (a lost answer)."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.fail: list[str] = []  # per create attempt: "after" (stored, answer lost), "before" (not stored)

    def create(self, object_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append("create")
        mode = self.fail.pop(0) if self.fail else None
        if mode != "before":
            self.objects[object_id] = dict(body, id=object_id)
        if mode:
            raise LiteLLMAdminError("POST", "/thing/new", None, LOST)
        return dict(body, id=object_id)


class Offline(ObjectProvider):
    """A kind whose calls reach `server`; the client is a real AdminClient that never sends a request."""

    server: Server

    def client(self, props, *secrets):
        api = AdminClient(Connection.from_props(CONNECTION), policy=FAST_RETRIES)
        return contextlib.nullcontext(api)


# --- a server-assigned id, found by its name after a lost answer ---------------------------------------------
class Named(Offline):
    kind = "thing"
    fields = (Field("name", "str", required=True), Field("size", "int"), Field("thing_id", "str", computed=True))
    id_field = "thing_id"
    generates_id = False
    server_assigns_id = True
    identity_field = "name"
    taken_hint = "a thing named {id!r} exists already"

    def send_create(self, api, body):
        return {"thing_id": self.server.create(f"srv-{len(self.server.objects) + 1}", body)["id"]}

    def locate(self, api, props):
        return next(({**o, "thing_id": i} for i, o in self.server.objects.items() if o["name"] == props["name"]),
                    None)

    def fetch(self, api, object_id):
        found = self.server.objects.get(object_id)
        return {**found, "thing_id": object_id} if found else None

    def send_update(self, api, object_id, body):
        self.server.calls.append("update")
        self.server.objects[object_id].update(body)


@pytest.mark.parametrize("failures, calls, size_on_server", [
    ([], ["create"], 3),
    (["after"], ["create"], 3),  # committed, answer lost: found by name, matches, nothing sent again
    (["before"], ["create", "create"], 3),  # not committed: created again
    (["before", "after"], ["create", "create"], 3),
], ids=["answered", "lost-after-commit", "lost-before-commit", "lost-twice"])
def test_a_server_assigned_id_is_found_after_a_lost_answer_and_never_made_twice(failures, calls, size_on_server):
    provider = Named()
    provider.server = server = Server()
    server.fail = list(failures)
    result = provider.create(checked(provider, {}, {**CONNECTION, "name": "a", "size": 3}))
    assert list(server.objects) == [result.id] and result.outs["thing_id"] == result.id
    assert server.calls == calls and server.objects[result.id]["size"] == size_on_server
    assert provider.replacements({"thing_id": result.id, "name": "a"}, {"name": "a"}) == []  # the id is no input


def test_a_half_made_object_found_by_name_is_completed_not_duplicated():
    provider = Named()
    provider.server = server = Server()
    server.objects["srv-1"] = {"name": "a", "size": None}  # our lost create, stored without its size
    server.fail = ["before"]
    result = provider.create(checked(provider, {}, {**CONNECTION, "name": "a", "size": 3}))
    assert result.id == "srv-1" and server.calls == ["create", "update"] and server.objects["srv-1"]["size"] == 3


def test_a_name_taken_before_the_first_try_is_refused_with_the_kinds_hint():
    provider = Named()
    provider.server = server = Server()

    def taken(api, body):
        raise LiteLLMAdminError("POST", "/thing/new", 400, "thing already exists")

    provider.send_create = taken
    with pytest.raises(LiteLLMAdminError, match="a thing named 'a' exists already"):
        provider.create(checked(provider, {}, {**CONNECTION, "name": "a"}))
    assert server.objects == {}


# --- nested request bodies --------------------------------------------------------------------------------
class Nested(Offline):
    kind = "deployment"
    fields = (Field("name", "str", required=True), Field("model", "str", required=True), Field("rpm", "int"),
              Field("secret", "str", secret=True, write_only=True), Field("extra", "dict"), Field("info", "dict"))
    id_field = "name"
    generates_id = False
    body_sections = {"params": ("model", "rpm", "secret")}
    spread_fields = {"extra": "params"}


@pytest.mark.parametrize("props, body", [
    ({"name": "n", "model": "m"}, {"name": "n", "params": {"model": "m"}}),
    ({"name": "n", "model": "m", "rpm": 5, "info": {"a": 1}},
     {"name": "n", "params": {"model": "m", "rpm": 5}, "info": {"a": 1}}),
    ({"name": "n", "model": "m", "extra": {"temperature": 0.1}},
     {"name": "n", "params": {"temperature": 0.1, "model": "m"}}),  # a spread dict's keys beside the own fields
    ({"name": "n", "model": "m", "extra": {"model": "theirs"}},
     {"name": "n", "params": {"model": "m"}}),  # the section's own field wins over a spread key
], ids=["section", "section-and-top-level-dict", "spread", "own-field-wins"])
def test_a_nested_body_goes_out_in_sections(props, body):
    assert Nested().create_body(props) == body


def test_a_nested_answer_comes_back_in_input_names_with_spread_keys_and_no_unset_ones():
    found = {"name": "n", "info": {"a": 1},
             "params": {"model": "m", "rpm": 5, "secret": "sk-****", "temperature": 0.1, "unset_default": None}}
    assert Nested().server_values(found) == {"name": "n", "model": "m", "rpm": 5, "secret": "sk-****",
                                             "extra": {"temperature": 0.1}, "info": {"a": 1}}


def test_an_update_of_a_nested_field_sends_only_its_section():
    provider = Nested()
    assert provider.update_body({}, {"name": "n", "model": "m", "rpm": 7}, ["rpm"]) == {"params": {"rpm": 7}}


# --- a read over several endpoints ---------------------------------------------------------------------------
class TwoEndpoints(Offline):
    kind = "model"
    fields = (Field("name", "str", required=True), Field("model_id", "str"))
    id_field = "model_id"
    asked: list[str]
    known: dict[str, dict[str, Any]]  # endpoint -> object it knows

    def lookups(self, api, object_id, purpose):
        def ask(endpoint: str):
            def lookup() -> Optional[dict]:
                self.asked.append(endpoint)
                return self.known.get(endpoint)
            return lookup
        return (ask("router"), ask("database")) if purpose == "read" else (ask("database"), ask("router"))


@pytest.mark.parametrize("purpose, known, asked, found", [
    ("read", {"router": {"name": "r"}, "database": {"name": "d"}}, ["router"], {"name": "r"}),
    ("read", {"database": {"name": "d"}}, ["router", "database"], {"name": "d"}),
    ("confirm", {"router": {"name": "r"}, "database": {"name": "d"}}, ["database"], {"name": "d"}),
    ("confirm", {"router": {"name": "r"}}, ["database", "router"], {"name": "r"}),
    ("read", {}, ["router", "database"], None),
], ids=["read-router-first", "read-falls-back", "confirm-database-first", "confirm-falls-back", "nowhere"])
def test_a_read_over_several_endpoints_asks_them_in_the_purposes_order(purpose, known, asked, found):
    provider = TwoEndpoints()
    provider.asked, provider.known = [], known
    assert provider.first_found(None, "id-1", purpose) == found and provider.asked == asked


def test_the_default_fetch_reads_the_endpoints_and_a_miss_everywhere_drops_the_object():
    provider = TwoEndpoints()
    provider.asked, provider.known = [], {"database": {"name": "from-db", "model_id": "id-1"}}
    read = provider.read("id-1", {**CONNECTION, "name": "old", "model_id": "id-1"})
    assert read.outs["name"] == "from-db" and provider.asked == ["router", "database"]
    provider.known = {}
    assert provider.read("id-1", {**CONNECTION, "name": "old", "model_id": "id-1"}).id == ""


# --- serialised writes, an id made of inputs, upserts -------------------------------------------------------
class Rule(Offline):
    """One rule of a shared row: the id is `<kind>:<model>`, writes are upserts."""

    kind = "rule"
    fields = (Field("model", "str", required=True, replaces=True), Field("targets", "list", required=True))
    id_field = None
    generates_id = False
    upserts = True
    meeting: threading.Barrier
    met: list[str]

    def object_id(self, props):
        return f"general:{props['model']}"

    def send_create(self, api, body):
        try:  # a second writer inside this call at the same time meets us here; alone, the wait breaks
            self.meeting.wait(timeout=0.5)
            self.met.append("together")
        except threading.BrokenBarrierError:
            self.met.append("alone")

    def send_update(self, api, object_id, body):
        raise LiteLLMAdminError("POST", "/rule", 404, "target model not found in router")


@pytest.mark.parametrize("lock, met", [(None, ["together", "together"]), (threading.Lock(), ["alone", "alone"])],
                         ids=["unserialised-writes-overlap", "serialised-writes-never-do"])
def test_serialised_writes_never_overlap(lock, met):
    provider = Rule()
    provider.write_lock, provider.meeting, provider.met = lock, threading.Barrier(2), []
    inputs = [checked(provider, {}, {**CONNECTION, "model": m, "targets": ["b"]}) for m in ("x", "y")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        ids = sorted(r.id for r in pool.map(provider.create, inputs))
    assert ids == ["general:x", "general:y"] and provider.met == met


def test_an_id_made_of_inputs_is_no_output_and_an_upserts_not_found_is_not_a_deleted_object():
    provider = Rule()
    provider.write_lock, provider.meeting, provider.met = None, threading.Barrier(1), []
    olds = checked(provider, {}, {**CONNECTION, "model": "x", "targets": ["b"]})
    result = provider.create(olds)
    assert result.id == "general:x" and "None" not in result.outs and None not in result.outs
    with pytest.raises(LiteLLMAdminError) as raised:
        provider.update(result.id, olds, {**olds, "targets": ["c"]})
    assert "deleted outside Pulumi" not in str(raised.value) and "not found in router" in str(raised.value)


# --- a value chosen just before the create, the live id, and strategies ----------------------------------
class Issued(Offline):
    """A kind whose id is the hash of a value chosen before the create (as a key's token is its raw value's)."""

    kind = "credential"
    fields = (Field("alias", "str", required=True), Field("adopt", "bool"), Field("rotate", "bool"),
              Field("value", "str", secret=True, computed=True), Field("current", "str", computed=True))
    id_field = None
    generates_id = False
    internal_inputs = ("rotate",)

    def prepared(self, props):
        return {**props, "value": f"v-{len(self.server.calls)}"}

    def object_id(self, props):
        return f"id-of-{props['value']}"

    def create_body(self, props):
        return {"alias": props["alias"], "value": props["value"]}

    def send_create(self, api, body):
        return self.server.create(self.object_id(body), body)

    def locate(self, api, props):
        found = self.server.objects.get(self.object_id(props))
        return {**found, "value": props["value"]} if found else None

    def live_id(self, id_, props):
        return props.get("current") or id_

    def fetch(self, api, object_id):
        self.server.calls.append(f"fetch {object_id}")
        return self.server.objects.get(object_id)

    def send_delete(self, api, object_id, props):
        self.server.calls.append(f"delete {object_id}")
        return self.server.objects.pop(object_id, None) is not None

    def create_strategy(self, props):
        return (lambda api, props: ("adopted", {"alias": props["alias"]})) if props.get("adopt") else None

    def update_strategy(self, olds, news):
        if not news.get("rotate"):
            return None
        return lambda api, id_, olds, news: {**self.stored(news), "current": f"rotated-{id_}"}


@pytest.mark.parametrize("failures, calls", [([], ["create"]), (["after"], ["create"]),
                                             (["before"], ["create", "create"])],
                         ids=["answered", "lost-after-commit", "lost-before-commit"])
def test_a_value_chosen_before_the_create_is_its_id_and_proves_a_found_object_ours(failures, calls):
    provider = Issued()
    provider.server = server = Server()
    server.fail = list(failures)
    result = provider.create(checked(provider, {}, {**CONNECTION, "alias": "a"}))
    assert result.id == "id-of-v-0" and list(server.objects) == [result.id] and server.calls == calls
    assert result.outs["value"] == "v-0"  # the same value on every attempt: chosen once, before the first


@pytest.mark.parametrize("stored, asked", [({}, "id-1"), ({"current": "id-2"}, "id-2")],
                         ids=["first-id", "live-id-after-a-change"])
def test_read_and_delete_address_the_live_id(stored, asked):
    provider = Issued()
    provider.server = server = Server()
    props = {**CONNECTION, "alias": "a", **stored}
    assert provider.read("id-1", props).id == ""
    provider.delete("id-1", props)
    assert server.calls == [f"fetch {asked}", f"delete {asked}"]


@pytest.mark.parametrize("change, expected_id, expected_current, calls", [
    ({"adopt": True}, "adopted", None, []),
    ({"rotate": True}, None, "rotated-id-1", []),
], ids=["create-strategy", "update-strategy"])
def test_a_strategy_replaces_the_plain_create_or_update(change, expected_id, expected_current, calls):
    provider = Issued()
    provider.server = server = Server()
    if "adopt" in change:
        result = provider.create(checked(provider, {}, {**CONNECTION, "alias": "a", **change}))
        assert result.id == expected_id and result.outs == {"alias": "a"}
    else:
        olds = {**CONNECTION, "alias": "a"}
        result = provider.update("id-1", olds, {**olds, **change})
        assert result.outs["current"] == expected_current
    assert server.calls == calls and server.objects == {}


def test_each_kind_a_tenant_may_grant_is_held_by_the_field_keys_name_it_in():
    """`held_as` of every grantable kind (config/tenant.py GRANTABLE_OUTPUTS) is the key field that references it, so
    its delete looks where a tenant's grant is; each sends the stack's name to tell its own holders apart."""
    from config.tenant import GRANTABLE_OUTPUTS
    from dynamic_providers.mcp_server import McpServerProvider
    from dynamic_providers.mcp_toolset import McpToolsetProvider
    from dynamic_providers.search_tool import SearchToolProvider
    from dynamic_providers.unified_access_group import UnifiedAccessGroupProvider
    from dynamic_providers.vector_store import VectorStoreProvider
    from kinds.declarations import MCP_SERVER, MCP_TOOLSET, SEARCH_TOOL, UNIFIED_ACCESS_GROUP, VECTOR_STORE, VIRTUAL_KEY

    providers = {MCP_SERVER: McpServerProvider, MCP_TOOLSET: McpToolsetProvider, SEARCH_TOOL: SearchToolProvider,
                 UNIFIED_ACCESS_GROUP: UnifiedAccessGroupProvider, VECTOR_STORE: VectorStoreProvider}
    assert {kind.section for kind in providers} == set(GRANTABLE_OUTPUTS)
    for kind, provider in providers.items():
        (field,) = [f.api for f in VIRTUAL_KEY.fields if f.references == kind.section]
        assert provider.held_as is not None and provider.held_as.field == field, kind.name
        assert provider.marks_owner, kind.name
