"""The offline restricted-v2 check (tests/support/manifests.py) rejects what the SCC would reject."""

import copy

import pytest

import jsonschema

from tests.support.manifests import RESTRICTED_V2_VOLUMES, pod_templates, restricted_v2_violations, validate

COMPLIANT_POD = {
    "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [{"name": "app", "securityContext": {
        "allowPrivilegeEscalation": False, "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}}}],
}


def with_volume(volume: dict) -> dict:
    pod = copy.deepcopy(COMPLIANT_POD)
    pod["volumes"] = [{"name": "data", **volume}]
    return pod


def test_a_compliant_pod_passes():
    assert restricted_v2_violations(COMPLIANT_POD, openshift=True) == []


@pytest.mark.parametrize("source", sorted(RESTRICTED_V2_VOLUMES))
def test_every_volume_type_the_scc_allows_passes(source):
    assert restricted_v2_violations(with_volume({source: {}}), openshift=True) == []


@pytest.mark.parametrize("source", ["hostPath", "nfs", "iscsi", "gitRepo", "rbd", "flexVolume", "cephfs"])
def test_volume_types_outside_the_allow_list_are_rejected(source):
    (problem,) = restricted_v2_violations(with_volume({source: {}}), openshift=True)
    assert f"volume data uses {source}" in problem


def test_the_allow_list_is_openshifts():
    # restricted-v2 in OpenShift 4.11+ (`oc get scc restricted-v2 -o jsonpath='{.volumes}'`).
    assert RESTRICTED_V2_VOLUMES == {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                                     "persistentVolumeClaim", "projected", "secret"}


def test_cron_job_pods_are_checked_too():
    cron_job = {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": COMPLIANT_POD}}}}}
    assert list(pod_templates(cron_job)) == [COMPLIANT_POD]


VALID_CLUSTER = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "db"},
                 "spec": {"instances": 3, "storage": {"size": "1Gi"},
                          "bootstrap": {"initdb": {"database": "litellm", "owner": "litellm"}},
                          "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}}}}


@pytest.mark.parametrize("api_version", ["postgresql.cnpg.io/v1", "postgresql.k8s.enterprisedb.io/v1"])
def test_a_valid_cloudnativepg_cluster_passes_for_both_api_groups(api_version):
    validate({**VALID_CLUSTER, "apiVersion": api_version})


@pytest.mark.parametrize("spec_change, complaint", [
    ({"instances": 0}, "minimum"),
    ({"instance": 3}, "Additional properties"),
    ({"storage": {"size": "1Gi", "storageClassName": "fast"}}, "storageClassName"),
    ({"bootstrap": {"initdb": {"database": "litellm", "owners": "litellm"}}}, "owners"),
    ({"resources": {"requests": {"memory": "lots"}}}, "does not match"),
    ({"postgresql": {"parameters": {"max_connections": 100}}}, "is not of type 'string'"),
], ids=["instances-zero", "typo", "storage-class-name", "initdb-typo", "quantity", "parameter-not-string"])
def test_the_cluster_schema_rejects_what_the_operator_crd_rejects(spec_change, complaint):
    cluster = copy.deepcopy(VALID_CLUSTER)
    cluster["spec"].update(spec_change)
    with pytest.raises(jsonschema.ValidationError, match=complaint):
        validate(cluster)
