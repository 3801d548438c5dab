"""`models[].inferenceService`: a model served by a KServe InferenceService, and the mistakes named at preview."""


import pytest

from config import (parse_stack_config)
from tests.test_config import error_of

# Secret config values become Outputs, which need the event loop the mocks fixture provides.
pytestmark = pytest.mark.usefixtures("mocked")


ISVC_MODEL = {"name": "granite", "inferenceService": {"name": "granite-8b", "namespace": "models"}}


def test_an_inference_service_model_needs_no_model_or_api_base():
    config = parse_stack_config({"models": [ISVC_MODEL, {**ISVC_MODEL, "name": "granite-token", "inferenceService": {
        "name": "granite-8b", "namespace": "models", "tokenSecret": {"name": "litellm-granite-8b-sa"}}}]})
    plain_ref, secret_ref = (m.inference_service for m in config.models)
    assert (config.models[0].model, config.models[0].api_base) == ("", None)
    assert (plain_ref.id, plain_ref.key_path, plain_ref.token_secret_name, plain_ref.token) == \
        ("models/granite-8b", "models[0].inferenceService", None, None)
    assert (secret_ref.token_secret_name, secret_ref.token_secret_key) == ("litellm-granite-8b-sa", "token")


@pytest.mark.parametrize("inference_service, extra, expected", [
    ({"namespace": "models"}, {}, "litemaas:models[0].inferenceService.name: is required"),
    ({"name": "Granite", "namespace": "models"}, {}, "litemaas:models[0].inferenceService.name: 'Granite' is not"),
    ({"name": "g", "namespace": "models"}, {"apiBase": "https://g.example.com/v1"},
     "litemaas:models[0].apiBase: conflicts with inferenceService"),
    ({"name": "g", "namespace": "models"}, {"apiKey": "sk-x"}, "litemaas:models[0].apiKey: conflicts with inferenceService"),
    ({"name": "g", "namespace": "models", "token": "t", "tokenSecret": {"name": "s"}}, {},
     "litemaas:models[0].inferenceService.token: conflicts with tokenSecret"),
    ({"name": "g", "namespace": "models", "tokenSecret": {"key": "token"}}, {},
     "litemaas:models[0].inferenceService.tokenSecret.name: is required"),
    ({"name": "g", "namespace": "models", "url": "x"}, {}, "litemaas:models[0].inferenceService.url: unknown key"),
])
def test_inference_service_mistakes_name_the_key(inference_service, extra, expected):
    assert expected in error_of({"models": [{"name": "g", "inferenceService": inference_service, **extra}]})


def test_an_inference_service_token_in_plain_text_is_refused_and_never_shown():
    message = error_of({"models": [{"name": "g", "inferenceService": {
        "name": "g", "namespace": "models", "token": "eyJ-plain-token"}}]}, secret_keys=("masterKey",))
    assert "litemaas:models[0].inferenceService.token: is stored in plain text" in message
    assert "--secret --path 'models[0].inferenceService.token'" in message and "eyJ-plain-token" not in message


def test_a_model_without_inference_service_still_needs_model():
    assert "litemaas:models[0].model: is required" in error_of({"models": [{"name": "g"}]})
