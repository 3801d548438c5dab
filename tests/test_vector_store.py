"""litellm:VectorStore provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD, drift,
import, a lost create answer, a store there before us, and its credential outliving it."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.credential import CredentialProvider
from dynamic_providers.vector_store import REDACTED, VectorStoreProvider
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")
OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM
UPSTREAM_KEY = "sk-upstream-vector-0123456789"
PARAMS = {"api_base": "https://api.openai.example/v1", "api_key": UPSTREAM_KEY}


@pytest.fixture
def provider():
    return VectorStoreProvider()


@pytest.fixture
def store_id():
    return f"vs_{uuid.uuid4().hex[:10]}"


def news_for(api, store, **fields):
    return connection(api, **{"vector_store_id": store, "custom_llm_provider": "openai", "vector_store_name": "Docs",
                              "vector_store_description": "the handbook", "vector_store_metadata": {"team": "docs"},
                              "litellm_params": PARAMS, **fields})


def info(backend, store):
    answer = backend.admin("POST", "/vector_store/info", json={"vector_store_id": store})
    return answer.json()["vector_store"] if answer.ok else None


def stored_rows(backend, store):
    return backend.db.rows(f"""SELECT vector_store_id FROM "LiteLLM_ManagedVectorStoresTable"
                               WHERE vector_store_id = '{store}'""")


@pytest.mark.parametrize("field, value, reason", [
    ("vector_store_id", "", "vector_store_id must not be empty"),
    ("custom_llm_provider", None, "custom_llm_provider is required"),
    ("vector_store_metadata", "x", "vector_store_metadata must be an object"),
    ("litellm_params", ["x"], "litellm_params must be an object"),
])
def test_check_rejects_bad_inputs(provider, store_id, field, value, reason):
    failures = provider.check({}, news_for(OFFLINE, store_id, **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), [(f.property, f.reason) for f in failures]


def test_diff_what_updates_in_place_and_what_replaces(provider, store_id):
    olds = checked(provider, {}, news_for(OFFLINE, store_id))
    assert provider.diff(store_id, olds, dict(olds)).changes is False
    for change in ({"vector_store_name": "Manual"}, {"vector_store_name": None}, {"vector_store_description": "x"},
                   {"vector_store_metadata": {"team": "ops"}}, {"custom_llm_provider": "azure"}):
        result = provider.diff(store_id, olds, checked(provider, olds, news_for(OFFLINE, store_id, **change)))
        assert (result.changes, result.replaces) == (True, []), change
    # /vector_store/update ignores both: a change makes the store again, under the same id (deleted first).
    for change, replaced in (({"litellm_credential_name": "other"}, "litellm_credential_name"),
                             ({"litellm_params": {"api_base": "https://b.example/v1"}}, "litellm_params")):
        result = provider.diff(store_id, olds, checked(provider, olds, news_for(OFFLINE, store_id, **change)))
        assert result.replaces == [replaced] and result.delete_before_replace is True, change
    renamed = provider.diff(store_id, olds, checked(provider, olds, news_for(OFFLINE, store_id + "x")))
    assert renamed.replaces == ["vector_store_id"] and renamed.delete_before_replace is False


@pytest.mark.every_litellm_version
def test_lifecycle(provider, litellm_api, store_id):
    backend = litellm_api.backend
    inputs, sid, outs = created(provider, news_for(litellm_api, store_id))
    assert sid == store_id and outs["litellm_params"] == PARAMS  # as declared, not the answer's redacted copy
    found = info(backend, store_id)
    assert (found["custom_llm_provider"], found["vector_store_name"], found["vector_store_description"],
            found["vector_store_metadata"]) == ("openai", "Docs", "the handbook", {"team": "docs"})
    # The key is redacted and LiteLLM's defaults are added: neither is drift.
    assert found["litellm_params"]["api_key"] == REDACTED and found["litellm_params"]["use_litellm_proxy"] is False
    read = provider.read(store_id, outs)
    assert read.id == store_id and provider.diff(store_id, read.outs, inputs).changes is False
    assert read.outs["litellm_params"] == PARAMS

    litellm_api.reset_calls()
    news = checked(provider, inputs, news_for(litellm_api, store_id, vector_store_name=None,
                                              vector_store_description="v2", vector_store_metadata={"team": "ops"}))
    outs = provider.update(store_id, outs, news).outs
    (call,) = litellm_api.calls_to("POST", "/vector_store/update")
    assert call.body == {"vector_store_id": store_id, "vector_store_name": None, "vector_store_description": "v2",
                         "vector_store_metadata": {"team": "ops"}}
    found = info(backend, store_id)
    assert (found["vector_store_name"], found["vector_store_description"], found["vector_store_metadata"]) == \
        (None, "v2", {"team": "ops"})  # null cleared the name
    assert provider.diff(store_id, provider.read(store_id, outs).outs, news).changes is False

    provider.delete(store_id, outs)
    provider.delete(store_id, outs)  # already gone (404) = success
    assert stored_rows(backend, store_id) == [] and provider.read(store_id, outs).id == ""


def test_removing_the_description_and_metadata_clears_them(provider, litellm_api, store_id):
    inputs, _, outs = created(provider, news_for(litellm_api, store_id))
    news = checked(provider, inputs, news_for(litellm_api, store_id, vector_store_description=None,
                                              vector_store_metadata=None))
    outs = provider.update(store_id, outs, news).outs
    found = info(litellm_api.backend, store_id)
    assert (found["vector_store_name"], found["vector_store_description"], found["vector_store_metadata"] or None) \
        == ("Docs", None, None)
    assert provider.diff(store_id, provider.read(store_id, outs).outs, news).changes is False


def test_the_update_ignores_credential_and_params_so_they_replace(provider, litellm_api, store_id):
    """The trap the replacement answers: LiteLLM says 200 and keeps the old credential and params."""
    backend = litellm_api.backend
    created(provider, news_for(litellm_api, store_id, litellm_credential_name="first"))
    backend.admin_json("POST", "/vector_store/update", json={
        "vector_store_id": store_id, "litellm_credential_name": "second", "litellm_params": {"api_base": "https://b"}})
    found = info(backend, store_id)
    assert (found["litellm_credential_name"], found["litellm_params"]["api_base"]) == ("first", PARAMS["api_base"])


def test_refresh_sees_hand_edits(provider, litellm_api, store_id):
    inputs, _, outs = created(provider, news_for(litellm_api, store_id))
    litellm_api.backend.admin_json("POST", "/vector_store/update", json={
        "vector_store_id": store_id, "vector_store_name": "edited", "vector_store_metadata": {"team": "x", "more": 1}})
    read = provider.read(store_id, outs)
    assert (read.outs["vector_store_name"], read.outs["vector_store_metadata"]) == ("edited", {"team": "x"})
    assert read.outs["litellm_params"] == PARAMS  # the redacted key is not drift
    assert provider.diff(store_id, read.outs, inputs).changes is True


def test_refresh_reads_the_database_not_a_pods_stale_registry(provider, litellm_api, store_id):
    # `/vector_store/info` answers from the pod's registry first, and a pod's reload only adds the stores it lacks: a
    # pod whose copy predates our update keeps the old values (drift at every refresh), one that did not take a
    # delete shows the store still there (measured with two proxies on one database). The fault plays that pod.
    backend = litellm_api.backend
    inputs, _, outs = created(provider, news_for(litellm_api, store_id))
    stale = info(backend, store_id)
    news = checked(provider, inputs, news_for(litellm_api, store_id, vector_store_description="v2"))
    outs = provider.update(store_id, outs, news).outs
    litellm_api.fail("POST", "/vector_store/info", status=200, times=-1, body={"vector_store": stale})
    read = provider.read(store_id, outs)
    assert read.outs["vector_store_description"] == "v2" and provider.diff(store_id, read.outs, news).changes is False
    provider.delete(store_id, outs)
    assert provider.read(store_id, outs).id == ""


def test_import_by_id(provider, litellm_api, store_id):
    litellm_api.backend.admin_json("POST", "/vector_store/new", json={
        "vector_store_id": store_id, "custom_llm_provider": "openai", "vector_store_name": "legacy",
        "litellm_credential_name": "made-in-the-ui", "litellm_params": PARAMS})
    read = provider.read(store_id, connection(litellm_api))
    # Neither the redacted key nor LiteLLM's added defaults become inputs.
    assert (read.inputs["vector_store_name"], read.inputs["litellm_credential_name"], read.inputs["litellm_params"]) \
        == ("legacy", "made-in-the-ui", {"api_base": PARAMS["api_base"]})
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(store_id, read.outs, again).changes is False


@pytest.mark.parametrize("fault", ["drop", "timeout"])
def test_lost_create_answer_ends_with_one_store(provider, litellm_api, store_id, fault):
    litellm_api.lose_answer("POST", "/vector_store/new", fault)
    created(provider, news_for(litellm_api, store_id, request_timeout=1.0))
    assert len(stored_rows(litellm_api.backend, store_id)) == 1
    assert len(litellm_api.calls_to("POST", "/vector_store/new")) == 1  # info before any retry
    assert litellm_api.calls_to("POST", "/vector_store/update") == []  # the found store already matches


def test_a_store_there_before_us_is_refused(provider, litellm_api, store_id):
    litellm_api.backend.admin_json("POST", "/vector_store/new", json={"vector_store_id": store_id,
                                                                      "custom_llm_provider": "openai"})
    with pytest.raises(LiteLLMAdminError, match="exists already, made outside this stack"):
        created(provider, news_for(litellm_api, store_id))


def test_litellm_lets_a_credential_go_while_a_store_names_it(provider, litellm_api, store_id):
    """Why the stack orders them (the catalog's depends_on, the all-kinds e2e test checks the engine's order):
    LiteLLM checks neither way, and a store left naming a deleted credential has no key to call its provider with."""
    credentials = CredentialProvider()
    name = f"cred-{store_id}"
    _, _, credential = created(credentials, connection(litellm_api, credential_name=name,
                                                       credential_values={"api_key": UPSTREAM_KEY}))
    inputs, _, outs = created(provider, news_for(litellm_api, store_id, litellm_credential_name=name,
                                                 litellm_params={"api_base": PARAMS["api_base"]}))
    credentials.delete(name, credential)  # the wrong order: LiteLLM answers 200
    assert litellm_api.backend.admin("GET", f"/credentials/by_name/{name}").status_code == 404
    read = provider.read(store_id, outs)
    assert read.outs["litellm_credential_name"] == name and provider.diff(store_id, read.outs, inputs).changes is False
    provider.delete(store_id, outs)
    assert stored_rows(litellm_api.backend, store_id) == []
