"""LiteLLMCatalog under Pulumi mocks, keys on day 2: the hand-off note, delivered Secrets, lifecycle inputs, renames,
and the fallbacks and access groups keys and teams use."""

from __future__ import annotations

import asyncio

import pulumi
import pytest

from config import KeyConfig
from tests.support.config_errors import error_of
from tests.support.pulumi_program import has_secret_envelope, plain
from tests.support.catalog_mocks import KEY_T, MASTER, TEAM_T, CatalogMocks, build, wait_for


# --- day 2: hand-off note, delivered Secrets, lifecycle inputs -------------------------------------


@pulumi.runtime.test
def test_key_details_are_secret_and_make_the_message_for_each_user(catalog_mocks):
    from litemaas_common.handoff import handoff_message

    _, catalog = build(catalog_mocks)
    results = {}

    async def probe():
        results["secret"] = await catalog.key_details.is_secret()
        results["details"] = await catalog.key_details.future()

    def check(_):
        assert results["secret"] is True and set(results["details"]) == {"alice", "bob"}
        # what `litemaas handoff alice` prints from the stack's `keys` output
        alice = handoff_message("alice", "https://litellm.apps.example.com", results["details"]["alice"])
        assert "Base URL:  https://litellm.apps.example.com/v1" in alice
        assert "API key:   sk-raw-catalog-key-alice" in alice
        assert "Models:    granite-8b-instruct" in alice and "10 USD per 30d" in alice
        assert "Expires:   2027-01-01" in alice
        assert 'api_key="sk-raw-catalog-key-alice"' in alice and 'model="granite-8b-instruct"' in alice
        assert "https://litellm.apps.example.com/key/info" in alice

    return wait_for(catalog, pulumi.Output.from_input(asyncio.ensure_future(probe()))).apply(check)


class AdoptedKeyMocks(CatalogMocks):
    """The provider's answer for an adopted key: no value, held by the user."""

    def new_resource(self, args):
        name, state = super().new_resource(args)
        if args.typ == KEY_T and args.inputs.get("adopt"):
            state.update(key=None, held_by_user=True)
        return name, state


@pulumi.runtime.test
def test_the_message_for_an_adopted_key_says_the_user_holds_it(catalog_mocks):
    from litemaas_common.handoff import handoff_message

    adopted = AdoptedKeyMocks()
    pulumi.runtime.set_mocks(adopted, project="litemaas", stack="test", preview=False)
    keys = (KeyConfig(alias="legacy", models=("granite-8b-instruct",), adopt=True),)
    _, catalog = build(adopted, keys=keys)
    results = {}

    async def probe():
        results["details"] = await catalog.key_details.future()

    def check(_):
        assert plain(adopted.seen["catalog-key-legacy"].inputs)["adopt"] is True
        assert results["details"]["legacy"]["heldByUser"] is True and results["details"]["legacy"]["key"] is None
        message = handoff_message("legacy", "https://litellm.apps.example.com", results["details"]["legacy"])
        assert "API key:   unchanged, held by the user" in message and "sk-raw" not in message

    return wait_for(catalog, pulumi.Output.from_input(asyncio.ensure_future(probe()))).apply(check)


@pulumi.runtime.test
def test_lifecycle_settings_reach_the_key(catalog_mocks):
    keys = (KeyConfig(alias="alice", rotation="3", rotate_every="90d", rotation_grace_period="2s", renew=True),
            KeyConfig(alias="old", token_hash="ab" * 32, adopt=True))
    _, catalog = build(catalog_mocks, keys=keys)

    def check(_):
        alice = plain(catalog_mocks.seen["catalog-key-alice"].inputs)
        assert (alice["rotation"], alice["rotate_every"], alice["rotation_grace_period"], alice["renew"],
                alice.get("adopt"), alice.get("token_hash")) == ("3", "90d", "2s", True, None, None)
        old = plain(catalog_mocks.seen["catalog-key-old"].inputs)
        assert (old["adopt"], old["token_hash"], old.get("rotation")) == (True, "ab" * 32, None)
        # Off is unset, as earlier releases stored it: a false would be a new input on every existing key.
        assert "blocked" not in alice and "blocked" not in old and "renew" not in old

    return wait_for(catalog).apply(check)


@pulumi.runtime.test
def test_routes_and_per_model_limits_reach_the_key_and_the_team(catalog_mocks):
    from config import TeamConfig

    teams = (TeamConfig(alias="ml", model_rpm_limit={"granite-8b-instruct": 100}),)
    keys = (KeyConfig(alias="alice", team="ml", allowed_routes=("/chat/completions",),
                      model_rpm_limit={"granite-8b-instruct": 10}, model_tpm_limit={"granite-8b-instruct": 1000}),
            KeyConfig(alias="bob"))
    _, catalog = build(catalog_mocks, teams=teams, keys=keys)

    def check(_):
        alice, bob = (plain(catalog_mocks.seen[f"catalog-key-{alias}"].inputs) for alias in ("alice", "bob"))
        assert (alice["allowed_routes"], alice["model_rpm_limit"], alice["model_tpm_limit"]) == (
            ["/chat/completions"], {"granite-8b-instruct": 10}, {"granite-8b-instruct": 1000})
        assert plain(catalog_mocks.seen["catalog-team-ml"].inputs)["model_rpm_limit"] == {"granite-8b-instruct": 100}
        # unset stays out of the inputs, as the keys of earlier releases stored them
        assert not {"allowed_routes", "model_rpm_limit", "model_tpm_limit"} & set(bob)

    return wait_for(catalog).apply(check)


@pulumi.runtime.test
def test_delivered_key_secret(catalog_mocks):
    from config import DeliveryConfig

    keys = (KeyConfig(alias="alice", models=("granite-8b-instruct", "deepseek-chat"),
                      deliver_to=DeliveryConfig(namespace="alice-ds", secret_name="litemaas-key")),
            KeyConfig(alias="bob"))
    _, catalog = build(catalog_mocks, keys=keys)

    def check(_):
        assert set(catalog.delivered) == {"alice"}
        secret = catalog_mocks.seen["catalog-deliver-alice"]
        assert secret.typ == "kubernetes:core/v1:Secret"
        meta = plain(secret.inputs["metadata"])
        assert (meta["name"], meta["namespace"]) == ("litemaas-key", "alice-ds")
        assert meta["labels"]["litemaas.io/virtual-key"] == "alice"
        assert meta["labels"]["app.kubernetes.io/managed-by"] == "pulumi"
        data = secret.inputs["stringData"]
        assert has_secret_envelope(data)  # the key makes the whole map secret
        assert plain(data) == {"OPENAI_API_KEY": "sk-raw-catalog-key-alice",
                               "OPENAI_BASE_URL": "https://litellm.apps.example.com/v1",
                               "LITEMAAS_MODELS": "granite-8b-instruct,deepseek-chat"}
        parent, deps = catalog_mocks.wire["catalog-deliver-alice"]
        assert parent.endswith("LiteLLMCatalog::catalog") and any(d.endswith("catalog-key-alice") for d in deps)

    return wait_for(catalog, *[s.urn for s in catalog.delivered.values()]).apply(check)


@pulumi.runtime.test
def test_fallbacks_become_one_resource_per_model_and_type_after_their_models(catalog_mocks):
    from config import FallbackConfig

    rules = (FallbackConfig("granite-8b-instruct", "general", ("deepseek-chat",), "models[0].fallbacks"),
             FallbackConfig("granite-8b-instruct", "context_window", ("deepseek-chat",),
                            "models[0].contextWindowFallbacks"))
    _, catalog = build(catalog_mocks, fallbacks=rules)
    assert sorted(catalog.fallbacks) == ["context_window:granite-8b-instruct", "general:granite-8b-instruct"]

    def check(urns):
        granite, deepseek = urns
        name = "catalog-fallback-general-granite-8b-instruct"
        assert {granite, deepseek} <= set(catalog_mocks.wire[name][1])
        assert plain(catalog_mocks.seen[name].inputs)["fallback_models"] == ["deepseek-chat"]
        assert plain(catalog_mocks.seen["catalog-fallback-context_window-granite-8b-instruct"].inputs)[
            "fallback_type"] == "context_window"

    return pulumi.Output.all(catalog.models["granite-8b-instruct"].urn, catalog.models["deepseek-chat"].urn,
                             *[f.urn for f in catalog.fallbacks.values()]).apply(lambda v: check(v[:2]))


@pulumi.runtime.test
def test_access_groups_land_on_the_models_and_in_the_holders_models(catalog_mocks):
    from config import AccessGroupConfig, AccessGroupsConfig

    groups = AccessGroupsConfig((AccessGroupConfig("small", ("deepseek-chat",)),), keys={"bob": ("small",)},
                                teams={"ops": ("small",)})
    _, catalog = build(catalog_mocks, access_groups=groups)

    def check(urns):
        seen, deepseek = catalog_mocks.seen, urns[0]
        assert plain(seen["catalog-model-deepseek-chat"].inputs)["model_info"] == {"access_groups": ["small"]}
        assert "access_groups" not in (plain(seen["catalog-model-granite-8b-instruct"].inputs)["model_info"] or {})
        assert plain(seen["catalog-key-bob"].inputs)["models"] == ["deepseek-chat", "small"]
        assert plain(seen["catalog-team-ops"].inputs)["models"] == ["small"]
        assert deepseek in catalog_mocks.wire["catalog-team-ops"][1]

    return pulumi.Output.all(catalog.models["deepseek-chat"].urn, *[c.urn for c in catalog.keys.values()],
                             *[c.urn for c in catalog.teams.values()]).apply(check)


RENAMED = {
    "deployGateway": False, "gatewayUrl": "https://litellm.example.com", "masterKey": MASTER,
    "models": [{"name": "m", "model": "openai/m", "apiBase": "https://m.example.com/v1"}],
    "teams": [{"alias": "data-science", "previousAlias": "data-sceince", "models": ["m"],
               "members": [{"user": "bob"}]}],
    "keys": [{"alias": "alice", "previousAlias": "alic", "team": "data-science", "models": ["m"],
              "deliverTo": {"namespace": "alice-ns", "secretName": "litellm-key"}}],
}


def test_a_renamed_alias_is_the_same_resource_updated_in_place(mocked):
    """`previousAlias` becomes a Pulumi alias of the old resource name: the engine updates, never replaces (a
    replaced key would get a new value and the user's old one would stop working)."""
    recorder = mocked.run(RENAMED, secret_keys=("masterKey",)).recorder
    expected = {(KEY_T, "catalog-key-alice"): "catalog-key-alic",
                (TEAM_T, "catalog-team-data-science"): "catalog-team-data-sceince",
                ("pulumi-python:dynamic/litellm:TeamMember", "catalog-member-data-science-bob"):
                    "catalog-member-data-sceince-bob",
                ("kubernetes:core/v1:Secret", "catalog-deliver-alice"): "catalog-deliver-alic"}
    for (typ, name), old in expected.items():
        request = recorder.one(typ, name).request
        assert [a.spec.name for a in request.aliases] == [old], name
    assert recorder.one(KEY_T).manifest["key_alias"] == "alice"
    plain_run = mocked.run({**RENAMED, "keys": [{k: v for k, v in RENAMED["keys"][0].items() if k != "previousAlias"}]},
                           secret_keys=("masterKey",)).recorder
    assert list(plain_run.one(KEY_T).request.aliases) == []


@pytest.mark.parametrize("keys, message", [
    ([{"alias": "alice", "previousAlias": "bob"}, {"alias": "bob"}], "is the alias of a key of this stack"),
    ([{"alias": "a1", "previousAlias": "old"}, {"alias": "a2", "previousAlias": "old"}], "already the previousAlias"),
])
def test_a_previous_alias_names_one_old_key_only(mocked, keys, message):
    error = error_of({"deployGateway": False, "gatewayUrl": "https://litellm.example.com", "keys": keys,
                      "masterKey": MASTER}, {"masterKey"})
    assert "litemaas:keys[" in error and ".previousAlias:" in error and message in error
