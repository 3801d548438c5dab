"""litellm:Team provider against the LiteLLM test double: check, diff, CRUD, drift, import, faults."""

from __future__ import annotations

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.team import TeamHoldsKeysError, TeamProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.providers import MASTER, checked, connection, created, next_program_inputs



pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def provider():
    return TeamProvider()


def news_for(double, **fields):
    return connection(double, **{
        "team_alias": "ml-research", "models": ["granite-8b-instruct"], "max_budget": 500.0,
        "budget_duration": "1mo", "rpm_limit": 600, "metadata": {"cost_center": "42", "owner": "ml"}, **fields})


def program(inputs, **changes):
    return next_program_inputs(inputs, "team_id", **changes)


def create(provider, double, **fields):
    return created(provider, news_for(double, **fields))


@pytest.mark.parametrize("field, value, reason", [
    ("team_alias", "", "team_alias must not be empty"),
    ("max_budget", -5, "max_budget must be 0 or more"),
    ("budget_duration", "monthly", "is not a LiteLLM duration"),
    ("rpm_limit", 2.5, "rpm_limit must be a whole number"),
    ("models", "granite", "models must be a list of non-empty strings"),
])
def test_check_rejects_bad_inputs(provider, double, field, value, reason):
    failures = provider.check({}, news_for(double, **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), \
        [(f.property, f.reason) for f in failures]


def test_ids_generated_once_fixed_ids_kept(provider, double):
    first = checked(provider, {}, news_for(double))
    again = checked(provider, first, program(first, rpm_limit=1))
    assert again["team_id"] == first["team_id"] and first["team_id_fixed"] is False
    fixed = checked(provider, first, program(first, team_id="ml"))
    assert fixed["team_id"] == "ml" and fixed["team_id_fixed"] is True
    diff = provider.diff(first["team_id"], first, fixed)
    assert diff.replaces == ["team_id"] and diff.delete_before_replace is False


def test_diff_updates_in_place(provider, double):
    olds = checked(provider, {}, news_for(double))
    assert provider.diff("t", olds, checked(provider, olds, program(olds))).changes is False
    for change in ({"team_alias": "ml"}, {"models": []}, {"max_budget": None}, {"metadata": {}},
                   {"master_key": "sk-another-master-key"}):
        result = provider.diff(olds["team_id"], olds, checked(provider, olds, program(olds, **change)))
        assert (result.changes, result.replaces) == (True, []), change


def test_full_lifecycle_and_call_counts(provider, double):
    inputs, team_id, outs = create(provider, double)
    row = double.teams[team_id]
    assert row["team_alias"] == "ml-research" and row["max_budget"] == 500.0 and row["models"] == ["granite-8b-instruct"]
    assert row["metadata"] == {"cost_center": "42", "owner": "ml"}
    assert [(c.method, c.path) for c in double.calls if not c.path.startswith("/health")] == [("POST", "/team/new")]

    double.reset_calls()
    read = provider.read(team_id, outs)
    assert read.id == team_id and read.outs == outs
    assert double.read_count == 1 and double.write_count == 0

    double.reset_calls()
    news = checked(provider, inputs, program(inputs, max_budget=750.0, metadata={"owner": "ml", "tier": "gold"}))
    provider.update(team_id, outs, news)
    calls = [c for c in double.calls if not c.path.startswith("/health")]
    assert [(c.method, c.path) for c in calls] == [("PATCH", f"/team/{team_id}")]
    assert calls[0].body == {"max_budget": 750.0, "metadata": {"cost_center": None, "tier": "gold"}}
    assert double.teams[team_id]["metadata"] == {"owner": "ml", "tier": "gold"}

    provider.delete(team_id, outs)
    provider.delete(team_id, outs)  # already gone = success
    assert double.teams == {}
    # Every body passed litellm's own request models (litellm is a pinned test dependency).
    assert double.validating and double.ignored_fields() == {}


def test_connection_only_change_sends_nothing(provider, double):
    inputs, team_id, outs = create(provider, double)
    double.reset_calls()
    result = provider.update(team_id, outs, checked(provider, inputs, program(inputs, readiness_timeout=30.0)))
    assert double.calls == [] and result.outs["readiness_timeout"] == 30.0


def test_refresh_sees_hand_edits_and_deletion(provider, double):
    inputs, team_id, outs = create(provider, double)
    double.edit_team(team_id, max_budget=1.0, team_alias="renamed",
                     metadata={"owner": "ml", "cost_center": "7", "team_member_budget_id": "b1"})
    read = provider.read(team_id, outs)
    assert (read.outs["max_budget"], read.outs["team_alias"]) == (1.0, "renamed")
    assert read.outs["metadata"] == {"owner": "ml", "cost_center": "7"}
    assert provider.diff(team_id, read.outs, inputs).changes is True
    double.delete_team(team_id)
    assert provider.read(team_id, outs).id == ""


def test_server_filled_defaults_are_not_drift(provider, double):
    inputs, team_id, outs = create(provider, double, rpm_limit=None, max_budget=None)
    double.edit_team(team_id, rpm_limit=100, spend=12.0)  # e.g. default_team_params
    assert provider.diff(team_id, provider.read(team_id, outs).outs, inputs).changes is False


def test_import_from_the_id_alone(provider, double):
    double.seed_team("legacy", team_alias="legacy-team", models=["m"], max_budget=3.0, metadata={"a": 1})
    read = provider.read("legacy", {"admin_url": double.url, "master_key": MASTER})
    for source in (read.outs, read.inputs):
        assert source["team_alias"] == "legacy-team" and source["models"] == ["m"] and source["max_budget"] == 3.0
        assert source["metadata"] == {"a": 1} and source["team_id"] == "legacy" and source["team_id_fixed"] is True
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff("legacy", read.outs, again).changes is False


def assert_one_team(double, team_id):
    assert list(double.teams) == [team_id] and double.teams[team_id]["team_alias"] == "ml-research"


@pytest.mark.parametrize("fault", ["drop", "timeout", "non_json"])
def test_create_after_the_answer_is_lost_past_commit(provider, double, fault):
    if fault == "drop":
        double.drop("POST", "/team/new", when="after")
    elif fault == "timeout":
        double.delay("POST", "/team/new", seconds=1.0, when="after")
    else:
        double.non_json_500("POST", "/team/new", when="after")
    _, team_id, _ = create(provider, double, request_timeout=0.4)
    assert_one_team(double, team_id)
    assert len(double.calls_to("POST", "/team/new")) == 1 and len(double.calls_to("GET", "/team/info")) == 1


def test_create_survives_a_503_burst_before_commit(provider, double):
    double.fail("POST", "/team/new", status=503, times=2)
    _, team_id, _ = create(provider, double)
    assert_one_team(double, team_id)
    assert [c.status for c in double.calls_to("POST", "/team/new")] == [503, 503, 200]


def test_fixed_id_adopts_a_matching_team_and_rejects_a_foreign_one(provider, double):
    double.seed_team("ml", team_alias="ml-research", max_budget=1.0)
    _, team_id, _ = create(provider, double, team_id="ml")
    assert team_id == "ml" and double.teams["ml"]["max_budget"] == 500.0  # made to match the inputs

    double.seed_team("ops", team_alias="operations")
    with pytest.raises(LiteLLMAdminError, match="team id ops already exists with alias 'operations'"):
        create(provider, double, team_id="ops")
    assert double.teams["ops"]["team_alias"] == "operations"


def test_update_and_delete_faults(provider, double):
    inputs, team_id, outs = create(provider, double)
    double.fail("PATCH", "/team/{id}", status=502, times=2)
    provider.update(team_id, outs, checked(provider, inputs, program(inputs, tpm_limit=9)))
    assert double.teams[team_id]["tpm_limit"] == 9
    double.drop("POST", "/team/delete", when="after")
    provider.delete(team_id, outs)
    assert double.teams == {} and [c.status for c in double.calls_to("POST", "/team/delete")] == [None, 404]
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi"):
        provider.update(team_id, outs, checked(provider, inputs, program(inputs, tpm_limit=10)))


def test_a_new_team_id_moves_the_keys_before_the_old_team_goes(provider, double):
    """The engine's create-before-delete replacement, step by step: new team, keys updated, old team deleted."""
    keys = VirtualKeyProvider()
    team_inputs, old_id, team_outs = create(provider, double, team_id="ml-2024")
    key_inputs, token, key_outs = created(keys, connection(double, key_alias="alice", models=["granite-8b-instruct"],
                                                           team_id=old_id))
    moved = checked(provider, team_inputs, program(team_inputs, team_id="ml-2025"))
    diff = provider.diff(old_id, team_outs, moved)
    assert diff.replaces == ["team_id"] and diff.delete_before_replace is False
    new_id = provider.create(moved).id
    assert set(double.teams) == {"ml-2024", "ml-2025"}  # LiteLLM allows two teams with one alias

    key_news = checked(keys, key_inputs, {**key_inputs, "team_id": new_id})
    key_diff = keys.diff(token, key_outs, key_news)
    assert key_diff.changes is True and key_diff.replaces == []
    double.reset_calls()
    keys.update(token, key_outs, key_news)
    provider.delete(old_id, team_outs)
    writes = [(c.method, c.path, c.body) for c in double.calls if c.method != "GET"]
    assert writes == [("POST", "/key/update", {"key": token, "team_id": "ml-2025"}),
                      ("POST", "/team/delete", {"team_ids": ["ml-2024"]})]
    assert set(double.teams) == {"ml-2025"} and double.keys[token]["team_id"] == "ml-2025"
    assert double.deleted_keys == {}


def test_delete_refuses_while_the_team_still_holds_keys(provider, double):
    """LiteLLM deletes a team's keys with it; the provider never lets that happen."""
    _, team_id, outs = create(provider, double)
    raw, token = double.seed_key(key_alias="made-in-the-ui", team_id=team_id)
    with pytest.raises(TeamHoldsKeysError, match=r"still holds 1 key \('made-in-the-ui'\)") as caught:
        provider.delete(team_id, outs)
    message = str(caught.value)
    assert "Move them" in message and raw not in message
    assert team_id in double.teams and token in double.keys and double.deleted_keys == {}
    assert double.calls_to("POST", "/team/delete") == []

    double.delete_key(token)  # archived keys do not count
    provider.delete(team_id, outs)
    assert double.teams == {}
