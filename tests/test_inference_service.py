"""`models[].inferenceService`: the InferenceService (and token Secret) read at preview/up become the model's
api_base, model and secret api_key; a missing, unready or token-protected one without a token is one
ConfigError naming `litemaas:models[N].inferenceService` and the object."""

from __future__ import annotations

import base64
import copy

import pytest

from config import ConfigError, parse_stack_config
from resolve import resolve_stack_config
from tests.support.fake_cluster import FakeCluster
from tests.support.pulumi_program import has_secret_envelope, plain

MODEL_T = "pulumi-python:dynamic/litellm:Model"
GATEWAY = {"deployGateway": False, "gatewayUrl": "https://litellm.apps.example.com", "masterKey": "sk-master"}
ISVC = {
    "apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
    "metadata": {"name": "granite-8b", "namespace": "models"},
    "spec": {"predictor": {"model": {"modelFormat": {"name": "vLLM"}, "runtime": "vllm-cuda-runtime"}}},
    "status": {"address": {"url": "http://granite-8b-predictor.models.svc.cluster.local"},
               "url": "https://granite-8b-models.apps.example.com",
               "conditions": [{"type": "PredictorReady", "status": "True"}, {"type": "Ready", "status": "True"}]},
}
AUTH_ISVC = {**ISVC, "metadata": {**ISVC["metadata"], "annotations": {"security.opendatahub.io/enable-auth": "true"}},
             "status": {**ISVC["status"], "address": {
                 "url": "https://granite-8b-predictor.models.svc.cluster.local:8443"}}}
TOKEN_SECRET = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                "metadata": {"name": "litellm-granite-8b-sa", "namespace": "models"},
                "data": {"token": base64.b64encode(b"eyJ-sa-token").decode(), "namespace": "bW9kZWxz"}}


def stack(models, secret_keys=("masterKey", "models")):
    return parse_stack_config({**GATEWAY, "models": models}, set(secret_keys))


def run(mocked, cluster, models, **kwargs):
    from components.litemaas import LiteMaaS

    config = stack(models, **kwargs)
    return mocked.run({}, program=lambda: LiteMaaS("litemaas", resolve_stack_config(config, cluster.get))).recorder


def isvc_model(name="granite", **reference):
    return {"name": name, "inferenceService": {"name": "granite-8b", "namespace": "models", **reference}}


def error_of(mocked, cluster, models) -> str:
    with pytest.raises(ConfigError) as raised:
        run(mocked, cluster, models)
    return str(raised.value)


def test_the_model_calls_the_predictor_in_cluster_with_the_served_name(mocked):
    cluster = FakeCluster(ISVC)
    registered = run(mocked, cluster, [{**isvc_model(), "rpm": 60}]).one(MODEL_T)
    inputs = plain(registered.inputs)
    assert inputs["api_base"] == "http://granite-8b-predictor.models.svc.cluster.local/v1"
    assert inputs["model"] == "hosted_vllm/granite-8b"  # the runtime's --served-model-name={{.Name}}
    assert (inputs["model_name"], inputs["rpm"], inputs.get("api_key")) == ("granite", 60, None)
    assert cluster.reads == ["/apis/serving.kserve.io/v1beta1/namespaces/models/inferenceservices/granite-8b"]


def test_served_model_name_from_the_predictor_args_and_an_explicit_model_win(mocked):
    isvc = copy.deepcopy(ISVC)
    isvc["spec"]["predictor"]["model"]["args"] = ["--max-model-len=4096", "--served-model-name=first",
                                                  "--served-model-name", "granite-3.1-8b", "alias"]
    registered = run(mocked, FakeCluster(isvc), [isvc_model(), {**isvc_model("explicit"),
                                                                 "model": "openai/granite-custom"}])
    models = {plain(r.inputs)["model_name"]: plain(r.inputs)["model"] for r in registered.of_type(MODEL_T)}
    assert models == {"granite": "hosted_vllm/granite-3.1-8b", "explicit": "openai/granite-custom"}


def test_the_token_from_the_service_account_secret_is_a_secret_input(mocked):
    cluster = FakeCluster(AUTH_ISVC, TOKEN_SECRET)
    registered = run(mocked, cluster, [isvc_model(tokenSecret={"name": "litellm-granite-8b-sa"})]).one(MODEL_T)
    assert has_secret_envelope(registered.inputs["api_key"]) and plain(registered.inputs)["api_key"] == "eyJ-sa-token"
    assert plain(registered.inputs)["api_base"] == "https://granite-8b-predictor.models.svc.cluster.local:8443/v1"
    assert "/api/v1/namespaces/models/secrets/litellm-granite-8b-sa" in cluster.reads


def test_the_token_from_secret_config_is_a_secret_input(mocked):
    registered = run(mocked, FakeCluster(AUTH_ISVC), [isvc_model(token="eyJ-config-token")]).one(MODEL_T)
    assert has_secret_envelope(registered.inputs["api_key"]) and plain(registered.inputs)["api_key"] == "eyJ-config-token"


def test_a_missing_inference_service_names_the_key_and_the_object(mocked):
    message = error_of(mocked, FakeCluster(), [isvc_model()])
    assert ("litemaas:models[0].inferenceService: InferenceService models/granite-8b (serving.kserve.io/v1beta1) "
            "does not exist") in message


@pytest.mark.parametrize("conditions, expected", [
    ([{"type": "Ready", "status": "False", "reason": "RevisionMissing", "message": "predictor not ready"}],
     "is not Ready (Ready=False, reason: RevisionMissing, message: predictor not ready)"),
    ([{"type": "Ready", "status": "Unknown"}], "is not Ready (Ready=Unknown)"),
    ([{"type": "PredictorReady", "status": "True"}], "has no Ready condition yet"),
    (None, "has no Ready condition yet"),
])
def test_an_unready_inference_service_is_refused(mocked, conditions, expected):
    isvc = copy.deepcopy(ISVC)
    isvc["status"]["conditions"] = conditions
    message = error_of(mocked, FakeCluster(isvc), [isvc_model()])
    assert f"litemaas:models[0].inferenceService: InferenceService models/granite-8b (serving.kserve.io/v1beta1) " \
           f"{expected}" in message


def test_a_ready_inference_service_without_an_address_is_refused(mocked):
    isvc = copy.deepcopy(ISVC)
    del isvc["status"]["address"]
    assert "is Ready but has no status.address.url" in error_of(mocked, FakeCluster(isvc), [isvc_model()])


def test_the_predictor_component_address_is_the_fallback(mocked):
    isvc = copy.deepcopy(ISVC)
    del isvc["status"]["address"]
    isvc["status"]["components"] = {"predictor": {"address": {"url": "http://granite-8b-predictor.models.svc/"}}}
    registered = run(mocked, FakeCluster(isvc), [isvc_model()]).one(MODEL_T)
    assert plain(registered.inputs)["api_base"] == "http://granite-8b-predictor.models.svc/v1"


def test_a_token_protected_server_without_a_token_is_refused(mocked):
    message = error_of(mocked, FakeCluster(AUTH_ISVC), [isvc_model()])
    assert "litemaas:models[0].inferenceService: InferenceService models/granite-8b requires a token" in message
    assert "models[0].inferenceService.tokenSecret.name" in message and "--secret --path" in message


@pytest.mark.parametrize("secret, expected", [
    (None, "Secret models/litellm-granite-8b-sa does not exist"),
    ({**TOKEN_SECRET, "data": {"namespace": "bW9kZWxz"}}, "Secret models/litellm-granite-8b-sa has no (non-empty) key 'token' (keys: namespace)"),
])
def test_token_secret_problems_name_the_key(mocked, secret, expected):
    cluster = FakeCluster(AUTH_ISVC, *([secret] if secret else []))
    message = error_of(mocked, cluster, [isvc_model(tokenSecret={"name": "litellm-granite-8b-sa"})])
    assert f"litemaas:models[0].inferenceService.tokenSecret: {expected}" in message


def test_every_model_problem_is_reported_in_one_error_and_nothing_is_declared(mocked):
    from components.litemaas import LiteMaaS

    config = stack([isvc_model(), {"name": "other", "inferenceService": {"name": "absent", "namespace": "ml"}}])
    recorder = None
    with pytest.raises(ConfigError) as raised:
        recorder = mocked.run({}, program=lambda: LiteMaaS("litemaas",
                                                           resolve_stack_config(config, FakeCluster(AUTH_ISVC).get)))
    message = str(raised.value)
    assert "models[0].inferenceService: InferenceService models/granite-8b requires a token" in message
    assert "models[1].inferenceService: InferenceService ml/absent" in message
    assert recorder is None


def test_models_without_inference_service_never_read_the_cluster(mocked):
    cluster = FakeCluster()
    run(mocked, cluster, [{"name": "g", "model": "openai/g", "apiBase": "https://g.example.com/v1"}])
    assert cluster.reads == []
