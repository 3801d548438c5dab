"""`keys[].deliverTo` for real: `pulumi up` (real CLI, `deployGateway: false`, the real LiteLLM proxy) writes the
key into a Secret of the user's namespace on the local Kubernetes API server; a rotation updates it; a missing
namespace fails the `up` with a clear error. The steps run in order on one stack."""

from __future__ import annotations

import base64

import openai
import pytest

from tests.support.kube_cluster import LocalCluster, ensure_binaries
from tests.support.pulumi_cli import PulumiError, PulumiProject, ensure_toolchain

pytestmark = pytest.mark.e2e

USER_NAMESPACE = "alice-ds"
SECRET_PATH = f"/api/v1/namespaces/{USER_NAMESPACE}/secrets/litemaas-key"
MODELS = [{"name": "granite-mock", "model": "openai/granite-mock", "extraParams": {"mock_response": "hi"}}]
KEYS = [{"alias": "alice", "models": ["granite-mock"], "rotation": 1, "rotationGracePeriod": "0",
         "deliverTo": {"namespace": USER_NAMESPACE, "secretName": "litemaas-key"}}]


@pytest.fixture(scope="module")
def world(tmp_path_factory, real_litellm_server):
    bin_dir = ensure_toolchain()
    ensure_binaries()
    real_litellm_server.reset()
    with LocalCluster() as cluster:
        cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": USER_NAMESPACE}})
        project = PulumiProject(tmp_path_factory.mktemp("delivery"), bin_dir, extra_env=cluster.env())
        project.set_plain({"deployGateway": False, "gatewayUrl": real_litellm_server.url,
                           "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"},
                           "models": MODELS, "keys": KEYS})
        project.set_secret("masterKey", real_litellm_server.master_key)
        project.up()
        yield project, cluster, real_litellm_server
        project.destroy()


def delivered(cluster) -> dict:
    secret = cluster.api.get(SECRET_PATH)
    return {**secret, "values": {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}}


def key_works(url: str, key: str) -> bool:
    try:
        openai.OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=30).models.list()
    except openai.APIStatusError:
        return False
    return True


def test_1_the_key_is_delivered_into_the_users_namespace(world):
    project, cluster, litellm = world
    outputs = project.outputs(show_secrets=True)
    secret = delivered(cluster)
    assert secret["values"] == {"OPENAI_API_KEY": outputs["keys"]["alice"]["key"],
                                "OPENAI_BASE_URL": f"{litellm.url}/v1", "LITEMAAS_MODELS": "granite-mock"}
    assert secret["metadata"]["labels"]["litemaas.io/virtual-key"] == "alice"
    assert secret["metadata"]["labels"]["app.kubernetes.io/part-of"] == "litemaas"
    assert key_works(litellm.url, secret["values"]["OPENAI_API_KEY"])


def test_2_a_rotation_updates_the_secret(world):
    project, cluster, litellm = world
    before = delivered(cluster)
    project.edit_config(lambda config: config["litemaas:keys"][0].update(rotation=2))
    project.up()
    after = delivered(cluster)
    # pulumi-kubernetes replaces a Secret whose data changes (same name, delete then create) unless the stack
    # sets kubernetes:enableSecretMutable: the labels come back with it.
    assert after["metadata"]["labels"]["litemaas.io/virtual-key"] == "alice"
    new, old = after["values"]["OPENAI_API_KEY"], before["values"]["OPENAI_API_KEY"]
    assert new != old and new == project.outputs(show_secrets=True)["keys"]["alice"]["key"]
    assert key_works(litellm.url, new) and not key_works(litellm.url, old)  # grace period 0
    project.up("--expect-no-changes")


def test_3_a_missing_namespace_fails_the_up_clearly(world):
    project, cluster, _ = world
    project.edit_config(lambda config: config["litemaas:keys"].append(
        {"alias": "bob", "models": ["granite-mock"], "deliverTo": {"namespace": "bob-ds", "secretName": "key"}}))
    with pytest.raises(PulumiError) as failed:
        project.up()
    assert 'namespaces "bob-ds" not found' in str(failed.value)
    project.edit_config(lambda config: config["litemaas:keys"].pop())
    project.up()
