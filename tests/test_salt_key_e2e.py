"""End to end with the real engine against the local API server: a stack made by the program before the guard gets
the guard on its first `up` and nothing else; it then adopts its generated salt key's value in config with no change, refuses another one at preview (naming `litemaas:litellm.saltKey`, showing no
key), takes it once acknowledged, and refuses the next change while the acknowledgement is left behind. The state
never holds a salt key in clear. The steps run in order on one stack; each test is one step.
"""

from __future__ import annotations

import base64
import json

import pytest

from tests.support.kube_cluster import LocalCluster, ensure_binaries
from tests.support.pulumi_cli import REPO_ROOT, PulumiProject, ensure_toolchain
from tests.test_state_compatibility import earlier_program

pytestmark = pytest.mark.e2e

NAMESPACE = "e2e-salt-key"
NEW_SALT_KEY = "salt-e2e-" + "n" * 48
SECRETS = {"masterKey": "sk-master-salt-key-0123456789", "litellm.uiPassword": "ui-password-salt-123",
           "postgres.password": "pg-password-salt-456"}
GUARD = "pulumi-python:dynamic/litemaas:SaltKeyGuard"
BEFORE_THE_GUARD = "196371fcb2f81471b9d2f958139d1169e44277df"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    bin_dir = ensure_toolchain()
    ensure_binaries()
    with LocalCluster() as cluster:
        workdir = tmp_path_factory.mktemp("salt-key")
        project = PulumiProject(workdir, bin_dir, extra_env=cluster.env(),
                                source=earlier_program(workdir / "earlier", BEFORE_THE_GUARD))
        project.set_plain({"namespace": NAMESPACE, "platform": "openshift",
                           "hostname": "litellm.apps.salt.example.com", "postgres": {"storageSize": "1Gi"}})
        for path, value in SECRETS.items():
            project.set_secret(path, value)
        # That program's default image: the default's tag changed since (README, LiteLLM versions), which would
        # roll the gateway on the first `up`; pinned, the first `up` shows the guard alone. (`litellm` is stored
        # encrypted because of uiPassword, so the path is set the same way.)
        project.set_secret("litellm.image", "ghcr.io/berriai/litellm-non_root:main-v1.108.7-stable")
        yield project, cluster, {}


def secret_salt_key(cluster) -> str:
    secret = cluster.api.get(f"/api/v1/namespaces/{NAMESPACE}/secrets/litellm-credentials")
    return base64.b64decode(secret["data"]["LITELLM_SALT_KEY"]).decode()


def generated_salt_key(project) -> str:
    state = json.loads(project.run("stack", "export", "--show-secrets").stdout)
    [salt] = [r for r in state["deployment"]["resources"] if r["urn"].endswith("::litellm-salt-key")]
    return json.loads(salt["outputs"]["result"]["plaintext"])  # a secret, shown: {<sig>, plaintext: <JSON>}


def changes(project) -> dict[str, str]:
    """resource name -> op of a `preview --json`, without the unchanged ones."""
    return {step["urn"].rsplit("::", 1)[1]: step["op"] for step in project.preview().get("steps", [])
            if step["op"] != "same"}


def set_salt_key(project, value: str) -> None:
    project.set_secret("litellm.saltKey", value)


def test_1_an_earlier_stack_gets_the_guard_and_nothing_else(world):
    project, cluster, seen = world
    project.up()
    project.install_program(REPO_ROOT)
    assert changes(project) == {"litellm-salt-key-guard": "create"}
    project.up()
    project.up("--expect-no-changes")


def test_2_the_guard_holds_the_generated_salt_key_only_as_ciphertext(world):
    project, cluster, seen = world
    seen["generated"] = generated_salt_key(project)
    assert secret_salt_key(cluster) == seen["generated"]
    exported = project.run("stack", "export").stdout
    assert seen["generated"] not in exported
    [guard] = [r for r in json.loads(exported)["deployment"]["resources"] if r["type"] == GUARD]
    assert "ciphertext" in guard["inputs"]["salt_key"] and "ciphertext" in guard["outputs"]["salt_key"]


def test_3_setting_the_generated_value_in_config_changes_nothing(world):
    project, cluster, seen = world
    set_salt_key(project, seen["generated"])
    planned = changes(project)
    # The guard records where the key now comes from; nothing that uses the key changes, nothing is deleted.
    assert set(planned) <= {"litellm-salt-key-guard", "litellm-salt-key"} and "delete" not in planned.values(), planned
    project.up()
    assert secret_salt_key(cluster) == seen["generated"]


def test_4_another_salt_key_is_refused_at_preview_with_the_safe_path_and_no_key(world):
    project, cluster, seen = world
    set_salt_key(project, NEW_SALT_KEY)
    refused = project.run("preview", check=False)
    assert refused.returncode != 0
    assert "litemaas:litellm.saltKey: this change changes the salt key" in refused.output, refused.output[-3000:]
    assert "pulumi config set --path litellm.acknowledgeNewSaltKey true" in refused.output
    assert f"kubectl -n {NAMESPACE} get secret litellm-credentials" in refused.output
    assert seen["generated"] not in refused.output and NEW_SALT_KEY not in refused.output
    assert secret_salt_key(cluster) == seen["generated"]


def test_5_acknowledged_the_new_salt_key_is_applied(world):
    project, cluster, seen = world
    project.edit_config(lambda config: config["litemaas:litellm"].update(acknowledgeNewSaltKey=True))
    project.up()
    assert secret_salt_key(cluster) == NEW_SALT_KEY
    assert NEW_SALT_KEY not in project.run("stack", "export").stdout


def test_6_a_left_over_acknowledgement_does_not_cover_the_next_change(world):
    project, cluster, seen = world
    set_salt_key(project, seen["generated"])
    refused = project.run("preview", check=False)
    assert refused.returncode != 0 and "still true from an earlier change" in refused.output, refused.output[-3000:]
    assert seen["generated"] not in refused.output and NEW_SALT_KEY not in refused.output
    set_salt_key(project, NEW_SALT_KEY)
    assert changes(project) == {}


def test_7_destroy(world):
    project, cluster, seen = world
    project.destroy()
    assert project.resources() == []
