"""OpenShift AI models by reference, for real: the real Pulumi CLI (`deployGateway: false`) on the local Kubernetes
API server, which serves our InferenceService CRD (tests/support/inferenceservice_crd.yaml; no KServe controller:
the test writes the status), and the real LiteLLM proxy. Preview refuses a missing or unready InferenceService
with one error naming the key; `up` creates the model with the predictor's in-cluster URL and the ServiceAccount
token (filled by kube-controller-manager's token controller) as a secret.

The steps run in order on one stack; each test is one step.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest
import yaml

from tests.support.kube_cluster import LocalCluster, ensure_binaries
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain

pytestmark = pytest.mark.e2e

ISVC_CRD = Path(__file__).parent / "support" / "inferenceservice_crd.yaml"
MODEL_NAMESPACE = "models"
ISVC_NAME = "granite-8b"
TOKEN_SECRET = f"litellm-{ISVC_NAME}-sa"
ISVC_PATH = f"/apis/serving.kserve.io/v1beta1/namespaces/{MODEL_NAMESPACE}/inferenceservices/{ISVC_NAME}"
PREDICTOR_URL = f"https://{ISVC_NAME}-predictor.{MODEL_NAMESPACE}.svc.cluster.local:8443"
KEY = "litemaas:models[0].inferenceService"
DESCRIBED = f"InferenceService {MODEL_NAMESPACE}/{ISVC_NAME} (serving.kserve.io/v1beta1)"


@pytest.fixture(scope="module")
def world(tmp_path_factory, real_litellm_server):
    bin_dir = ensure_toolchain()
    ensure_binaries()
    model_name = f"granite-{uuid.uuid4().hex[:8]}"  # the proxy's router cache outlives the DB reset
    with LocalCluster() as cluster:
        cluster.install_crd(yaml.safe_load(ISVC_CRD.read_text()))
        cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": MODEL_NAMESPACE}})
        project = PulumiProject(tmp_path_factory.mktemp("openshift-ai"), bin_dir, extra_env=cluster.env())
        project.set_plain({
            "deployGateway": False, "gatewayUrl": real_litellm_server.url,
            "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"},
            "models": [{"name": model_name, "rpm": 120, "inferenceService": {
                "name": ISVC_NAME, "namespace": MODEL_NAMESPACE, "tokenSecret": {"name": TOKEN_SECRET}}}],
        })
        project.set_secret("masterKey", real_litellm_server.master_key)
        yield project, cluster, real_litellm_server, model_name
        project.run("destroy", "--yes", check=False)


def failed_preview(project) -> str:
    result = project.run("preview", check=False)
    assert result.returncode != 0, result.output
    assert "Traceback" not in result.output, result.output  # one ConfigError, not a crash
    return result.output


def write_status(cluster, status: dict) -> None:
    cluster.api.request("PATCH", ISVC_PATH + "/status", {"status": status},
                        content_type="application/merge-patch+json")


def test_1_preview_fails_clearly_while_the_inference_service_is_missing(world):
    project, _, litellm, _ = world
    output = failed_preview(project)
    assert f"{KEY}: {DESCRIBED} does not exist" in output


def test_2_preview_fails_clearly_until_the_inference_service_is_ready(world):
    project, cluster, _, _ = world
    cluster.api.create({
        "apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
        "metadata": {"name": ISVC_NAME, "namespace": MODEL_NAMESPACE,
                     "annotations": {"security.opendatahub.io/enable-auth": "true"}},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "vLLM"}, "runtime": "vllm-cuda-runtime",
                                         "storageUri": "oci://registry.example.com/granite-8b:1.0"}}},
    })
    assert f"{KEY}: {DESCRIBED} has no Ready condition yet" in failed_preview(project)
    write_status(cluster, {"conditions": [
        {"type": "PredictorReady", "status": "False", "reason": "RevisionMissing"},
        {"type": "Ready", "status": "False", "reason": "RevisionMissing", "message": "predictor is loading"}]})
    assert f"{KEY}: {DESCRIBED} is not Ready (Ready=False, reason: RevisionMissing, message: predictor is loading)" \
        in failed_preview(project)


def test_3_preview_fails_clearly_while_the_token_secret_is_missing(world):
    project, cluster, _, _ = world
    write_status(cluster, {"address": {"url": PREDICTOR_URL}, "url": PREDICTOR_URL, "conditions": [
        {"type": "PredictorReady", "status": "True"}, {"type": "Ready", "status": "True"}]})
    assert f"{KEY}.tokenSecret: Secret {MODEL_NAMESPACE}/{TOKEN_SECRET} does not exist" in failed_preview(project)


def test_4_up_creates_the_model_with_the_predictor_url_and_the_token_as_a_secret(world):
    project, cluster, litellm, model_name = world
    # What the OpenShift AI dashboard creates for token authentication: a ServiceAccount and its token Secret,
    # which kube-controller-manager's token controller fills.
    cluster.api.create({"apiVersion": "v1", "kind": "ServiceAccount",
                        "metadata": {"name": f"{ISVC_NAME}-sa", "namespace": MODEL_NAMESPACE}})
    cluster.api.create({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                        "metadata": {"name": TOKEN_SECRET, "namespace": MODEL_NAMESPACE,
                                     "annotations": {"kubernetes.io/service-account.name": f"{ISVC_NAME}-sa"}}})
    secret_path = f"/api/v1/namespaces/{MODEL_NAMESPACE}/secrets/{TOKEN_SECRET}"
    filled = cluster.api.wait_for(lambda: (cluster.api.get(secret_path).get("data") or {}).get("token"),
                                  timeout=60, description="the token controller to fill the Secret")
    token = base64.b64decode(filled).decode()

    project.up()

    infos = [m for m in litellm.admin_json("GET", "/model/info")["data"] if m["model_name"] == model_name]
    assert len(infos) == 1, infos
    params = infos[0]["litellm_params"]
    assert params["api_base"] == f"{PREDICTOR_URL}/v1"
    assert params["model"] == f"hosted_vllm/{ISVC_NAME}" and params["rpm"] == 120
    assert "api_key" not in params  # write-only: the proxy never shows it; its database row holds it
    assert litellm.stored_model(infos[0]["model_info"]["id"])["litellm_params"]["api_key"] == token
    state = json.dumps(project.export())
    assert token not in state and token[-24:] not in state  # encrypted in the state, never plain
    model = next(r for r in project.resources() if r["type"] == "pulumi-python:dynamic/litellm:Model")
    assert "ciphertext" in json.dumps(model["outputs"]["api_key"])
    assert "ciphertext" in json.dumps(model["inputs"]["api_key"])


def test_5_a_second_preview_plans_no_change(world):
    project, _, _, _ = world
    plan = project.preview()
    changed = [s["urn"] for s in plan.get("steps", []) if s["op"] != "same"]
    assert changed == [], changed
