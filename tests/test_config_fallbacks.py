"""models[].fallbacks / contextWindowFallbacks / contentPolicyFallbacks: typed rules, one clear error per mistake."""

import pytest

from config import parse_stack_config
from tests.support.config_errors import error_of

pytestmark = pytest.mark.usefixtures("mocked")


def models(**first):
    return [{"name": "granite", "model": "openai/granite", **first}, {"name": "mistral", "model": "openai/mistral"},
            {"name": "llama", "model": "openai/llama"}]



def test_each_list_becomes_one_rule_in_order():
    config = parse_stack_config({"models": models(fallbacks=["mistral", "llama"],
                                                  contextWindowFallbacks=["llama"])})
    assert [(f.model, f.fallback_type, f.targets) for f in config.fallbacks] == [
        ("granite", "general", ("mistral", "llama")), ("granite", "context_window", ("llama",))]
    assert config.fallbacks[0].key_path == "models[0].fallbacks"


def test_no_lists_no_rules():
    assert parse_stack_config({"models": models()}).fallbacks == ()


def test_unknown_target_names_the_key_path_and_the_declared_models():
    message = error_of({"models": models(contentPolicyFallbacks=["gpt-5"])})
    assert "litemaas:models[0].contentPolicyFallbacks: names model(s) the stack does not declare: gpt-5; " \
           "declared models: granite, llama, mistral" in message


def test_self_fallback_duplicates_and_bad_shapes_are_refused():
    assert "models[0].fallbacks: names the model itself ('granite')" in error_of(
        {"models": models(fallbacks=["granite"])})
    assert "models[0].fallbacks: lists a model twice" in error_of({"models": models(fallbacks=["llama", "llama"])})
    assert "models[0].fallbacks: must be a non-empty list of model names, got a string" in error_of(
        {"models": models(fallbacks="llama")})
    assert "models[0].contextWindowFallbacks: must be a non-empty list" in error_of(
        {"models": models(contextWindowFallbacks=[])})
