"""`guardrails[]` and the keys that name them: errors at preview with the key path and the fix; the key secret."""

import pulumi
import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

CONTENT_FILTER = {"name": "cf", "provider": "litellm_content_filter", "mode": "pre_call",
                  "params": {"blocked_words": [{"keyword": "x", "action": "BLOCK"}]}}


def error_of(values, secret_keys=("guardrails",)) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(values, set(secret_keys))
    return str(raised.value)


@pulumi.runtime.test
def test_guardrails_are_typed_and_the_api_key_is_secret():
    config = parse_stack_config({"guardrails": [CONTENT_FILTER, {
        "name": "lakera", "provider": "lakera_v2", "mode": "during_call", "apiKey": "sk-lakera-1", "defaultOn": True}]},
        {"guardrails"})
    cf, lakera = config.guardrails
    assert (cf.name, cf.provider, cf.mode, cf.params["blocked_words"][0]["keyword"]) == \
        ("cf", "litellm_content_filter", "pre_call", "x")
    assert lakera.default_on is True and cf.api_key is None

    def check(args):
        value, secret = args
        assert value == "sk-lakera-1" and secret is True
    return pulumi.Output.all(lakera.api_key, pulumi.Output.is_secret(lakera.api_key)).apply(check)


def test_bad_guardrails_name_the_key_path():
    message = error_of({"guardrails": [
        {**CONTENT_FILTER, "mode": "always"},
        {"name": "cf", "mode": "pre_call", "params": {"api_key": "sk-in-params-1"}}]})
    assert "litemaas:guardrails[0].mode: 'always' is not a guardrail mode; use one of pre_call" in message
    assert "litemaas:guardrails[1].name" in message and "litemaas:guardrails[1].provider: is required" in message
    assert "litemaas:guardrails[1].params.api_key: duplicates a first-class field; use `apiKey` (a secret)" in message
    assert "sk-in-params-1" not in message


def test_a_plain_text_api_key_is_refused():
    message = error_of({"guardrails": [{**CONTENT_FILTER, "apiKey": "sk-plain-1"}]}, secret_keys=())
    assert "litemaas:guardrails[0].apiKey: is stored in plain text; set it with `pulumi config set --secret" in message
    assert "sk-plain-1" not in message


def test_guardrails_on_keys_need_the_licence_and_a_declared_guardrail():
    message = error_of({"guardrails": [CONTENT_FILTER], "keys": [{"alias": "a", "guardrails": ["cf"]}]})
    assert "litemaas:keys[0].guardrails: is a LiteLLM Enterprise feature" in message
    message = error_of({"guardrails": [CONTENT_FILTER], "litellmEnterprise": True,
                        "keys": [{"alias": "a", "guardrails": ["pii"]}]})
    assert "litemaas:keys[0].guardrails: names guardrail(s) the stack does not declare: pii; declared guardrails: cf" \
        in message


BEDROCK = {"name": "bedrock", "provider": "bedrock", "mode": "pre_call",
           "params": {"guardrailIdentifier": "gr-1", "aws_region_name": "eu-west-1",
                      "aws_secret_access_key": "aws-secret-value"}}


def test_a_credential_in_plain_params_is_refused_and_never_shown():
    message = error_of({"guardrails": [BEDROCK]}, secret_keys=())
    assert "litemaas:guardrails[0].params.aws_secret_access_key: is a credential stored in plain text" in message
    assert "pulumi config set --secret --path 'guardrails[0].params.aws_secret_access_key'" in message
    assert "aws-secret-value" not in message


def test_an_environment_reference_in_plain_params_is_no_credential():
    """`os.environ/NAME` is LiteLLM's reference to the gateway's environment: the value never enters the config."""
    bedrock = {**BEDROCK, "params": {**BEDROCK["params"], "aws_secret_access_key": "os.environ/AWS_SECRET"}}
    (guardrail,) = parse_stack_config({"guardrails": [bedrock]}, set()).guardrails
    assert guardrail.params["aws_secret_access_key"] == "os.environ/AWS_SECRET"


def test_params_with_a_credential_are_a_secret_input(mocked):
    import json

    from tests.support.pulumi_program import has_secret_envelope

    recorder = mocked.run({"guardrails": [BEDROCK, CONTENT_FILTER]}, secret_keys=("guardrails",)).recorder
    bedrock, content_filter = (recorder.one("pulumi-python:dynamic/litellm:Guardrail", f"catalog-guardrail-{n}")
                               for n in ("bedrock", "cf"))
    assert has_secret_envelope(bedrock.inputs["params"])
    assert "aws-secret-value" not in json.dumps({k: v for k, v in bedrock.inputs.items() if k != "params"})
    assert "params" in bedrock.request.additionalSecretOutputs  # the copy the provider reads back
    assert not has_secret_envelope(content_filter.inputs["params"])  # no credential: stays readable in diffs
    assert "params" not in content_filter.request.additionalSecretOutputs
