"""The one CRUD mechanism of every LiteLLM kind (`provider_base`, `object_provider`), tested directly.

Two small kinds (tests/support/mechanism_kinds.py), on an in-memory admin API that records every call: `Gadget`
(the stack generates its id; a found object is ours when its name matches) and `Widget` (the program names it; a
name taken before our first try is refused). Everything a kind does not declare itself is checked here once, so a
kind's own tests only need what is particular to it: check (each field kind and bound), diff and replacements,
secret outputs, create-confirm after a lost answer, read/refresh, update and delete.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Optional

import pytest
from pulumi.runtime import rpc

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import AdminConnection
from tests.support.every_kind import every_kind_config
from tests.support.mechanism_kinds import (
    ADMIN_URL, CONNECTION, LOST, TOKEN, FakeAdmin, Gadget, GadgetProvider, OwnedWidgetProvider, WidgetProvider,
)
from tests.support.providers import MASTER

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def admin(monkeypatch):
    admin = FakeAdmin("gadget_id")
    monkeypatch.setattr(GadgetProvider, "admin", admin, raising=False)
    return admin


@pytest.fixture
def widget_admin(monkeypatch):
    admin = FakeAdmin("widget_name")
    monkeypatch.setattr(WidgetProvider, "admin", admin, raising=False)
    return admin


def configured(provider: ObjectProvider, **stack_config: Any) -> ObjectProvider:
    """`provider` after the engine handed it the stack config (`litemaas:gatewayUrl`, `masterKey`, `adminApi`)."""
    provider.configure(SimpleNamespace(config=stack_config))
    return provider


def gadget(**fields: Any) -> dict[str, Any]:
    """What the program sends for a gadget (None: not declared)."""
    props = {**CONNECTION, "name": "g1", "size": 3, "members": ["a", "b"], "region": "eu", **fields}
    return {k: v for k, v in props.items() if v is not None}


def check(provider: ObjectProvider, news: dict[str, Any], olds: Optional[dict[str, Any]] = None):
    return provider.check(olds or {}, news)


def checked(provider: ObjectProvider, news: dict[str, Any], olds: Optional[dict[str, Any]] = None) -> dict:
    result = check(provider, news, olds)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def created(provider: ObjectProvider, news: dict[str, Any]) -> tuple[dict, str, dict]:
    inputs = checked(provider, news)
    result = provider.create(inputs)
    return inputs, result.id, result.outs


# check -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, reason", [
    ("name", None, "name is required"),
    ("name", "", "name must not be empty (omit it instead)"),
    ("name", "  ", "name must not be empty"),
    ("name", 5, "name must be a string, got int"),
    ("size", 0, "size must be 1 or more, got 0"),
    ("size", 2.5, "size must be a whole number, got 2.5"),
    ("size", "3", "size must be a finite number, got '3'"),
    ("size", True, "size must be a finite number, got True"),
    ("size", float("inf"), "size must be a finite number"),
    ("price", 0, "price must be greater than 0, got 0"),
    ("price", -1.5, "price must be greater than 0, got -1.5"),
    ("price", float("nan"), "price must be a finite number"),
    ("period", "monthly", "period: "),
    ("colour", "green", "colour 'green' is not one of red, blue"),
    ("enabled", "yes", "enabled must be true or false, got 'yes'"),
    ("members", "a", "members must be a list of non-empty strings"),
    ("members", ["a", ""], "members must be a list of non-empty strings"),
    ("members", ["a", 1], "members must be a list of non-empty strings"),
    ("members", ["b", "a", "b"], "members lists a value twice: ['b']"),
    ("settings", ["x"], "settings must be an object (map), got list"),
    ("admin_url", "ftp://gateway", "is not an http(s) URL"),
    ("admin_url", "http://127.0.0.1:4000/?x=1", "must not carry a query or fragment"),
    ("request_timeout", 0, "request_timeout must be a positive number of seconds"),
    ("verify_tls", "yes", "verify_tls must be true or false"),
])
def test_check_names_the_failing_field(field, value, reason):
    failures = check(GadgetProvider(), gadget(**{field: value})).failures
    assert [f.property for f in failures] == [field], [(f.property, f.reason) for f in failures]
    assert reason in failures[0].reason


def test_check_reports_every_bad_field_at_once():
    failures = check(GadgetProvider(), gadget(size=0, colour="green", enabled=1)).failures
    assert sorted(f.property for f in failures) == ["colour", "enabled", "size"]


@pytest.mark.parametrize("field, value", [
    ("token", 123456789),
    ("headers", {"x-api-key": 987654321}),
    ("headers", "sk-not-a-map-55555"),
    ("master_key", 424242424),
])
def test_check_never_echoes_a_secret_value(field, value):
    failures = check(GadgetProvider(), gadget(**{field: value})).failures
    assert [f.property for f in failures] == [field]
    assert str(value) not in failures[0].reason and "987654321" not in failures[0].reason


def test_check_makes_whole_floats_ints_everywhere_numbers_crossed_grpc_as_floats():
    inputs = checked(GadgetProvider(), gadget(size=3.0, price=2.0, settings={"retries": 2.0, "nested": [1.0, 1.5]}))
    assert type(inputs["size"]) is int and inputs["size"] == 3
    assert inputs["price"] == 2.0  # a number field stays what it is
    assert inputs["settings"] == {"retries": 2, "nested": [1, 1.5]} and type(inputs["settings"]["retries"]) is int


@pytest.mark.parametrize("field", ["name", "size", "price", "period", "colour", "enabled", "members", "settings",
                                   "token", "headers", "region", "admin_url", "master_key"])
def test_check_lets_unknown_values_pass_at_preview(field):
    assert check(GadgetProvider(), gadget(**{field: rpc.UNKNOWN})).failures == []


def test_check_lets_a_list_with_an_unknown_member_pass():
    assert check(GadgetProvider(), gadget(members=["a", rpc.UNKNOWN])).failures == []


def test_check_keeps_only_what_the_program_declared():
    inputs = checked(GadgetProvider(), gadget())
    assert set(inputs) == {*CONNECTION, "name", "size", "members", "region", "gadget_id", "gadget_id_fixed"}


def test_check_generates_an_id_once_and_keeps_it_a_fixed_id_is_the_programs():
    provider = GadgetProvider()
    first = checked(provider, gadget())
    assert first["gadget_id"] and first["gadget_id_fixed"] is False
    again = checked(provider, gadget(size=4), olds=first)
    assert again["gadget_id"] == first["gadget_id"]
    fixed = checked(provider, gadget(gadget_id="mine"), olds=first)
    assert (fixed["gadget_id"], fixed["gadget_id_fixed"]) == ("mine", True)
    back = checked(provider, gadget(), olds=fixed)  # the program stops naming it: a generated id, not "mine"
    assert back["gadget_id"] != "mine" and back["gadget_id_fixed"] is False


def test_check_of_a_kind_the_program_names_requires_the_name():
    failures = check(WidgetProvider(), {**CONNECTION}).failures
    assert [(f.property, f.reason) for f in failures] == [("widget_name", "widget_name is required")]


# diff and replacements ----------------------------------------------------------------------------------

@pytest.mark.parametrize("change, changes, replaces", [
    ({}, False, []),
    ({"size": 4}, True, []),
    ({"size": 3.0}, False, []),
    ({"size": None}, True, []),
    ({"display_name": "G"}, True, []),
    ({"token": TOKEN}, True, []),
    ({"members": ["b", "a"]}, False, []),
    ({"steps": ["2", "1"]}, True, []),
    ({"settings": {}}, False, []),
    ({"region": "us"}, True, ["region"]),
    ({"region": "us", "size": 9}, True, ["region"]),
    ({"gadget_id": "another"}, True, ["gadget_id"]),
    ({"admin_url": "http://127.0.0.1:4001"}, True, []),
    ({"master_key": "sk-rotated-master-key"}, True, []),
    ({"owner_stack": "organization/litemaas/other"}, False, []),
])
def test_diff(change, changes, replaces):
    provider = GadgetProvider()
    olds = checked(provider, gadget(steps=["1", "2"]))
    news = checked(provider, gadget(**{"steps": ["1", "2"], **change}), olds=olds)
    result = provider.diff(olds["gadget_id"], olds, news)
    assert (result.changes, result.replaces, result.delete_before_replace) == (changes, replaces, False)


def test_diff_of_a_renamed_widget_replaces_it():
    provider = WidgetProvider()
    olds = checked(provider, {**CONNECTION, "widget_name": "w1"})
    result = provider.diff("w1", olds, checked(provider, {**CONNECTION, "widget_name": "w2"}, olds=olds))
    assert (result.changes, result.replaces) == (True, ["widget_name"])


def test_diff_compares_inputs_not_the_outputs_the_server_filled(admin):
    provider = GadgetProvider()
    inputs, object_id, outs = created(provider, gadget())
    assert outs["serial"] == "serial-1"
    assert provider.diff(object_id, outs, checked(provider, gadget(), olds=inputs)).changes is False


# secret outputs -----------------------------------------------------------------------------------------

def test_a_registered_resource_marks_its_secret_fields_and_the_master_key_secret(mocked):
    run = mocked.run({}, program=lambda: Gadget("g", connection=AdminConnection(admin_url=ADMIN_URL, master_key=MASTER),
                                                name="g1", token=TOKEN, headers={"x": "y"}))
    registration = run.recorder.one("pulumi-python:dynamic/mechanismtest:Gadget")
    assert set(registration.request.additionalSecretOutputs) == {"token", "headers", "master_key"}
    sent = registration.inputs
    assert all(sent[name].get(rpc._special_sig_key) == rpc._special_secret_sig for name in ("token", "master_key",
                                                                                             "headers"))
    assert sent["name"] == "g1" and "size" not in sent  # undeclared inputs are not sent


# What the program registers today for each kind: a declaration that derives them must give the same.
SECRET_OUTPUTS = {
    "Model": {"api_key", "master_key"}, "Credential": {"credential_values", "values_mask", "master_key"},
    "Fallback": {"master_key"}, "Budget": {"master_key"}, "User": {"master_key"}, "Team": {"master_key"},
    "TeamMember": {"master_key"}, "Tag": {"master_key"}, "Guardrail": {"api_key", "master_key"},
    "McpServer": {"auth_value", "master_key"}, "VirtualKey": {"key", "master_key"},
}


def test_every_kind_of_the_program_registers_its_secret_outputs(mocked):
    config = {"deployGateway": False, "gatewayUrl": "https://litellm.example.com", "masterKey": MASTER,
              **every_kind_config()}
    run = mocked.run(config, secret_keys=("masterKey", "credentials", "mcpServers"))
    registered = {r.typ.rsplit(":", 1)[1]: set(r.request.additionalSecretOutputs) for r in run.recorder.registrations
                  if r.typ.startswith("pulumi-python:dynamic/litellm:")}
    assert registered == SECRET_OUTPUTS


# create, and confirming it after a lost answer ------------------------------------------------------------

def test_create_sends_the_declared_fields_in_the_apis_names(admin):
    inputs, object_id, outs = created(GadgetProvider(), gadget(display_name="Gadget one", token=TOKEN))
    [(verb, body)] = admin.calls
    assert verb == "create" and body == {"gadget_id": object_id, "name": "g1", "size": 3, "members": ["a", "b"],
                                         "region": "eu", "displayName": "Gadget one", "token": TOKEN}
    assert outs["serial"] == "serial-1" and outs["token"] == TOKEN and object_id == inputs["gadget_id"]


def test_create_sends_whole_numbers_that_crossed_grpc_as_floats_as_ints(admin):
    provider = GadgetProvider()
    inputs = checked(provider, gadget(settings={"retries": 2}))
    provider.create({**inputs, "size": 3.0, "settings": {"retries": 2.0}})  # how the engine hands them back
    [(_, body)] = admin.calls
    assert type(body["size"]) is int and type(body["settings"]["retries"]) is int


def test_a_lost_answer_of_a_saved_create_is_found_and_kept_as_one_object(admin):
    admin.lose_create_answers(committed=True)
    inputs, object_id, outs = created(GadgetProvider(), gadget())
    assert admin.verbs() == ["create", "get"] and list(admin.objects) == [object_id]
    assert outs["serial"] == "serial-1"


def test_a_found_object_after_a_lost_answer_is_reconciled_with_the_program(admin):
    admin.lose_create_answers(committed=True, then_changed={"size": 7})
    inputs, _, _ = created(GadgetProvider(), gadget(token=TOKEN))
    assert admin.verbs() == ["create", "get", "update"]
    assert admin.calls[-1][1] == {"size": 3, "token": TOKEN}  # the drifted field, and the write-only one
    assert admin.objects[inputs["gadget_id"]]["size"] == 3


def test_a_lost_answer_of_an_unsaved_create_is_retried(admin):
    admin.lose_create_answers(committed=False, times=2)
    inputs, object_id, _ = created(GadgetProvider(), gadget())
    assert admin.verbs() == ["create", "get", "create", "get", "create"]
    assert list(admin.objects) == [object_id]


def test_a_create_lost_every_time_fails_after_its_attempts(admin):
    admin.lose_create_answers(committed=False, times=3)
    with pytest.raises(LiteLLMAdminError, match=LOST):
        created(GadgetProvider(), gadget())
    assert admin.verbs() == ["create", "get"] * 3 and admin.objects == {}


@pytest.mark.parametrize("status, message", [(422, "size: value is not a valid integer"), (401, "Authentication Error"),
                                             (500, "No DB Connected")])
def test_a_settled_answer_is_raised_at_once(admin, status, message):
    admin.answer_create(status, message)
    with pytest.raises(LiteLLMAdminError) as raised:
        created(GadgetProvider(), gadget())
    assert raised.value.status == status and admin.verbs() == ["create"]


def test_a_name_taken_before_our_first_try_is_refused_never_adopted(widget_admin):
    widget_admin.store({"widget_name": "w1", "size": 5})
    with pytest.raises(LiteLLMAdminError, match="choose another name than w1, or delete that widget"):
        created(WidgetProvider(), {**CONNECTION, "widget_name": "w1", "size": 2})
    assert widget_admin.verbs() == ["create"] and widget_admin.objects["w1"]["size"] == 5


def test_a_name_we_saved_before_the_answer_was_lost_is_ours(widget_admin):
    widget_admin.lose_create_answers(committed=True)
    _, object_id, _ = created(WidgetProvider(), {**CONNECTION, "widget_name": "w1", "size": 2})
    assert object_id == "w1" and widget_admin.verbs() == ["create", "get"]


def test_a_generated_id_that_exists_is_never_adopted(admin):
    provider = GadgetProvider()
    inputs = checked(provider, gadget())
    admin.store({"gadget_id": inputs["gadget_id"], "name": "g1"})
    with pytest.raises(LiteLLMAdminError, match="already exists"):
        provider.create(inputs)
    assert admin.verbs() == ["create"]


def test_a_fixed_id_found_with_another_name_is_not_ours(admin):
    admin.store({"gadget_id": "fixed-1", "name": "someone-else"})
    with pytest.raises(LiteLLMAdminError, match="gadget id fixed-1 already exists with name 'someone-else'"):
        created(GadgetProvider(), gadget(gadget_id="fixed-1"))
    assert admin.objects["fixed-1"]["name"] == "someone-else" and "update" not in admin.verbs()


def test_a_fixed_id_found_with_our_name_is_taken_over_and_made_to_match(admin):
    admin.store({"gadget_id": "fixed-1", "name": "g1", "size": 9})
    created(GadgetProvider(), gadget(gadget_id="fixed-1"))
    assert admin.verbs() == ["create", "get", "update"] and admin.objects["fixed-1"]["size"] == 3


def test_an_enterprise_only_answer_says_a_licence_is_needed(admin):
    admin.answer_create(403, "This feature is only available for LiteLLM Enterprise users")
    with pytest.raises(LiteLLMAdminError, match="needs a LiteLLM Enterprise licence"):
        created(GadgetProvider(), gadget())


# read (refresh and import) -------------------------------------------------------------------------------

def test_read_of_an_unchanged_object_returns_the_stored_outputs(admin):
    provider = GadgetProvider()
    _, object_id, outs = created(provider, gadget(token=TOKEN))
    result = provider.read(object_id, outs)
    assert (result.id, result.outs) == (object_id, outs)


def test_read_replaces_declared_fields_with_the_servers_values_and_ignores_undeclared_ones(admin):
    provider = GadgetProvider()
    _, object_id, outs = created(provider, gadget(settings={"a": 1}))
    admin.objects[object_id].update(size=8, colour="red", settings={"a": 2, "server": "x"})
    result = provider.read(object_id, outs)
    assert result.outs["size"] == 8 and result.outs["settings"] == {"a": 2}
    assert "colour" not in result.outs  # not declared: the server's value is not the program's
    assert result.inputs["size"] == 8 and "colour" not in result.inputs


def test_read_never_compares_a_write_only_field(admin):
    provider = GadgetProvider()
    _, object_id, outs = created(provider, gadget(token=TOKEN))
    assert "token" not in admin.objects[object_id]
    assert provider.read(object_id, outs).outs["token"] == TOKEN


def test_read_of_an_import_takes_every_field_the_server_holds(admin):
    admin.store({"gadget_id": "imported", "name": "legacy", "size": 2, "colour": "blue", "displayName": "Old"})
    result = GadgetProvider().read("imported", dict(CONNECTION))
    assert result.id == "imported"
    assert {k: result.outs.get(k) for k in ("name", "size", "colour", "display_name", "serial", "gadget_id_fixed")} \
        == {"name": "legacy", "size": 2, "colour": "blue", "display_name": "Old", "serial": "serial-1",
            "gadget_id_fixed": True}
    assert result.inputs["name"] == "legacy" and "serial" not in result.inputs


def test_read_of_an_object_gone_returns_an_empty_id(admin):
    provider = GadgetProvider()
    _, object_id, outs = created(provider, gadget())
    del admin.objects[object_id]
    result = provider.read(object_id, outs)
    assert (result.id, result.outs) == ("", {})


# update and delete --------------------------------------------------------------------------------------

def test_update_sends_only_the_changed_fields_and_keeps_the_computed_ones(admin):
    provider = GadgetProvider()
    inputs, object_id, outs = created(provider, gadget(display_name="A", steps=["1"]))
    news = checked(provider, gadget(display_name="B", steps=["1"], size=3.0), olds=inputs)
    result = provider.update(object_id, outs, news)
    assert admin.calls[-1] == ("update", {"displayName": "B"})
    assert result.outs["display_name"] == "B" and result.outs["serial"] == "serial-1"


def test_update_clears_a_field_the_program_dropped_with_an_explicit_null(admin):
    provider = GadgetProvider()
    inputs, object_id, outs = created(provider, gadget(colour="red"))
    news = checked(provider, gadget(), olds=inputs)
    result = provider.update(object_id, outs, news)
    assert admin.calls[-1] == ("update", {"colour": None})
    assert "colour" not in admin.objects[object_id] and "colour" not in result.outs


def test_update_of_the_connection_alone_makes_no_call(admin):
    provider = GadgetProvider()
    inputs, object_id, outs = created(provider, gadget())
    news = checked(provider, gadget(admin_url="http://127.0.0.1:4001"), olds=inputs)
    result = provider.update(object_id, outs, news)
    assert admin.verbs() == ["create"] and result.outs["admin_url"] == "http://127.0.0.1:4001"


def test_update_of_an_object_deleted_by_hand_says_how_to_recover(admin):
    provider = GadgetProvider()
    inputs, object_id, outs = created(provider, gadget())
    del admin.objects[object_id]
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi; run `pulumi refresh`"):
        provider.update(object_id, outs, checked(provider, gadget(size=4), olds=inputs))


def test_delete_of_an_object_already_gone_is_no_error(admin):
    provider = GadgetProvider()
    _, object_id, outs = created(provider, gadget())
    provider.delete(object_id, outs)
    provider.delete(object_id, outs)
    assert admin.verbs() == ["create", "delete", "delete"] and admin.objects == {}


# the connection from the stack config, and the ownership stamp ------------------------------------------

def test_a_connection_the_stack_config_holds_is_not_stored_and_moving_it_there_is_no_change(admin):
    provider = configured(GadgetProvider(), gatewayUrl=ADMIN_URL, masterKey=MASTER,
                          adminApi={"requestTimeout": "30s"})
    earlier = checked(GadgetProvider(), gadget(request_timeout=30.0))  # an earlier stack: all of it inline
    news = checked(provider, {k: v for k, v in gadget().items() if k not in CONNECTION}, olds=earlier)
    assert provider.diff(earlier["gadget_id"], earlier, news).changes is False
    outs = provider.create(news).outs
    assert not {"admin_url", "master_key", "request_timeout"} & set(outs)


def test_the_stack_configs_master_key_wins_over_a_stored_one(admin):
    provider = configured(GadgetProvider(), gatewayUrl=ADMIN_URL, masterKey="sk-rotated-master-key")
    olds = checked(GadgetProvider(), gadget())
    assert provider.diff("g", olds, olds).changes is False  # what is stored is not what is used: no change to show


def test_an_owner_stamp_is_stored_but_never_a_change(widget_admin):
    provider = OwnedWidgetProvider()
    widget = {**CONNECTION, "widget_name": "w1", "size": 2}
    inputs, _, outs = created(provider, {**widget, "owner_stack": "organization/litemaas/a"})
    assert outs["owner_stack"] == "organization/litemaas/a"
    unstamped = checked(provider, widget)
    assert provider.diff("w1", outs, unstamped).changes is False


def test_a_refresh_of_an_object_stored_before_the_owner_stamp_keeps_the_stored_inputs(widget_admin):
    provider = OwnedWidgetProvider()
    _, _, outs = created(provider, {**CONNECTION, "widget_name": "w1", "size": 2})
    assert provider.read("w1", outs).inputs is None  # the engine keeps them: no checkpoint churn at the next up
    stamped = {**outs, "owner_stack": "organization/litemaas/a"}
    assert provider.read("w1", stamped).inputs["owner_stack"] == "organization/litemaas/a"
