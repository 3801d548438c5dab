"""The one CRUD mechanism, continued: create and its confirmation after a lost answer, read (refresh and import),
update and delete, the connection the stack config holds and the ownership stamp, on the two small kinds of
tests/support/mechanism_kinds.py (see tests/test_provider_mechanism.py)."""

from __future__ import annotations


import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from tests.support.mechanism_kinds import (
    ADMIN_URL, CONNECTION, LOST, TOKEN, GadgetProvider, OwnedWidgetProvider, WidgetProvider,
    checked, configured, created, gadget,
)
from tests.support.providers import MASTER

pytestmark = pytest.mark.usefixtures("fast_retries")


def test_create_sends_the_declared_fields_in_the_apis_names(gadget_admin):
    inputs, object_id, outs = created(GadgetProvider(), gadget(display_name="Gadget one", token=TOKEN))
    [(verb, body)] = gadget_admin.calls
    assert verb == "create" and body == {"gadget_id": object_id, "name": "g1", "size": 3, "members": ["a", "b"],
                                         "region": "eu", "displayName": "Gadget one", "token": TOKEN}
    assert outs["serial"] == "serial-1" and outs["token"] == TOKEN and object_id == inputs["gadget_id"]


def test_create_sends_whole_numbers_that_crossed_grpc_as_floats_as_ints(gadget_admin):
    provider = GadgetProvider()
    inputs = checked(provider, gadget(settings={"retries": 2}))
    provider.create({**inputs, "size": 3.0, "settings": {"retries": 2.0}})  # how the engine hands them back
    [(_, body)] = gadget_admin.calls
    assert type(body["size"]) is int and type(body["settings"]["retries"]) is int


def test_a_lost_answer_of_a_saved_create_is_found_and_kept_as_one_object(gadget_admin):
    gadget_admin.lose_create_answers(committed=True)
    inputs, object_id, outs = created(GadgetProvider(), gadget())
    assert gadget_admin.verbs() == ["create", "get"] and list(gadget_admin.objects) == [object_id]
    assert outs["serial"] == "serial-1"


def test_a_found_object_after_a_lost_answer_is_reconciled_with_the_program(gadget_admin):
    gadget_admin.lose_create_answers(committed=True, then_changed={"size": 7})
    inputs, _, _ = created(GadgetProvider(), gadget(token=TOKEN))
    assert gadget_admin.verbs() == ["create", "get", "update"]
    assert gadget_admin.calls[-1][1] == {"size": 3, "token": TOKEN}  # the drifted field, and the write-only one
    assert gadget_admin.objects[inputs["gadget_id"]]["size"] == 3


def test_a_lost_answer_of_an_unsaved_create_is_retried(gadget_admin):
    gadget_admin.lose_create_answers(committed=False, times=2)
    inputs, object_id, _ = created(GadgetProvider(), gadget())
    assert gadget_admin.verbs() == ["create", "get", "create", "get", "create"]
    assert list(gadget_admin.objects) == [object_id]


def test_a_create_lost_every_time_fails_after_its_attempts(gadget_admin):
    gadget_admin.lose_create_answers(committed=False, times=3)
    with pytest.raises(LiteLLMAdminError, match=LOST):
        created(GadgetProvider(), gadget())
    assert gadget_admin.verbs() == ["create", "get"] * 3 and gadget_admin.objects == {}


@pytest.mark.parametrize("status, message", [(422, "size: value is not a valid integer"), (401, "Authentication Error"),
                                             (500, "No DB Connected")])
def test_a_settled_answer_is_raised_at_once(gadget_admin, status, message):
    gadget_admin.answer_create(status, message)
    with pytest.raises(LiteLLMAdminError) as raised:
        created(GadgetProvider(), gadget())
    assert raised.value.status == status and gadget_admin.verbs() == ["create"]


def test_a_name_taken_before_our_first_try_is_refused_never_adopted(widget_admin):
    widget_admin.store({"widget_name": "w1", "size": 5})
    with pytest.raises(LiteLLMAdminError, match="choose another name than w1, or delete that widget"):
        created(WidgetProvider(), {**CONNECTION, "widget_name": "w1", "size": 2})
    assert widget_admin.verbs() == ["create"] and widget_admin.objects["w1"]["size"] == 5


def test_a_name_we_saved_before_the_answer_was_lost_is_ours(widget_admin):
    widget_admin.lose_create_answers(committed=True)
    _, object_id, _ = created(WidgetProvider(), {**CONNECTION, "widget_name": "w1", "size": 2})
    assert object_id == "w1" and widget_admin.verbs() == ["create", "get"]


def test_a_generated_id_that_exists_is_never_adopted(gadget_admin):
    provider = GadgetProvider()
    inputs = checked(provider, gadget())
    gadget_admin.store({"gadget_id": inputs["gadget_id"], "name": "g1"})
    with pytest.raises(LiteLLMAdminError, match="already exists"):
        provider.create(inputs)
    assert gadget_admin.verbs() == ["create"]


def test_a_fixed_id_found_with_another_name_is_not_ours(gadget_admin):
    gadget_admin.store({"gadget_id": "fixed-1", "name": "someone-else"})
    with pytest.raises(LiteLLMAdminError, match="gadget id fixed-1 already exists with name 'someone-else'"):
        created(GadgetProvider(), gadget(gadget_id="fixed-1"))
    assert gadget_admin.objects["fixed-1"]["name"] == "someone-else" and "update" not in gadget_admin.verbs()


def test_a_fixed_id_found_with_our_name_is_taken_over_and_made_to_match(gadget_admin):
    gadget_admin.store({"gadget_id": "fixed-1", "name": "g1", "size": 9})
    created(GadgetProvider(), gadget(gadget_id="fixed-1"))
    assert gadget_admin.verbs() == ["create", "get", "update"] and gadget_admin.objects["fixed-1"]["size"] == 3


def test_an_enterprise_only_answer_says_a_licence_is_needed(gadget_admin):
    gadget_admin.answer_create(403, "This feature is only available for LiteLLM Enterprise users")
    with pytest.raises(LiteLLMAdminError, match="needs a LiteLLM Enterprise licence"):
        created(GadgetProvider(), gadget())


def test_read_of_an_unchanged_object_returns_the_stored_outputs(gadget_admin):
    provider = GadgetProvider()
    _, object_id, outs = created(provider, gadget(token=TOKEN))
    result = provider.read(object_id, outs)
    assert (result.id, result.outs) == (object_id, outs)


def test_read_replaces_declared_fields_with_the_servers_values_and_ignores_undeclared_ones(gadget_admin):
    provider = GadgetProvider()
    _, object_id, outs = created(provider, gadget(settings={"a": 1}))
    gadget_admin.objects[object_id].update(size=8, colour="red", settings={"a": 2, "server": "x"})
    result = provider.read(object_id, outs)
    assert result.outs["size"] == 8 and result.outs["settings"] == {"a": 2}
    assert "colour" not in result.outs  # not declared: the server's value is not the program's
    assert result.inputs["size"] == 8 and "colour" not in result.inputs


def test_read_never_compares_a_write_only_field(gadget_admin):
    provider = GadgetProvider()
    _, object_id, outs = created(provider, gadget(token=TOKEN))
    assert "token" not in gadget_admin.objects[object_id]
    assert provider.read(object_id, outs).outs["token"] == TOKEN


def test_read_of_an_import_takes_every_field_the_server_holds(gadget_admin):
    gadget_admin.store({"gadget_id": "imported", "name": "legacy", "size": 2, "colour": "blue", "displayName": "Old"})
    result = GadgetProvider().read("imported", dict(CONNECTION))
    assert result.id == "imported"
    assert {k: result.outs.get(k) for k in ("name", "size", "colour", "display_name", "serial", "gadget_id_fixed")} \
        == {"name": "legacy", "size": 2, "colour": "blue", "display_name": "Old", "serial": "serial-1",
            "gadget_id_fixed": True}
    assert result.inputs["name"] == "legacy" and "serial" not in result.inputs


def test_read_of_an_object_gone_returns_an_empty_id(gadget_admin):
    provider = GadgetProvider()
    _, object_id, outs = created(provider, gadget())
    del gadget_admin.objects[object_id]
    result = provider.read(object_id, outs)
    assert (result.id, result.outs) == ("", {})


class LaggingGadgetProvider(GadgetProvider):
    """A kind whose reads come from the answering pod's memory: not found waits for a write on its way there."""

    def fetch(self, api, object_id):
        return self.shown(api, lambda: self.admin.get(object_id), f"gadget {object_id}")


def test_reads_that_may_lag_wait_for_an_object_not_shown_once_per_run(gadget_admin):
    provider = LaggingGadgetProvider()
    stored = [created(provider, gadget(name=name)) for name in ("a", "b")]
    gadget_admin.objects.clear()  # both deleted by hand
    for _, object_id, outs in stored:
        gadget_admin.calls.clear()
        assert provider.read(object_id, outs).id == ""
        reads = len(gadget_admin.calls)
    # The first read asked again until the run's wait was over; the second asked once: a refresh of N deleted objects
    # waits once, not N times.
    assert reads == 1


def test_a_read_that_may_lag_finds_an_object_shown_late(gadget_admin):
    provider = LaggingGadgetProvider()
    _, object_id, outs = created(provider, gadget())
    hidden = gadget_admin.objects.pop(object_id)
    original_get = gadget_admin.get

    def shown_on_the_third_read(asked):
        if len(gadget_admin.verbs()) >= 2:
            gadget_admin.objects[object_id] = hidden
        return original_get(asked)

    gadget_admin.calls.clear()
    gadget_admin.get = shown_on_the_third_read
    assert provider.read(object_id, outs).id == object_id and gadget_admin.verbs() == ["get"] * 3


def test_update_sends_only_the_changed_fields_and_keeps_the_computed_ones(gadget_admin):
    provider = GadgetProvider()
    inputs, object_id, outs = created(provider, gadget(display_name="A", steps=["1"]))
    news = checked(provider, gadget(display_name="B", steps=["1"], size=3.0), olds=inputs)
    result = provider.update(object_id, outs, news)
    assert gadget_admin.calls[-1] == ("update", {"displayName": "B"})
    assert result.outs["display_name"] == "B" and result.outs["serial"] == "serial-1"


def test_update_clears_a_field_the_program_dropped_with_an_explicit_null(gadget_admin):
    provider = GadgetProvider()
    inputs, object_id, outs = created(provider, gadget(colour="red"))
    news = checked(provider, gadget(), olds=inputs)
    result = provider.update(object_id, outs, news)
    assert gadget_admin.calls[-1] == ("update", {"colour": None})
    assert "colour" not in gadget_admin.objects[object_id] and "colour" not in result.outs


def test_update_of_the_connection_alone_makes_no_call(gadget_admin):
    provider = GadgetProvider()
    inputs, object_id, outs = created(provider, gadget())
    news = checked(provider, gadget(admin_url="http://127.0.0.1:4001"), olds=inputs)
    result = provider.update(object_id, outs, news)
    assert gadget_admin.verbs() == ["create"] and result.outs["admin_url"] == "http://127.0.0.1:4001"


def test_update_of_an_object_deleted_by_hand_says_how_to_recover(gadget_admin):
    provider = GadgetProvider()
    inputs, object_id, outs = created(provider, gadget())
    del gadget_admin.objects[object_id]
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi; run `pulumi refresh`"):
        provider.update(object_id, outs, checked(provider, gadget(size=4), olds=inputs))


def test_delete_of_an_object_already_gone_is_no_error(gadget_admin):
    provider = GadgetProvider()
    _, object_id, outs = created(provider, gadget())
    provider.delete(object_id, outs)
    provider.delete(object_id, outs)
    assert gadget_admin.verbs() == ["create", "delete", "delete"] and gadget_admin.objects == {}


def test_a_connection_the_stack_config_holds_is_not_stored_and_moving_it_there_is_no_change(gadget_admin):
    provider = configured(GadgetProvider(), gatewayUrl=ADMIN_URL, masterKey=MASTER,
                          adminApi={"requestTimeout": "30s"})
    earlier = checked(GadgetProvider(), gadget(request_timeout=30.0))  # an earlier stack: all of it inline
    news = checked(provider, {k: v for k, v in gadget().items() if k not in CONNECTION}, olds=earlier)
    assert provider.diff(earlier["gadget_id"], earlier, news).changes is False
    outs = provider.create(news).outs
    assert not {"admin_url", "master_key", "request_timeout"} & set(outs)


def test_the_stack_configs_master_key_wins_over_a_stored_one(gadget_admin):
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
