"""LiteLLMCatalog under Pulumi mocks: config lists -> resources, gateway dependency, secret outputs."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass

import dill
import pulumi
import pytest
from pulumi.runtime import mocks as runtime_mocks

from config import KeyConfig, ModelConfig, TeamConfig
from tests.support.config_errors import error_of
from tests.support.pulumi_program import SECRET_SIG, SIG_KEY, RunInline, has_secret_envelope, plain

MODEL_T = "pulumi-python:dynamic/litellm:Model"
TEAM_T = "pulumi-python:dynamic/litellm:Team"
KEY_T = "pulumi-python:dynamic/litellm:VirtualKey"
MASTER = "sk-master-in-a-secret-0123"
UPSTREAM = "deepseek-upstream-key-0123"


@dataclass
class Seen:
    typ: str
    inputs: dict
    resource_id: str = ""  # set for reads (`get`)


class CatalogMocks(pulumi.runtime.Mocks):
    """Echoes inputs and fakes what the providers would compute (ids, the raw key)."""

    def __init__(self) -> None:
        self.seen: dict[str, Seen] = {}
        self.wire: dict[str, tuple[str, list[str]]] = {}  # name -> (parent urn, dependency urns)
        self.requests: dict[str, object] = {}  # name -> the RegisterResourceRequest (resource options)

    def new_resource(self, args):
        self.seen[args.name] = Seen(args.typ, args.inputs, args.resource_id or "")
        state = dict(args.inputs)
        if args.typ == TEAM_T:
            state["team_id"] = args.inputs.get("team_id") or f"generated-{args.name}"
        elif args.typ == "pulumi-python:dynamic/litellm:McpServer":
            state["server_id"] = args.inputs.get("server_id") or f"generated-{args.name}"
        elif args.typ == MODEL_T:
            state["model_id"] = args.inputs.get("model_id") or f"generated-{args.name}"
        elif args.typ == KEY_T:
            state.update(key={SIG_KEY: SECRET_SIG, "value": f"sk-raw-{args.name}"}, token=f"hash-{args.name}",
                         expires="2027-01-01T00:00:00+00:00")
        return f"{args.name}-id", state

    def call(self, args):
        return {}


@pytest.fixture
def catalog_mocks(monkeypatch):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.set_default_executor(RunInline())
    recorder = CatalogMocks()
    original = runtime_mocks.MockMonitor.RegisterResource

    def register(self, request):
        recorder.wire[request.name] = (request.parent, list(request.dependencies))
        recorder.requests[request.name] = request
        return original(self, request)

    # The mock's MockResourceArgs carries no parent or dependencies; the wire request does.
    monkeypatch.setattr(runtime_mocks.MockMonitor, "RegisterResource", register)
    pulumi.runtime.set_mocks(recorder, project="litemaas", stack="test", preview=False)
    yield recorder
    asyncio.set_event_loop(None)
    loop.close()


def stack_lists():
    models = (
        ModelConfig(name="granite-8b-instruct", model="openai/granite-8b-instruct",
                    api_base="https://granite.apps.example.com/v1", rpm=60, model_info={"mode": "chat"}),
        ModelConfig(name="deepseek-chat", model="deepseek/deepseek-chat", api_key=pulumi.Output.secret(UPSTREAM),
                    input_cost_per_token=2.7e-7, id="deepseek-1"),
    )
    teams = (TeamConfig(alias="ml", models=("granite-8b-instruct",), max_budget=100.0),
             TeamConfig(alias="ops", id="ops-team"))
    keys = (KeyConfig(alias="alice", models=("granite-8b-instruct",), team="ml", max_budget=10.0,
                      budget_duration="30d", duration="90d"),
            KeyConfig(alias="bob", models=("deepseek-chat",), metadata={"owner": "bob"}))
    return models, teams, keys


def build(recorder, **overrides):
    from components.litellm_catalog import LiteLLMCatalog, LiteLLMCatalogArgs

    gateway = pulumi.CustomResource("test:index:Gateway", "gateway", {})
    models, teams, keys = stack_lists()
    args = LiteLLMCatalogArgs(admin_url="https://litellm.apps.example.com", master_key=pulumi.Output.secret(MASTER),
                              models=models, teams=teams, keys=keys)
    for name, value in overrides.items():
        setattr(args, name, value)
    catalog = LiteLLMCatalog("catalog", args, opts=pulumi.ResourceOptions(depends_on=[gateway]))
    return gateway, catalog


def wait_for(catalog, *extra):
    children = [*catalog.models.values(), *catalog.teams.values(), *catalog.keys.values()]
    return pulumi.Output.all(*[c.urn for c in children], *extra)


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


# --- users[] (litellm:User) ------------------------------------------------------------------------

USER_T = "pulumi-python:dynamic/litellm:User"


@pulumi.runtime.test
def test_users_become_resources_and_their_keys_depend_on_them(catalog_mocks):
    from config import UserConfig

    users = (UserConfig(id="alice", email="alice@example.com", role="internal_user", max_budget=20.0,
                        models=("granite-8b-instruct",)), UserConfig(id="bob"))
    keys = (KeyConfig(alias="alice-laptop", user="alice"), KeyConfig(alias="ci", user_id="svc-ci"))
    gateway, catalog = build(catalog_mocks, users=users, keys=keys)

    def check(values):
        gateway_urn, alice_urn, model_urn = values
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        assert set(catalog.users) == {"alice", "bob"} and seen["catalog-user-alice"].typ == USER_T
        alice = plain(seen["catalog-user-alice"].inputs)
        assert (alice["user_id"], alice["user_email"], alice["user_role"], alice["max_budget"]) == \
            ("alice", "alice@example.com", "internal_user", 20)
        assert not {"models", "metadata", "budget_duration"} & set(plain(seen["catalog-user-bob"].inputs))
        assert {gateway_urn, model_urn} <= set(wire["catalog-user-alice"][1])
        assert plain(seen["catalog-key-alice-laptop"].inputs)["user_id"] == "alice"
        assert alice_urn in wire["catalog-key-alice-laptop"][1]  # so removal deletes the key first
        assert plain(seen["catalog-key-ci"].inputs)["user_id"] == "svc-ci" and alice_urn not in wire["catalog-key-ci"][1]

    return pulumi.Output.all(gateway.urn, catalog.users["alice"].urn, catalog.models["granite-8b-instruct"].urn,
                             *[k.urn for k in catalog.keys.values()]).apply(lambda v: check(v[:3]))


@pulumi.runtime.test
def test_a_user_is_read_by_its_id_alone(catalog_mocks):
    from dynamic_providers.provider_base import AdminConnection
    from dynamic_providers.user import User

    found = User.get("existing-user", "alice", AdminConnection("https://litellm.apps.example.com",
                                                               pulumi.Output.secret(MASTER)))

    def check(_):
        seen = catalog_mocks.seen["existing-user"]
        assert (seen.typ, seen.resource_id) == (USER_T, "alice") and "user_email" not in seen.inputs

    return found.urn.apply(check)


# --- teams[].members[] (litellm:TeamMember) --------------------------------------------------------

MEMBER_T = "pulumi-python:dynamic/litellm:TeamMember"


@pulumi.runtime.test
def test_team_members_become_resources_that_wait_for_their_team_and_user(catalog_mocks):
    from config import MemberConfig, UserConfig

    users = (UserConfig(id="alice"),)
    teams = (TeamConfig(alias="ml", members=(MemberConfig(user="alice", max_budget_in_team=5.0, managed=True),
                                             MemberConfig(user="outsider", role="user"))),)
    gateway, catalog = build(catalog_mocks, users=users, teams=teams, keys=())

    def check(values):
        team_urn, alice_urn = values[:2]
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        assert set(catalog.members) == {("ml", "alice"), ("ml", "outsider")}
        alice = plain(seen["catalog-member-ml-alice"].inputs)
        assert seen["catalog-member-ml-alice"].typ == MEMBER_T
        assert (alice["team_id"], alice["user_id"], alice["max_budget_in_team"]) == \
            ("generated-catalog-team-ml", "alice", 5) and "role" not in alice
        assert {team_urn, alice_urn} <= set(wire["catalog-member-ml-alice"][1])
        outsider = plain(seen["catalog-member-ml-outsider"].inputs)
        assert (outsider["user_id"], outsider["role"]) == ("outsider", "user")
        assert team_urn in wire["catalog-member-ml-outsider"][1] and alice_urn not in wire["catalog-member-ml-outsider"][1]

    return pulumi.Output.all(catalog.teams["ml"].urn, catalog.users["alice"].urn,
                             *[m.urn for m in catalog.members.values()]).apply(check)


@pulumi.runtime.test
def test_a_replaced_team_member_is_removed_before_it_is_added_again(catalog_mocks):
    """Create-before-delete of one (team, user) would find the member, keep it, then remove it."""
    from config import MemberConfig

    teams = (TeamConfig(alias="ml", members=(MemberConfig(user="svc-ci"),)),)
    _, catalog = build(catalog_mocks, teams=teams, keys=())

    def check(_):
        request = catalog_mocks.requests["catalog-member.2.ml-svc-ci"]
        assert request.deleteBeforeReplaceDefined and request.deleteBeforeReplace

    return catalog.members[("ml", "svc-ci")].urn.apply(check)


@pulumi.runtime.test
def test_memberships_whose_names_would_run_together_get_their_own_resources(catalog_mocks):
    """`ml` + `ops-bob` and `ml-ops` + `bob` were both `member-ml-ops-bob` (the engine refused the duplicate)."""
    from config import MemberConfig

    teams = (TeamConfig(alias="ml", members=(MemberConfig(user="ops-bob"), MemberConfig(user="alice"))),
             TeamConfig(alias="ml-ops", members=(MemberConfig(user="bob"),)))
    _, catalog = build(catalog_mocks, teams=teams, keys=())

    def check(_):
        seen = catalog_mocks.seen
        by_member = {(plain(seen[n].inputs)["team_id"], plain(seen[n].inputs)["user_id"]): n
                     for n in seen if seen[n].typ == MEMBER_T}
        assert by_member == {("generated-catalog-team-ml", "ops-bob"): "catalog-member.2.ml-ops-bob",
                             ("generated-catalog-team-ml", "alice"): "catalog-member-ml-alice",
                             ("generated-catalog-team-ml-ops", "bob"): "catalog-member-ml-ops-bob"}
        # The old name is taken by the other membership here: no alias to it.
        request = catalog_mocks.requests["catalog-member.2.ml-ops-bob"]
        assert not request.aliases and not request.aliasURNs

    return pulumi.Output.all(*[m.urn for m in catalog.members.values()]).apply(check)


@pulumi.runtime.test
def test_a_renamed_membership_keeps_its_state_through_an_alias(catalog_mocks):
    """A user id with '-' is named with the team's length now; its earlier name is an alias, so an existing stack
    sees the same resource (no delete and re-add of the membership)."""
    from config import MemberConfig

    teams = (TeamConfig(alias="ml", members=(MemberConfig(user="svc-ci"),)),)
    _, catalog = build(catalog_mocks, teams=teams, keys=())

    def check(_):
        request = catalog_mocks.requests["catalog-member.2.ml-svc-ci"]
        assert [a.spec.name for a in request.aliases] == ["catalog-member-ml-svc-ci"] and not request.aliasURNs

    return catalog.members[("ml", "svc-ci")].urn.apply(check)


# --- tags[] and guardrails[] ---------------------------------------------------------------------
TAG_T = "pulumi-python:dynamic/litellm:Tag"
GUARDRAIL_T = "pulumi-python:dynamic/litellm:Guardrail"


@pulumi.runtime.test
def test_tags_and_guardrails_become_resources_that_keys_depend_on(catalog_mocks):
    from config import GuardrailConfig, TagConfig

    models, teams, keys = stack_lists()
    tagged = KeyConfig(alias="carol", models=("granite-8b-instruct",), tags=("research",), guardrails=("cf",))
    gateway, catalog = build(
        catalog_mocks, keys=(*keys, tagged), teams=(*teams, TeamConfig(alias="tagged", tags=("research",))),
        tags=(TagConfig(name="research", models=("granite-8b-instruct",), max_budget=5.0),),
        guardrails=(GuardrailConfig(name="cf", provider="lakera_v2", mode="pre_call",
                                    api_key=pulumi.Output.secret("sk-lakera-0123"), params={"x": 1}),))
    children = [catalog.tags["research"], catalog.guardrails["cf"], catalog.models["granite-8b-instruct"]]

    def check(values):
        gateway_urn, tag_urn, guardrail_urn, model_urn = values[:4]
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        tag, guardrail = seen["catalog-tag-research"], seen["catalog-guardrail-cf"]
        assert tag.typ == TAG_T and plain(tag.inputs)["name"] == "research" and plain(tag.inputs)["max_budget"] == 5.0
        assert guardrail.typ == GUARDRAIL_T and plain(guardrail.inputs)["provider"] == "lakera_v2"
        assert has_secret_envelope(guardrail.inputs["api_key"])
        assert {tag_urn, guardrail_urn, model_urn} <= set(wire["catalog-key-carol"][1])
        assert {gateway_urn, model_urn} <= set(wire["catalog-tag-research"][1])
        assert gateway_urn in wire["catalog-guardrail-cf"][1]
        assert tag_urn in wire["catalog-team-tagged"][1] and plain(seen["catalog-team-tagged"].inputs)["tags"] == \
            ["research"]
        carol = plain(seen["catalog-key-carol"].inputs)
        assert (carol["tags"], carol["guardrails"]) == (["research"], ["cf"])
        assert plain(seen["catalog-key-bob"].inputs).get("tags") is None  # unset: nothing in the state

    return pulumi.Output.all(gateway.urn, *[c.urn for c in children], wait_for(catalog)).apply(check)


# --- MCP servers (mcpServers[] -> litellm:McpServer) -----------------------------------------------

MCP_T = "pulumi-python:dynamic/litellm:McpServer"
MCP_TOKEN = "mcp-bearer-token-0123"


@pulumi.runtime.test
def test_mcp_servers_become_resources_with_a_secret_auth_value(catalog_mocks):
    from config import McpServerConfig

    servers = (McpServerConfig(name="github_tools", url="https://mcp.example.com/mcp", transport="http",
                               auth_type="bearer_token", auth_value=pulumi.Output.secret(MCP_TOKEN), teams=("ml",)),
               McpServerConfig(name="docs", url="http://docs:8080/sse", id="docs_1", description="Docs"))
    models, teams, keys = stack_lists()
    keys = (KeyConfig(alias="carol", mcp_servers=("docs",)), *keys)
    gateway, catalog = build(catalog_mocks, mcp_servers=servers, keys=keys)
    assert set(catalog.mcp_servers) == {"github_tools", "docs"}

    def check(values):
        gateway_urn, catalog_urn = values[:2]
        seen = catalog_mocks.seen
        github, docs = (seen[f"catalog-mcp-{n}"] for n in ("github_tools", "docs"))
        assert github.typ == docs.typ == MCP_T
        assert has_secret_envelope(github.inputs["auth_value"])
        inputs = plain(github.inputs)
        assert (inputs["server_name"], inputs["url"], inputs["transport"], inputs["auth_type"],
                inputs["auth_value"]) == ("github_tools", "https://mcp.example.com/mcp", "http", "bearer_token",
                                          MCP_TOKEN)
        assert not {"alias", "description", "server_id"} & set(inputs)  # unset values stay out of the state
        assert (plain(docs.inputs)["server_id"], plain(docs.inputs)["description"]) == ("docs_1", "Docs")
        for name in ("catalog-mcp-github_tools", "catalog-mcp-docs"):
            parent, dependencies = catalog_mocks.wire[name]
            assert parent == catalog_urn and gateway_urn in dependencies, name
            provider = dill.loads(base64.b64decode(plain(seen[name].inputs["__provider"])))
            assert type(provider).__module__ == "dynamic_providers.mcp_server" and vars(provider) == {}
        # The granted team holds the server's id and depends on it (so a removed server loses its grant first).
        github_urn = values[2]
        assert plain(seen["catalog-team-ml"].inputs)["mcp_servers"] == ["generated-catalog-mcp-github_tools"]
        assert github_urn in catalog_mocks.wire["catalog-team-ml"][1]
        assert "mcp_servers" not in plain(seen["catalog-team-ops"].inputs)
        assert github_urn not in catalog_mocks.wire["catalog-team-ops"][1]
        docs_urn = values[3]
        assert plain(seen["catalog-key-carol"].inputs)["mcp_servers"] == ["docs_1"]
        assert docs_urn in catalog_mocks.wire["catalog-key-carol"][1]
        assert "mcp_servers" not in plain(seen["catalog-key-bob"].inputs)

    return pulumi.Output.all(gateway.urn, catalog.urn, *[s.urn for s in catalog.mcp_servers.values()],
                             *[t.urn for t in catalog.teams.values()],
                             *[k.urn for k in catalog.keys.values()]).apply(check)


@pulumi.runtime.test
def test_an_mcp_server_is_adopted_by_its_id_alone(catalog_mocks):
    from dynamic_providers.mcp_server import McpServer
    from dynamic_providers.provider_base import AdminConnection

    found = McpServer.get("existing-mcp", "srv-1", AdminConnection("https://litellm.apps.example.com",
                                                                    pulumi.Output.secret(MASTER)))

    def check(_):
        seen = catalog_mocks.seen["existing-mcp"]
        assert (seen.typ, seen.resource_id) == (MCP_T, "srv-1")
        assert not {"server_name", "url"} & set(seen.inputs)

    return found.urn.apply(check)


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
