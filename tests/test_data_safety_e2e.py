"""End to end with the real engine against the local API server: switching `postgres.deleteDataOnDestroy` either
way keeps the namespace, the database claim and the backup claim (same objects, same uids), and a `destroy`
afterwards still keeps them. The steps run in order on one stack; each test is one step.
"""

from __future__ import annotations

import pytest

from tests.support.kube_cluster import LocalCluster, ensure_binaries
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain

pytestmark = pytest.mark.e2e

NAMESPACE = "e2e-data-safety"
SECRETS = {  # no generated credentials (the salt key is generated but unused) and no gateway to call
    "masterKey": "sk-master-data-safety-0123456789",
    "litellm.saltKey": "salt-" + "d" * 59,
    "litellm.uiPassword": "ui-password-safety-123",
    "postgres.password": "pg-password-safety-456",
}
DATA = {  # what holds data: the namespace and both claims
    "namespace": f"/api/v1/namespaces/{NAMESPACE}",
    "database claim": f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims/data-postgres-0",
    "backup claim": f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims/postgres-backups",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    bin_dir = ensure_toolchain()
    ensure_binaries()
    with LocalCluster() as cluster:
        project = PulumiProject(tmp_path_factory.mktemp("data-safety"), bin_dir, extra_env=cluster.env())
        project.set_plain({
            "namespace": NAMESPACE, "platform": "openshift", "hostname": "litellm.apps.safety.example.com",
            "postgres": {"storageSize": "1Gi", "backup": {"storageSize": "1Gi"}},
        })
        for path, value in SECRETS.items():
            project.set_secret(path, value)
        yield project, cluster, {}


def uids(cluster) -> dict[str, str | None]:
    found = {what: cluster.api.get_or_none(path) for what, path in DATA.items()}
    return {what: (obj or {}).get("metadata", {}).get("uid") for what, obj in found.items()}


def planned(project) -> dict[str, set[str]]:
    """op -> resource names of a `preview --json`, without the unchanged ones."""
    ops: dict[str, set[str]] = {}
    for step in project.preview().get("steps", []):
        if step["op"] != "same":
            ops.setdefault(step["op"], set()).add(step["urn"].rsplit("::", 1)[1])
    return ops


def switch(project, delete_data: bool) -> None:
    project.edit_config(lambda config: config["litemaas:postgres"].update(deleteDataOnDestroy=delete_data))


def test_1_up_creates_the_namespace_and_both_claims(world):
    project, cluster, seen = world
    project.up()
    seen.update(uids(cluster))
    assert all(seen.values()), seen


@pytest.mark.parametrize("delete_data", [True, False], ids=["to-true", "back-to-false"])
def test_2_switching_delete_data_on_destroy_keeps_every_object_that_holds_data(world, delete_data):
    project, cluster, seen = world
    switch(project, delete_data)
    plan = planned(project)
    touched = {name for op, names in plan.items() if op not in ("update", "same") for name in names}
    assert not touched & {"litemaas-namespace", "postgres-backup-claim", "postgres-statefulset", "postgres-volume"}, plan
    project.up()
    assert uids(cluster) == seen


def test_3_a_namespace_change_is_refused_at_preview_unless_acknowledged(world):
    project, cluster, seen = world
    project.edit_config(lambda config: config.update({"litemaas:namespace": "e2e-elsewhere"}))
    refused = project.run("preview", check=False)
    assert refused.returncode != 0
    assert "litemaas:namespace:" in refused.output and "pg_dump" in refused.output, refused.output[-3000:]
    project.edit_config(lambda config: config["litemaas:postgres"].update(
        acknowledgeNewDatabase="e2e-elsewhere/bundled"))
    plan = planned(project)  # passes: the new namespace is planned (the old one is kept: retainOnDelete)
    assert any("litemaas-namespace" in names for op, names in plan.items() if op != "update"), plan
    project.edit_config(lambda config: config.update({"litemaas:namespace": NAMESPACE}))
    assert uids(cluster) == seen


def test_4_destroy_keeps_the_data(world):
    project, cluster, seen = world
    project.destroy()
    assert uids(cluster) == seen
    assert project.resources() == []
