"""The LiteMaaS app's own database: the creation Job under mocks, and its script run for real against PostgreSQL."""

import os
import subprocess
import uuid

import pytest

from tests.support.manifests import pod_templates, restricted_v2_violations, validate

ON = {"frontend": {"enabled": True}, "backend": {"enabled": True}, "oauth": {"enabled": True}}


def database_job(mocked, values=ON, secret_keys=()):
    recorder = mocked.run(values, secret_keys=secret_keys).recorder
    (job,) = [r for r in recorder.of_type("kubernetes:batch/v1:Job") if r.name == "litemaas-database-init"]
    return recorder, job.manifest


@pytest.mark.parametrize("platform", ["openshift", "kubernetes"])
def test_the_job_is_valid_restricted_and_reads_every_credential_from_secrets(mocked, platform):
    values = ON if platform == "openshift" else {
        **ON, "platform": "kubernetes", "hostname": "litellm.example.com", "ingress": {"tlsSecretName": "t"},
        "frontend": {"enabled": True, "hostname": "litemaas.example.com", "tlsSecretName": "t"},
        "oauth": {"enabled": True, "mode": "oidc", "issuer": "https://sso.example.com", "clientId": "c",
                  "clientSecret": "client-secret"}}
    recorder, job = database_job(mocked, values, secret_keys=("oauth",))
    validate(job)
    (pod,) = pod_templates(job)
    assert restricted_v2_violations(pod, openshift=platform == "openshift") == []
    (container,) = pod["containers"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"] if "valueFrom" in e}
    assert refs == {"PGUSER": {"name": "postgres-credentials", "key": "POSTGRES_USER"},
                    "PGPASSWORD": {"name": "postgres-credentials", "key": "POSTGRES_PASSWORD"},
                    "PGDATABASE": {"name": "postgres-credentials", "key": "POSTGRES_DB"},
                    "LITEMAAS_DB_PASSWORD": {"name": "litemaas-database", "key": "LITEMAAS_DB_PASSWORD"}}
    secret = next(r for r in recorder.of_type("kubernetes:core/v1:Secret") if r.name == "litemaas-database-credentials")
    assert secret.manifest["stringData"]["DATABASE_URL"].endswith("/litemaas_db?sslmode=disable")
    assert "@postgres.litemaas.svc:5432/" in secret.manifest["stringData"]["DATABASE_URL"]


def test_the_backend_starts_after_the_database_job(mocked):
    recorder, _ = database_job(mocked)
    backend = next(r for r in recorder.of_type("kubernetes:apps/v1:Deployment") if r.name == "litemaas-app-backend")
    assert any(dep.endswith("::litemaas-database-init") for dep in backend.dependencies)
    assert any(dep.endswith("::litellm-deployment") for dep in backend.dependencies)


# --- the Job's script, for real ---------------------------------------------------------------------------------


def run_init_job(job: dict, db, password: str) -> subprocess.CompletedProcess:
    """The Job's own command and environment; only where the server is and its credentials differ."""
    (pod,) = pod_templates(job)
    (container,) = pod["containers"]
    local_secrets = {"POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "", "POSTGRES_DB": "litellm",
                     "LITEMAAS_DB_PASSWORD": password}
    env = {item["name"]: local_secrets[item["valueFrom"]["secretKeyRef"]["key"]] if "valueFrom" in item
           else item["value"] for item in container["env"]}
    env |= {"PGHOST": "127.0.0.1", "PGPORT": str(db.port),
            "PATH": f"{db.install.postgres_bin}:{os.environ['PATH']}"}
    return subprocess.run(container["command"], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.real_litellm  # needs the real-proxy tooling's PostgreSQL (scripts/real-litellm)
def test_the_job_creates_the_role_and_database_once_and_keeps_their_data(mocked, postgres):
    _, job = database_job(mocked)
    assert postgres.rows("SELECT count(*) FROM pg_database WHERE datname = 'litemaas_db'") == [["0"]]
    litellm_tables = postgres.rows("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")

    first = run_init_job(job, postgres, "first-password-" + uuid.uuid4().hex)
    assert first.returncode == 0, first.stderr
    assert "role litemaas and database litemaas_db ready" in first.stdout
    assert postgres.rows("SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'litemaas_db'") \
        == [["litemaas"]]
    assert postgres.rows("SELECT rolsuper, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname = 'litemaas'") == \
        [["f", "f", "t"]]
    # The app's data, as if the backend had run: it must survive every later run of the Job.
    postgres.psql("SET ROLE litemaas; CREATE TABLE users (name text); INSERT INTO users VALUES ('alice')",
                  "litemaas_db")
    first_hash = postgres.rows("SELECT rolpassword FROM pg_authid WHERE rolname = 'litemaas'")

    # Again (the app turned off and on, or a new Job on an existing volume), with the password of a new Secret.
    second = run_init_job(job, postgres, "second-password-" + uuid.uuid4().hex)
    assert second.returncode == 0, second.stderr
    assert postgres.rows("SELECT name FROM users", "litemaas_db") == [["alice"]]
    assert postgres.rows("SELECT count(*) FROM pg_database WHERE datname = 'litemaas_db'") == [["1"]]
    assert postgres.rows("SELECT count(*) FROM pg_roles WHERE rolname = 'litemaas'") == [["1"]]
    assert postgres.rows("SELECT rolpassword FROM pg_authid WHERE rolname = 'litemaas'") != first_hash
    # LiteLLM's database is untouched, and closed to the app's role.
    assert postgres.rows("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == litellm_tables
    assert postgres.rows("SELECT has_database_privilege('litemaas', 'litellm', 'CONNECT'), "
                         "has_database_privilege('litemaas', 'litemaas_db', 'CONNECT')") == [["f", "t"]]


@pytest.mark.real_litellm
def test_a_failing_statement_fails_the_job(mocked, postgres):
    """ON_ERROR_STOP: a Job that could not create the database must not report success (Pulumi waits on it)."""
    _, job = database_job(mocked)
    postgres.psql("CREATE DATABASE litemaas_db")  # exists, but owned by someone else: ALTER OWNER needs the role
    postgres.psql("CREATE ROLE litemaas NOLOGIN; REVOKE ALL ON DATABASE litemaas_db FROM PUBLIC")
    (pod,) = pod_templates(job)
    broken = {**job, "spec": {**job["spec"], "template": {**job["spec"]["template"], "spec": {**pod, "containers": [
        {**pod["containers"][0], "command": ["sh", "-c", pod["containers"][0]["command"][2].replace(
            "ALTER DATABASE %I OWNER TO %I", "ALTER DATABASE %I OWNER TO no_such_role_%I")]}]}}}}
    done = run_init_job(broken, postgres, "p" * 32)
    assert done.returncode != 0 and "no_such_role_litemaas" in done.stderr
    assert "ready" not in done.stdout
