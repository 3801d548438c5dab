"""The offline restricted-v2 check (tests/support/manifests.py) rejects what the SCC would reject."""

import copy

import pytest

from tests.support.manifests import RESTRICTED_V2_VOLUMES, restricted_v2_violations

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
