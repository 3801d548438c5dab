"""LiteLLMCatalog under Pulumi mocks: agents[] become litellm:Agent resources with the inputs the kind's schema maps
from the config, after the model their params name; credential params are a secret input and output."""

from __future__ import annotations

import pulumi
from pulumi.runtime import rpc

from config import AgentConfig, ModelConfig
from tests.support.catalog_mocks import build
from tests.support.pulumi_program import plain

AGENT_T = "pulumi-python:dynamic/litellm:Agent"
CARD = {"name": "Helper", "url": "https://helper.example.com/"}


@pulumi.runtime.test
def test_agents_become_resources_after_the_model_they_run_on(catalog_mocks):
    models = (ModelConfig(name="granite", model="openai/granite"), ModelConfig(name="other", model="openai/other"))
    agents = (AgentConfig(name="helper", card=CARD, params={"model": "granite"}, tpm_limit=100, session_rpm_limit=2),
              AgentConfig(name="remote", params={"model": "a2a/remote", "api_key": "sk-agent-0123"},
                          secret_params=True))
    _, catalog = build(catalog_mocks, models=models, teams=(), keys=(), agents=agents)

    def check(_):
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        assert seen["catalog-agent-helper"].typ == AGENT_T
        helper = plain(seen["catalog-agent-helper"].inputs)
        assert {k: helper.get(k) for k in ("agent_name", "agent_card_params", "litellm_params", "tpm_limit",
                                           "rpm_limit", "session_tpm_limit", "session_rpm_limit")} == {
            "agent_name": "helper", "agent_card_params": CARD, "litellm_params": {"model": "granite"},
            "tpm_limit": 100, "rpm_limit": None, "session_tpm_limit": None, "session_rpm_limit": 2}
        assert [u for u in wire["catalog-agent-helper"][1] if u.endswith("::catalog-model-granite")]
        assert not [u for u in wire["catalog-agent-helper"][1] if u.endswith("::catalog-model-other")]
        # a model the stack does not declare (another provider's) is no dependency
        assert not [u for u in wire["catalog-agent-remote"][1] if "::catalog-model-" in u]

    return pulumi.Output.all(*[a.urn for a in catalog.agents.values()]).apply(check)


def test_credential_params_are_a_secret_input_and_output(mocked):
    config = {"deployGateway": False, "gatewayUrl": "https://litellm.example.com", "masterKey": "sk-master-0123456789",
              "models": [{"name": "granite", "model": "openai/granite"}],
              "agents": [{"name": "remote", "params": {"model": "a2a/remote", "api_key": "sk-agent-0123"}},
                         {"name": "helper", "params": {"model": "granite"},
                          "staticHeaders": {"Authorization": "Bearer agent-token-0123"}}]}
    run = mocked.run(config, secret_keys=("masterKey", "agents"))
    agents = {r.name: r for r in run.recorder.registrations if r.typ == AGENT_T}
    remote, helper = agents["catalog-agent-remote"], agents["catalog-agent-helper"]
    assert remote.inputs["litellm_params"].get(rpc._special_sig_key) == rpc._special_secret_sig
    # what the program registers as secret outputs, as tests/test_provider_mechanism.py pins for the other kinds
    assert set(remote.request.additionalSecretOutputs) == {"litellm_params", "static_headers", "master_key"}
    assert set(helper.request.additionalSecretOutputs) == {"static_headers", "master_key"}
    assert helper.inputs["static_headers"].get(rpc._special_sig_key) == rpc._special_secret_sig
