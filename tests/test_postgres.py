"""PostgreSQL component: manifests, security, persistence and the generated password."""

import os
import subprocess
from urllib.parse import quote

import pytest

from components.postgres import CREDENTIALS_VERSION_ANNOTATION, PGDATA, SYNC_PASSWORD_SCRIPT, PostgreSQL, \
    PostgreSQLArgs
from config import PostgresConfig
from tests.support.manifests import restricted_v2_violations, validate
from tests.support.pulumi_program import has_secret_envelope

STS = "kubernetes:apps/v1:StatefulSet"


def deploy(mocked, openshift=True, **config):
    def program():
        PostgreSQL("postgres", PostgreSQLArgs(namespace="ai", config=PostgresConfig(**config), openshift=openshift))
    return mocked.run({}, program=program).recorder


@pytest.mark.parametrize("openshift", [True, False])
def test_manifests_are_valid_and_restricted(mocked, openshift):
    recorder = deploy(mocked, openshift=openshift)
    kinds = sorted(r.manifest["kind"] for r in recorder.kubernetes())
    assert kinds == ["NetworkPolicy", "PersistentVolumeClaim", "Secret", "Service", "Service", "StatefulSet"]
    for registration in recorder.kubernetes():
        validate(registration.manifest)
    pod = recorder.one(STS).manifest["spec"]["template"]["spec"]
    assert restricted_v2_violations(pod, openshift=openshift) == []
    assert ("runAsUser" in pod["securityContext"]) is (not openshift)
    if not openshift:
        assert pod["securityContext"]["runAsUser"] == 70  # alpine image's postgres user


def test_statefulset_persists_data_below_the_mount_and_probes_with_pg_isready(mocked):
    sts = deploy(mocked, storage_size="20Gi", storage_class="fast-ssd", max_connections=150).one(STS).manifest
    container = sts["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["PGDATA"]["value"] == PGDATA and PGDATA.startswith(container["volumeMounts"][0]["mountPath"] + "/")
    assert env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "postgres-credentials",
                                                                     "key": "POSTGRES_PASSWORD"}
    assert container["args"] == ["-c", "max_connections=150"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["exec"]["command"][0] == "pg_isready"
        assert container[probe]["timeoutSeconds"] >= 5
    claim = sts["spec"]["volumeClaimTemplates"][0]["spec"]
    assert claim["resources"]["requests"]["storage"] == "20Gi" and claim["storageClassName"] == "fast-ssd"
    assert container["resources"]["limits"]["memory"] == "1Gi"


@pytest.mark.parametrize("delete_data, policy", [(False, "Retain"), (True, "Delete")])
def test_volume_outlives_destroy_unless_asked(mocked, delete_data, policy):
    sts = deploy(mocked, delete_data_on_destroy=delete_data).one(STS).manifest
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == policy


def test_only_database_clients_reach_port_5432(mocked):
    policy = deploy(mocked).one("kubernetes:networking.k8s.io/v1:NetworkPolicy").manifest["spec"]
    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "postgres"
    (rule,) = policy["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"litemaas.io/database-client": "true"}}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": 5432}]


def test_password_is_generated_once_and_kept_secret(mocked):
    recorder = deploy(mocked)
    password = recorder.one("random:index/randomPassword:RandomPassword")
    # No keepers: nothing in later runs can make pulumi-random regenerate the password.
    assert "keepers" not in password.inputs and password.inputs["length"] >= 32
    secret = recorder.one("kubernetes:core/v1:Secret")
    assert has_secret_envelope(secret.inputs["stringData"])
    assert secret.manifest["stringData"]["POSTGRES_PASSWORD"] == "postgres-password-Gen3rated:/@#%"


def test_database_url_percent_encodes_the_password(mocked):
    urls = []

    def program():
        db = PostgreSQL("postgres", PostgreSQLArgs(namespace="ai", config=PostgresConfig(), openshift=True))
        db.database_url.apply(urls.append)
        return db.database_url

    mocked.run({}, program=program)
    encoded = quote("postgres-password-Gen3rated:/@#%", safe="")
    assert urls == [f"postgresql://litellm:{encoded}@postgres.ai.svc:5432/litellm?sslmode=disable"]


def test_storage_changes_never_replace_the_database(mocked):
    """volumeClaimTemplates are immutable: a change would replace the StatefulSet, delete first."""
    sts = deploy(mocked, storage_size="20Gi").one(STS)
    assert "spec.volumeClaimTemplates" in sts.request.ignoreChanges


def test_the_claim_is_expanded_in_place_after_the_guard_accepted_it(mocked):
    recorder = deploy(mocked, storage_size="20Gi", storage_class="fast-ssd")
    patch = recorder.one("kubernetes:core/v1:PersistentVolumeClaimPatch")
    assert patch.manifest["metadata"]["name"] == "data-postgres-0"
    assert patch.manifest["metadata"]["namespace"] == "ai"
    assert patch.manifest["spec"] == {"resources": {"requests": {"storage": "20Gi"}}, "storageClassName": "fast-ssd"}
    # The field first belongs to the StatefulSet controller, which created the claim.
    assert patch.manifest["metadata"]["annotations"]["pulumi.com/patchForce"] == "true"
    assert patch.request.retainOnDelete is True  # a claim can never shrink back: destroy leaves it as it is
    guard = recorder.one("pulumi-python:dynamic/litemaas:DatabaseVolume")
    assert guard.manifest["storage_size"] == "20Gi" and guard.manifest["storage_class"] == "fast-ssd"
    sts = recorder.one(STS)
    assert any(dep.endswith(f"::{guard.name}") for dep in patch.dependencies)
    assert any(dep.endswith(f"::{sts.name}") for dep in guard.dependencies)


def test_the_default_storage_class_is_left_to_the_cluster(mocked):
    patch = deploy(mocked).one("kubernetes:core/v1:PersistentVolumeClaimPatch")
    assert "storageClassName" not in patch.manifest["spec"]


@pytest.mark.real_litellm  # the real-proxy tooling's PostgreSQL binaries (scripts/real-litellm)
def test_the_max_connections_ceiling_is_the_servers_own():
    """config refuses postgres.maxConnections above POSTGRES_MAX_CONNECTIONS: the bound the server enforces."""
    import subprocess

    from config.postgres import POSTGRES_MAX_CONNECTIONS
    from tests.support.real_litellm import Installation, _as_db_user

    described = subprocess.run(_as_db_user([str(Installation.find().postgres_bin / "postgres"), "--describe-config"]),
                               capture_output=True, text=True, check=True).stdout
    (row,) = [line.split("\t") for line in described.splitlines() if line.startswith("max_connections\t")]
    assert (int(row[5]), int(row[6])) == (1, POSTGRES_MAX_CONNECTIONS)


def test_a_new_password_rolls_the_pod_whose_start_sets_the_role_password(mocked):
    """POSTGRES_PASSWORD is read by initdb only: the pod follows the Secret's version and its hook runs ALTER ROLE."""
    recorder = deploy(mocked, password="x" * 16)
    sts = recorder.one(STS)
    template = sts.inputs["spec"]["template"]
    assert CREDENTIALS_VERSION_ANNOTATION in template["metadata"]["annotations"]
    (container,) = sts.manifest["spec"]["template"]["spec"]["containers"]
    assert container["lifecycle"]["postStart"]["exec"]["command"] == ["sh", "-c", SYNC_PASSWORD_SCRIPT]
    assert "x" * 16 not in SYNC_PASSWORD_SCRIPT and "POSTGRES_PASSWORD" in SYNC_PASSWORD_SCRIPT


@pytest.mark.real_litellm  # needs the real-proxy tooling's PostgreSQL (scripts/real-litellm)
def test_the_hook_gives_the_role_the_password_of_the_secret(postgres_server):
    """Against a real server that checks passwords over TCP, as the image's does: the old one stops working."""
    postgres_server.psql("CREATE ROLE litellm LOGIN SUPERUSER PASSWORD 'old-password-0123456789'")
    hba = postgres_server.data / "pg_hba.conf"
    hba.write_text("local all all trust\nhost all postgres 127.0.0.1/32 trust\n"
                   "host all all 127.0.0.1/32 scram-sha-256\n")
    postgres_server.psql("SELECT pg_reload_conf()")
    new = "n3w'pass\"word $(id) :/@#%\\"

    def login(password: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(postgres_server.install.postgres_bin / "psql"), "-X", "-h", "127.0.0.1", "-p", str(postgres_server.port),
             "-U", "litellm", "-d", "litellm", "-c", "SELECT 1"],
            env={**os.environ, "PGPASSWORD": password}, capture_output=True, text=True, timeout=30)

    assert login("old-password-0123456789").returncode == 0
    env = {**os.environ, "POSTGRES_USER": "litellm", "POSTGRES_DB": "litellm", "POSTGRES_PASSWORD": new,
           "PGHOST": str(postgres_server.socket_dir), "PGPORT": str(postgres_server.port),
           "PATH": f"{postgres_server.install.postgres_bin}:{os.environ['PATH']}"}
    hook = subprocess.run(["sh", "-c", SYNC_PASSWORD_SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert hook.returncode == 0 and "password of role litellm set from the Secret" in hook.stdout, hook.stderr
    assert login(new).returncode == 0
    assert "password authentication failed" in login("old-password-0123456789").stderr
