"""tests/support/pods.py: a container's environment, files and command as a kubelet would give them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.support.pods import PodEnvironment, PodStartError, map_paths, map_services

NAMESPACE = "ns"


class FakeApi:
    """The two object kinds a container reads, as the API server answers them (Secret data base64-encoded)."""

    def __init__(self, secrets: dict[str, dict[str, str]], config_maps: dict[str, dict[str, str]]):
        self.objects = {f"/api/v1/namespaces/{NAMESPACE}/secrets/{name}":
                        {"data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}
                        for name, data in secrets.items()}
        self.objects.update({f"/api/v1/namespaces/{NAMESPACE}/configmaps/{name}": {"data": data}
                             for name, data in config_maps.items()})

    def get_or_none(self, path: str):
        return self.objects.get(path)


@pytest.fixture
def environment():
    api = FakeApi({"creds": {"LITELLM_MASTER_KEY": "sk-master", "DATABASE_URL": "postgresql://u:p@db/x"}},
                  {"settings": {"config.yaml": "{}\n", "LOG": "DEBUG"}})
    return PodEnvironment(api, NAMESPACE)


def secret_ref(name: str, key: str, **extra) -> dict:
    return {"valueFrom": {"secretKeyRef": {"name": name, "key": key, **extra}}}


def test_env_reads_secret_and_config_map_keys_expands_references_and_later_names_win(environment):
    container = {
        "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "CM_"}],
        "env": [
            {"name": "LITELLM_MASTER_KEY", **secret_ref("creds", "LITELLM_MASTER_KEY")},
            {"name": "LITELLM_LOG", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "LOG"}}},
            {"name": "GREETING", "value": "log=$(LITELLM_LOG) unknown=$(NOPE)"},
            {"name": "CM_LOG", "value": "overridden"},
            {"name": "OPTIONAL", **secret_ref("creds", "MISSING", optional=True)},
        ]}
    assert environment.env(container) == {
        "CM_config.yaml": "{}\n", "CM_LOG": "overridden", "LITELLM_MASTER_KEY": "sk-master", "LITELLM_LOG": "DEBUG",
        "GREETING": "log=DEBUG unknown=$(NOPE)"}


@pytest.mark.parametrize("variable, message", [
    (secret_ref("creds", "LITELLM_MASTERKEY"), "couldn't find key LITELLM_MASTERKEY in Secret ns/creds"),
    (secret_ref("litellm-creds", "LITELLM_MASTER_KEY"), 'secret "litellm-creds" not found'),
    ({"valueFrom": {"configMapKeyRef": {"name": "settings", "key": "level"}}},
     "couldn't find key level in ConfigMap ns/settings"),
])
def test_a_missing_secret_config_map_or_key_fails_the_start_like_a_kubelet(environment, variable, message):
    with pytest.raises(PodStartError, match="CreateContainerConfigError") as failed:
        environment.env({"env": [{"name": "X", **variable}]})
    assert message in str(failed.value)


def test_volume_mounts_become_local_directories_with_the_config_map_files(environment, tmp_path):
    pod_spec = {"volumes": [{"name": "config", "configMap": {"name": "settings", "items": [
        {"key": "config.yaml", "path": "config.yaml"}]}}, {"name": "home", "emptyDir": {}}]}
    container = {"volumeMounts": [{"name": "config", "mountPath": "/etc/litellm"},
                                  {"name": "home", "mountPath": "/var/tmp/litellm"}]}
    mounts = environment.mount(pod_spec, container, tmp_path)
    config = Path(map_paths("/etc/litellm/config.yaml", mounts))
    assert config.read_text() == "{}\n" and tmp_path in config.parents
    assert Path(map_paths("/var/tmp/litellm", mounts)).is_dir()
    assert map_paths("/etc/litellmx", mounts) == "/etc/litellmx"  # not under the mount
    assert map_paths("/app", mounts) == "/app"  # the image's own files: not a volume


def test_a_mount_of_an_undeclared_volume_or_missing_key_fails(environment, tmp_path):
    with pytest.raises(PodStartError, match="names no volume"):
        environment.mount({"volumes": []}, {"volumeMounts": [{"name": "config", "mountPath": "/etc"}]}, tmp_path)
    pod_spec = {"volumes": [{"name": "config", "configMap": {"name": "settings", "items": [
        {"key": "config.yml", "path": "config.yaml"}]}}]}
    with pytest.raises(PodStartError, match="has no key config.yml"):
        environment.mount(pod_spec, {"volumeMounts": [{"name": "config", "mountPath": "/etc/litellm"}]}, tmp_path)


def test_service_names_of_the_namespace_point_at_their_local_stand_ins():
    url = "postgresql://litellm:pw@postgres.ns.svc:5432/litellm?sslmode=disable"
    services = {("postgres", 5432): 61234}
    assert map_services(url, "ns", services) == "postgresql://litellm:pw@127.0.0.1:61234/litellm?sslmode=disable"
    assert map_services("redis://redis.ns.svc.cluster.local:6379", "ns", services) == \
        "redis://redis.ns.svc.cluster.local:6379"  # no stand-in: unreachable, as without that Service
    assert map_services("postgres.other.svc:5432", "ns", services) == "postgres.other.svc:5432"
