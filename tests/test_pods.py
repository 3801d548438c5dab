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


# --- the real proxy started from a spec (the gateway's shape: args, env from Secrets, a ConfigMap file) -------

MASTER, SALT, DB_PASSWORD = "sk-master-" + "m" * 20, "salt-" + "s" * 40, "db-pass-(1)!"


def gateway_spec(config_key: str = "config.yaml", env_names: dict[str, str] | None = None) -> dict:
    names = {"LITELLM_MASTER_KEY": "LITELLM_MASTER_KEY", "LITELLM_SALT_KEY": "LITELLM_SALT_KEY",
             "DATABASE_URL": "DATABASE_URL", **(env_names or {})}
    return {"spec": {"template": {"spec": {
        "containers": [{
            "name": "litellm", "image": "ghcr.io/berriai/litellm-database:main-v1.108.7",
            "args": ["--port", "4000", "--config", "/etc/litellm/config.yaml"],
            "ports": [{"name": "http", "containerPort": 4000}],
            "env": [{"name": name, **secret_ref("litellm-credentials", key)} for key, name in names.items() if name]
            + [{"name": "HOME", "value": "/var/tmp/litellm"}, {"name": "STORE_MODEL_IN_DB", "value": "True"},
               {"name": "DISABLE_SCHEMA_UPDATE", "value": "true"}],
            "readinessProbe": {"httpGet": {"path": "/health/readiness", "port": "http"}},
            "volumeMounts": [{"name": "config", "mountPath": "/etc/litellm", "readOnly": True},
                             {"name": "home", "mountPath": "/var/tmp/litellm"}]}],
        "volumes": [{"name": "config", "configMap": {"name": "litellm-config", "items": [
            {"key": config_key, "path": config_key}]}}, {"name": "home", "emptyDir": {}}]}}}}


@pytest.fixture(scope="module")
def database():
    import os
    import shutil
    import tempfile

    from tests.support.pods import init_database
    from tests.support.real_litellm import Installation, Postgres

    workdir = Path(tempfile.mkdtemp(prefix="litemaas-pods-"))
    os.chmod(workdir, 0o755)  # PostgreSQL runs as `postgres` under root
    db = Postgres(Installation.find(), workdir / "db")
    db.workdir.mkdir()
    db.start()
    try:
        api = FakeApi({"postgres-credentials": {"POSTGRES_USER": "litellm", "POSTGRES_DB": "litellm",
                                                "POSTGRES_PASSWORD": DB_PASSWORD}}, {})
        statefulset = {"spec": {"template": {"spec": {"containers": [{"name": "postgres", "env": [
            {"name": k, **secret_ref("postgres-credentials", k)}
            for k in ("POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD")]}]}}}}
        init_database(api, NAMESPACE, statefulset, db)
        init_database(api, NAMESPACE, statefulset, db)  # an initialised volume: nothing changes
        yield db
    finally:
        db.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def start_gateway(database, tmp_path, spec: dict, password: str = DB_PASSWORD, config: str = "{}\n"):
    from urllib.parse import quote

    from tests.support.pods import GatewayPod, gateway_launch
    from tests.support.real_litellm import Installation

    url = f"postgresql://litellm:{quote(password, safe='')}@postgres.{NAMESPACE}.svc:5432/litellm?sslmode=disable"
    api = FakeApi({"litellm-credentials": {"LITELLM_MASTER_KEY": MASTER, "LITELLM_SALT_KEY": SALT,
                                           "DATABASE_URL": url}}, {"litellm-config": {"config.yaml": config}})
    launch = gateway_launch(api, NAMESPACE, spec, Installation.find(), {("postgres", 5432): database.port}, tmp_path)
    pod = GatewayPod(launch, database)
    try:
        pod.start()
    except BaseException:
        pod.stop()
        raise
    return pod


@pytest.mark.real_litellm
def test_the_proxy_runs_with_the_spec_credentials_and_its_config_file(database, tmp_path):
    config = '{"general_settings": {"user_api_key_cache_ttl": 7}}\n'
    pod = start_gateway(database, tmp_path, gateway_spec(), config=config)
    try:
        assert pod.credential_errors(MASTER, SALT) == []
        assert "--config" in pod.launch.argv and tmp_path in Path(pod.launch.argv[-3]).parents
        assert Path(pod.launch.argv[-3]).read_text() == config
        assert pod.launch.env["HOME"] == str(tmp_path / "volumes" / "home")
    finally:
        pod.stop()


@pytest.mark.real_litellm
@pytest.mark.parametrize("spec, password, failure", [
    (gateway_spec(env_names={"DATABASE_URL": ""}), DB_PASSWORD, "database is not connected"),
    (gateway_spec(), "another-password", "exited|database is not connected"),  # the volume's role keeps its first password
    (gateway_spec(config_key="config.yml"), DB_PASSWORD, "has no key config.yml"),
], ids=["no DATABASE_URL", "wrong database password", "wrong config key"])
def test_a_spec_the_proxy_cannot_run_with_fails_the_pod(database, tmp_path, spec, password, failure):
    with pytest.raises(PodStartError, match=failure):
        start_gateway(database, tmp_path, spec, password)


@pytest.mark.real_litellm
def test_a_misnamed_master_key_variable_stops_the_proxy(database, tmp_path):
    with pytest.raises(PodStartError, match="no master key is set"):
        start_gateway(database, tmp_path, gateway_spec(env_names={"LITELLM_MASTER_KEY": "LITELLM_MASTERKEY"}))


@pytest.mark.real_litellm
def test_a_misnamed_salt_key_variable_is_caught_by_the_credential_check(database, tmp_path):
    """LiteLLM then encrypts with the master key: what it stores does not decrypt with the Secret's salt key."""
    pod = start_gateway(database, tmp_path, gateway_spec(env_names={"LITELLM_SALT_KEY": "SALT_KEY"}))
    try:
        errors = pod.credential_errors(MASTER, SALT)
    finally:
        pod.stop()
    assert len(errors) == 1 and "does not decrypt with the stack's salt key" in errors[0], errors
