"""The one CRUD mechanism of every LiteLLM kind (`provider_base`, `object_provider`), tested directly.

Two small kinds (tests/support/mechanism_kinds.py), on an in-memory admin API that records every call: `Gadget`
(the stack generates its id; a found object is ours when its name matches) and `Widget` (the program names it; a
name taken before our first try is refused). Everything a kind does not declare itself is checked here once, so a
kind's own tests only need what is particular to it: check (each field kind and bound), diff and replacements,
secret outputs, create-confirm after a lost answer, read/refresh, update and delete.
"""

from __future__ import annotations


import pytest
from pulumi.runtime import rpc

from dynamic_providers.provider_base import AdminConnection
from tests.support.every_kind import every_kind_config
from tests.support.mechanism_kinds import (
    ADMIN_URL, CONNECTION, TOKEN, Gadget, GadgetProvider, WidgetProvider,
    check, checked, created, gadget,
)
from tests.support.providers import MASTER

pytestmark = pytest.mark.usefixtures("fast_retries")


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


def test_diff_compares_inputs_not_the_outputs_the_server_filled(gadget_admin):
    provider = GadgetProvider()
    inputs, object_id, outs = created(provider, gadget())
    assert outs["serial"] == "serial-1"
    assert provider.diff(object_id, outs, checked(provider, gadget(), olds=inputs)).changes is False


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
    "VectorStore": {"master_key"}, "McpToolset": {"master_key"}, "SearchTool": {"api_key", "master_key"},
}
# Kinds newer than the state-compatibility catalog (tests/support/every_kind.py, which older releases must read).
NEWER_KINDS = {"vectorStores": [{"id": "vs_1", "provider": "openai", "credential": "compat-upstream"}],
               "mcpToolsets": [{"name": "compat-research", "tools": [{"server": "compat_tools", "tool": "search"}]}],
               "searchTools": [{"name": "web", "provider": "tavily", "apiKey": "tvly-search-0123"}]}


def test_every_kind_of_the_program_registers_its_secret_outputs(mocked):
    config = {"deployGateway": False, "gatewayUrl": "https://litellm.example.com", "masterKey": MASTER,
              **every_kind_config(), **NEWER_KINDS}
    run = mocked.run(config, secret_keys=("masterKey", "credentials", "mcpServers", "searchTools"))
    registered = {r.typ.rsplit(":", 1)[1]: set(r.request.additionalSecretOutputs) for r in run.recorder.registrations
                  if r.typ.startswith("pulumi-python:dynamic/litellm:")}
    assert registered == SECRET_OUTPUTS


