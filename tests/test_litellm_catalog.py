"""LiteLLMCatalog under Pulumi mocks: config lists -> resources, gateway dependency, secret outputs."""

from __future__ import annotations

import asyncio
import base64

import dill
import pulumi

from tests.support.pulumi_program import has_secret_envelope, plain
from tests.support.catalog_mocks import KEY_T, MASTER, MODEL_T, TEAM_T, UPSTREAM, build, wait_for


@pulumi.runtime.test
def test_connection_held_by_the_stack_config_is_not_stored_in_each_resource(catalog_mocks):
    _, catalog = build(catalog_mocks, admin_url_in_stack_config=True, master_key_in_stack_config=True)

    def check(_):
        children = {n: plain(s.inputs) for n, s in catalog_mocks.seen.items() if n.startswith("catalog-")}
        assert len(children) == 6
        for name, inputs in children.items():
            assert "admin_url" not in inputs and "master_key" not in inputs, name

    return wait_for(catalog).apply(check)


@pulumi.runtime.test
def test_config_lists_become_resources(catalog_mocks):
    _, catalog = build(catalog_mocks)

    def check(_):
        seen = catalog_mocks.seen
        assert set(catalog.models) == {"granite-8b-instruct", "deepseek-chat"}
        assert set(catalog.teams) == {"ml", "ops"} and set(catalog.keys) == {"alice", "bob"}
        assert {n: s.typ for n, s in seen.items() if n.startswith("catalog-")} == {
            "catalog-model-granite-8b-instruct": MODEL_T, "catalog-model-deepseek-chat": MODEL_T,
            "catalog-team-ml": TEAM_T, "catalog-team-ops": TEAM_T,
            "catalog-key-alice": KEY_T, "catalog-key-bob": KEY_T}

        granite = plain(seen["catalog-model-granite-8b-instruct"].inputs)
        assert granite["model_name"] == "granite-8b-instruct" and granite["model"] == "openai/granite-8b-instruct"
        assert granite["rpm"] == 60 and granite["model_info"] == {"mode": "chat"} and "model_id" not in granite
        assert (granite["admin_url"], granite["master_key"]) == ("https://litellm.apps.example.com", MASTER)
        # Timeouts and TLS settings reach the providers once, from litemaas:adminApi at configure time.
        assert not {"request_timeout", "readiness_timeout", "verify_tls", "allow_insecure_http", "ca_bundle"} & set(granite)
        deepseek = plain(seen["catalog-model-deepseek-chat"].inputs)
        assert deepseek["model_id"] == "deepseek-1" and deepseek["input_cost_per_token"] == 2.7e-7

        ml = plain(seen["catalog-team-ml"].inputs)
        assert ml["team_alias"] == "ml" and ml["models"] == ["granite-8b-instruct"] and ml["max_budget"] == 100
        assert plain(seen["catalog-team-ops"].inputs)["team_id"] == "ops-team"

        alice = plain(seen["catalog-key-alice"].inputs)
        assert alice["key_alias"] == "alice" and alice["team_id"] == "generated-catalog-team-ml"
        assert (alice["max_budget"], alice["budget_duration"], alice["duration"]) == (10, "30d", "90d")
        bob = plain(seen["catalog-key-bob"].inputs)
        assert "team_id" not in bob and bob["metadata"] == {"owner": "bob"} and "blocked" not in bob

    return wait_for(catalog).apply(check)


@pulumi.runtime.test
def test_every_child_waits_for_the_gateway_and_its_team_and_models(catalog_mocks):
    gateway, catalog = build(catalog_mocks)
    children = {**{f"model:{k}": v for k, v in catalog.models.items()},
                **{f"team:{k}": v for k, v in catalog.teams.items()},
                **{f"key:{k}": v for k, v in catalog.keys.items()}}
    names = list(children)

    def check(values):
        gateway_urn, catalog_urn, *child_urns = values
        urn = dict(zip(names, child_urns))
        wire = catalog_mocks.wire
        assert catalog_urn.endswith("litemaas:index:LiteLLMCatalog::catalog")
        for name, child in children.items():
            parent, dependencies = wire[child._name]
            assert parent == catalog_urn, name
            assert gateway_urn in dependencies, name
        # alice's model is one of her team's, which waits for it: the key need not repeat it.
        assert urn["team:ml"] in wire["catalog-key-alice"][1]
        assert urn["model:granite-8b-instruct"] not in wire["catalog-key-alice"][1]
        assert urn["model:granite-8b-instruct"] in wire["catalog-team-ml"][1]
        assert urn["model:deepseek-chat"] in wire["catalog-key-bob"][1]
        assert urn["team:ml"] not in wire["catalog-key-bob"][1]
        assert urn["model:granite-8b-instruct"] in wire["catalog-team-ml"][1]

    return pulumi.Output.all(gateway.urn, catalog.urn, *[c.urn for c in children.values()]).apply(check)


@pulumi.runtime.test
def test_a_replaced_team_is_created_before_the_old_one_is_deleted(catalog_mocks):
    """LiteLLM deletes a team's keys with it: the new team must exist so the keys can move to it first."""
    _, catalog = build(catalog_mocks)  # team "ml" has a generated id, "ops" a fixed one

    def check(_):
        for name in ("catalog-team-ml", "catalog-team-ops"):
            request = catalog_mocks.requests[name]
            assert not (request.deleteBeforeReplaceDefined and request.deleteBeforeReplace), name
        key = catalog_mocks.requests["catalog-key-alice"]  # aliases are unique: a key goes first
        assert key.deleteBeforeReplaceDefined and key.deleteBeforeReplace

    return wait_for(catalog).apply(check)


@pulumi.runtime.test
def test_secrets_stay_secret(catalog_mocks):
    _, catalog = build(catalog_mocks)
    results = {}

    async def probe():
        results["key_details_secret"] = await catalog.key_details.is_secret()
        results["key_details"] = await catalog.key_details.future()
        results["team_ids_secret"] = await catalog.team_ids.is_secret()
        results["team_ids"] = await catalog.team_ids.future()
        results["model_names"] = await catalog.model_names.future()

    def check(_):
        seen = catalog_mocks.seen
        for name, s in seen.items():
            if not name.startswith("catalog-"):
                continue
            assert has_secret_envelope(s.inputs["master_key"]), name
            # The pickled provider holds nothing: stored plain (96 bytes, not 262 as a secret) in every resource.
            assert not has_secret_envelope(s.inputs["__provider"]), name
        assert has_secret_envelope(seen["catalog-model-deepseek-chat"].inputs["api_key"])
        assert results["key_details_secret"] is True
        assert results["key_details"]["alice"] == {"key": "sk-raw-catalog-key-alice", "models": ["granite-8b-instruct"],
                                                   "maxBudget": 10.0, "budgetDuration": "30d",
                                                   "expires": "2027-01-01T00:00:00+00:00", "expired": False,
                                                   "heldByUser": False}
        assert results["key_details"]["bob"]["key"] == "sk-raw-catalog-key-bob"
        assert results["team_ids_secret"] is False
        assert results["team_ids"] == {"ml": "generated-catalog-team-ml", "ops": "ops-team"}
        assert results["model_names"] == ["granite-8b-instruct", "deepseek-chat"]
        assert MASTER not in str(results["team_ids"]) + str(results["model_names"])

    return wait_for(catalog, pulumi.Output.from_input(asyncio.ensure_future(probe()))).apply(check)


@pulumi.runtime.test
def test_providers_are_stateless_and_pickled_by_reference(catalog_mocks):
    _, catalog = build(catalog_mocks)

    def check(_):
        for name, s in catalog_mocks.seen.items():
            if not name.startswith("catalog-"):
                continue
            serialized = plain(s.inputs["__provider"])
            raw = base64.b64decode(serialized)
            provider = dill.loads(raw)
            assert type(provider).__module__ in ("dynamic_providers.model", "dynamic_providers.team",
                                                 "dynamic_providers.virtual_key"), name
            assert vars(provider) == {}, name  # nothing captured: no session, no config, no secret
            assert len(raw) < 200, (name, len(raw))  # a name reference, not pickled bytecode
            assert MASTER.encode() not in raw and UPSTREAM.encode() not in raw

    return wait_for(catalog).apply(check)


@pulumi.runtime.test
def test_an_empty_catalog_has_no_children(catalog_mocks):
    _, catalog = build(catalog_mocks, models=(), teams=(), keys=())

    async def probe():
        return (await catalog.model_names.future(), await catalog.team_ids.future(),
                await catalog.key_details.future())

    def check(values):
        assert values == ([], {}, {})
        assert not [n for n in catalog_mocks.seen if n.startswith("catalog-")]

    return pulumi.Output.from_input(asyncio.ensure_future(probe())).apply(check)


def test_the_program_exports_models_teams_and_secret_keys(mocked):
    config = {
        "models": [{"name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
                    "apiBase": "https://granite.apps.example.com/v1"}],
        "teams": [{"alias": "ml", "models": ["granite-8b-instruct"]}],
        "keys": [{"alias": "alice", "models": ["granite-8b-instruct"], "team": "ml", "maxBudget": 5}],
    }
    run = mocked.run(config)
    types = {r.typ for r in run.recorder.registrations}
    assert {MODEL_T, TEAM_T, KEY_T, "litemaas:index:LiteLLMCatalog"} <= types
    assert run.exports["models"] == ["granite-8b-instruct"]
    assert set(run.exports["teams"]) == {"ml"}
    assert "keys" in run.secret_exports and set(run.exports["keys"]) == {"alice"}
    assert "models" not in run.secret_exports and "teams" not in run.secret_exports


@pulumi.runtime.test
def test_get_reads_existing_objects_by_id_alone(catalog_mocks):
    from dynamic_providers.provider_base import AdminConnection
    from dynamic_providers.model import Model
    from dynamic_providers.team import Team
    from dynamic_providers.virtual_key import VirtualKey

    connection = AdminConnection("https://litellm.apps.example.com", pulumi.Output.secret(MASTER))
    found = [Model.get("existing-model", "model-1", connection), Team.get("existing-team", "team-1", connection),
             VirtualKey.get("existing-key", "0f" * 32, connection)]

    def check(_):
        seen = catalog_mocks.seen
        assert [(seen[n].typ, seen[n].resource_id) for n in ("existing-model", "existing-team", "existing-key")] == [
            (MODEL_T, "model-1"), (TEAM_T, "team-1"), (KEY_T, "0f" * 32)]
        for name in ("existing-model", "existing-team", "existing-key"):
            inputs = seen[name].inputs
            assert plain(inputs)["admin_url"] == "https://litellm.apps.example.com"
            assert has_secret_envelope(inputs["master_key"]) and "__provider" in inputs
            assert not {"model_name", "team_alias", "key_alias"} & set(inputs)  # the id alone

    return pulumi.Output.all(*[r.urn for r in found]).apply(check)


@pulumi.runtime.test
def test_a_key_tracks_only_the_outputs_its_class_declares_and_the_inputs_given(catalog_mocks):
    # The SDK waits on every tracked Output again each time one resolves (N² at thousands of keys): the ~30 unset
    # names of the field table must not each become one.
    from pulumi.runtime.settings import SETTINGS

    from dynamic_providers.provider_base import AdminConnection, LiteLLMResource
    from dynamic_providers.virtual_key import VirtualKey

    connection = AdminConnection("https://litellm.apps.example.com", pulumi.Output.secret(MASTER))
    before = len(SETTINGS.outputs)
    key = VirtualKey("counted-key", connection=connection, key_alias="alice", models=["m"], max_budget=1.0)
    tracked = len(SETTINGS.outputs) - before

    declared = {n for klass in VirtualKey.__mro__[:VirtualKey.__mro__.index(LiteLLMResource)]
                for n in vars(klass).get("__annotations__", {}) if n != "provider_class"}
    assert {"key", "token", "key_name", "expires", "retired"} <= declared
    given = {"key_alias", "models", "max_budget", "admin_url", "master_key", "owner_stack"}
    assert tracked <= len(declared | given) + 4  # urn, id and the secret wrappers of the connection
    assert not hasattr(key, "tpm_limit") and not hasattr(key, "rotate_every")
    return key.urn


