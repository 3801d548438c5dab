"""`vectorStores[]`: read from the kind's schema, with the key path and the fix in every error; the credential is
checked against `credentials[]` (LiteLLM takes any name), a credential in the params only as a secret."""

import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

CREDENTIALS = [{"name": "openai-rag", "values": {"api_key": "sk-upstream"}}]


def parsed(stores, secret=()):
    return parse_stack_config({"credentials": CREDENTIALS, "vectorStores": stores}, {"credentials", *secret})


def error_of(stores, secret=()) -> str:
    with pytest.raises(ConfigError) as raised:
        parsed(stores, secret)
    return str(raised.value)


def test_vector_stores_are_typed():
    (docs, bare) = parsed([{"id": "vs_abc123", "provider": "openai", "name": "Docs", "description": "handbook",
                            "metadata": {"team": "docs"}, "credential": "openai-rag",
                            "params": {"api_base": "https://api.openai.com/v1"}},
                           {"id": "vs_bare", "provider": "bedrock"}]).vector_stores
    assert (docs.id, docs.provider, docs.name, docs.description, docs.metadata, docs.credential, docs.params,
            docs.secret_params) == ("vs_abc123", "openai", "Docs", "handbook", {"team": "docs"}, "openai-rag",
                                    {"api_base": "https://api.openai.com/v1"}, False)
    assert (bare.name, bare.credential, bare.params, bare.metadata) == (None, None, {}, {})


def test_a_credential_in_the_params_is_accepted_only_as_a_secret():
    (store,) = parsed([{"id": "vs_1", "provider": "openai", "params": {"api_key": "sk-x"}}],
                      secret={"vectorStores"}).vector_stores
    assert store.secret_params is True
    message = error_of([{"id": "vs_1", "provider": "openai", "params": {"api_key": "sk-x"}}])
    assert "litemaas:vectorStores[0].params.api_key: is a credential stored in plain text; declare it in a " \
        "`credentials[]` entry and name that entry in `credential`" in message
    assert "sk-x" not in message


def test_bad_vector_stores_name_the_key_path_and_the_fix():
    message = error_of([
        {"id": "vs_1", "provider": "openai", "credential": "nope", "metadata": "x", "colour": "red"},
        {"id": "vs_1", "params": {"litellm_credential_name": "openai-rag"}},
        {"provider": "openai"},
    ])
    for expected in (
        "litemaas:vectorStores[0].credential: names a credential the stack does not declare: 'nope'; declared "
        "credentials: openai-rag (add it under `credentials`)",
        "litemaas:vectorStores[0].metadata:",
        "litemaas:vectorStores[0].colour: unknown key",
        "litemaas:vectorStores[1].id: duplicate vector store id 'vs_1'",
        "litemaas:vectorStores[1].provider: is required",
        "litemaas:vectorStores[1].params.litellm_credential_name: duplicates a first-class field; use `credential`",
        "litemaas:vectorStores[2].id: is required",
    ):
        assert expected in message, (expected, message)


def test_a_tenant_stack_declares_no_vector_store():
    with pytest.raises(ConfigError, match=r"vectorStores: is a platform setting"):
        parse_stack_config({"platformStack": "org/litemaas/platform",
                            "vectorStores": [{"id": "vs_1", "provider": "openai"}]})


def test_teams_and_keys_name_declared_vector_stores():
    stores = [{"id": "vs_docs", "provider": "openai"}]
    config = parse_stack_config({"vectorStores": stores, "teams": [{"alias": "rag", "vectorStores": ["vs_docs"]}],
                                 "keys": [{"alias": "k", "vectorStores": ["vs_docs"]}]})
    assert (config.teams[0].vector_stores, config.keys[0].vector_stores) == (("vs_docs",), ("vs_docs",))
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"vectorStores": stores, "teams": [{"alias": "rag", "vectorStores": ["vs_nope"]}],
                            "keys": [{"alias": "k", "vectorStores": ["vs_docs", "vs_gone"]}]})
    for expected in (
        "litemaas:teams[0].vectorStores: names vector store(s) the stack does not declare: vs_nope; declared vector "
        "stores: vs_docs",
        "litemaas:keys[0].vectorStores: names vector store(s) the stack does not declare: vs_gone",
    ):
        assert expected in str(raised.value), (expected, str(raised.value))
