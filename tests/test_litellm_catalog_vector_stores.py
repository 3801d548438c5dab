"""LiteLLMCatalog under Pulumi mocks: vectorStores[] become litellm:VectorStore resources with the inputs the kind's
schema maps from the config, after the credential they name; params holding a credential are secret."""

from __future__ import annotations

import pulumi

from config import CredentialConfig, KeyConfig, TeamConfig, VectorStoreConfig
from tests.support.catalog_mocks import build
from tests.support.pulumi_program import has_secret_envelope, plain

VECTOR_STORE_T = "pulumi-python:dynamic/litellm:VectorStore"


@pulumi.runtime.test
def test_vector_stores_become_resources_after_their_credential(catalog_mocks):
    credentials = (CredentialConfig(name="openai-rag", values=pulumi.Output.secret({"api_key": "sk-up"})),)
    stores = (VectorStoreConfig(id="vs_docs", provider="openai", name="Docs", description="handbook",
                                metadata={"team": "docs"}, credential="openai-rag",
                                params={"api_base": "https://api.openai.com/v1"}),
              VectorStoreConfig(id="vs_keyed", provider="openai", params={"api_key": "sk-in-params"},
                                secret_params=True))
    gateway, catalog = build(catalog_mocks, credentials=credentials, vector_stores=stores)
    assert set(catalog.vector_stores) == {"vs_docs", "vs_keyed"}

    def check(values):
        gateway_urn, credential_urn = values[:2]
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        docs, keyed = seen["catalog-vector-store-vs_docs"], seen["catalog-vector-store-vs_keyed"]
        assert docs.typ == keyed.typ == VECTOR_STORE_T
        assert {k: plain(docs.inputs).get(k) for k in (
            "vector_store_id", "custom_llm_provider", "vector_store_name", "vector_store_description",
            "vector_store_metadata", "litellm_credential_name", "litellm_params")} == {
            "vector_store_id": "vs_docs", "custom_llm_provider": "openai", "vector_store_name": "Docs",
            "vector_store_description": "handbook", "vector_store_metadata": {"team": "docs"},
            "litellm_credential_name": "openai-rag", "litellm_params": {"api_base": "https://api.openai.com/v1"}}
        assert not has_secret_envelope(docs.inputs["litellm_params"])
        assert {gateway_urn, credential_urn} <= set(wire["catalog-vector-store-vs_docs"][1])
        assert credential_urn not in wire["catalog-vector-store-vs_keyed"][1]
        assert has_secret_envelope(keyed.inputs["litellm_params"])
        assert plain(keyed.inputs).get("litellm_credential_name") is None
        assert "litellm_params" in catalog_mocks.requests["catalog-vector-store-vs_keyed"].additionalSecretOutputs

    return pulumi.Output.all(gateway.urn, catalog.credentials["openai-rag"].urn,
                             *[s.urn for s in catalog.vector_stores.values()]).apply(check)


@pulumi.runtime.test
def test_teams_and_keys_granted_a_vector_store_wait_for_it(catalog_mocks):
    stores = (VectorStoreConfig(id="vs_docs", provider="openai"),)
    teams = (TeamConfig(alias="rag", vector_stores=("vs_docs",)),)
    keys = (KeyConfig(alias="searcher", team="rag", vector_stores=("vs_docs",)), KeyConfig(alias="plain"))
    _, catalog = build(catalog_mocks, vector_stores=stores, teams=teams, keys=keys)

    def check(values):
        store_urn = values[0]
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        assert plain(seen["catalog-team-rag"].inputs)["vector_stores"] == ["vs_docs"]
        assert plain(seen["catalog-key-searcher"].inputs)["vector_stores"] == ["vs_docs"]
        assert "vector_stores" not in plain(seen["catalog-key-plain"].inputs)  # unset stays unset
        assert store_urn in wire["catalog-team-rag"][1] and store_urn in wire["catalog-key-searcher"][1]

    return pulumi.Output.all(catalog.vector_stores["vs_docs"].urn, catalog.teams["rag"].urn,
                             *[k.urn for k in catalog.keys.values()]).apply(check)
