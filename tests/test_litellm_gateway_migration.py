"""LiteLLM gateway component: the schema migration Job (its name follows image and database), and the wait for the
database its pods start with."""

import json
import os
import subprocess

import pytest

from components.kube import WAIT_FOR_DATABASE
from litemaas_common.litellm_versions import DEFAULT_VERSION, TESTED_VERSIONS
from tests.support.gateway_program import (
    DEPLOYMENT, JOB, container,
    deploy,
)
from tests.support.manifests import pod_templates
from tests.support.pulumi_program import has_secret_envelope
from tests.support.real_litellm import free_port


def test_deployment_waits_for_the_migration_job(mocked):
    recorder = deploy(mocked)
    deployment, job = recorder.one(DEPLOYMENT), recorder.one(JOB)
    assert any(dep.endswith(f"::{job.name}") for dep in deployment.dependencies)
    job_spec = job.manifest["spec"]["template"]["spec"]
    assert job_spec["initContainers"][0]["name"] == "wait-for-database"
    assert "pg_isready" in job_spec["initContainers"][0]["command"][-1]
    env = {e["name"]: e.get("value") for e in job_spec["containers"][0]["env"]}
    assert env["DISABLE_SCHEMA_UPDATE"] == "false"
    served = {e["name"]: e.get("value") for e in container(recorder)["env"]}
    assert served["DISABLE_SCHEMA_UPDATE"] == "true"
    assert served["STORE_MODEL_IN_DB"] == "True" and served["LITELLM_MODE"] == "PRODUCTION"


@pytest.mark.real_litellm
@pytest.mark.parametrize("version", TESTED_VERSIONS)
def test_the_migration_entrypoint_exists_in_each_tested_litellm(version):
    """The Job runs a file of LiteLLM's source tree; every tested version ships it, and the default image names the
    version the real proxy of the tests runs."""
    from components.litellm_gateway import MIGRATION_SCRIPT
    from config import DEFAULT_LITELLM_IMAGE
    from tests.support.real_litellm import Installation

    (site,) = (Installation.find(version).root / "venv" / "lib").glob("python3*/site-packages")
    (dist,) = site.glob("litellm-*.dist-info")
    assert dist.name.removeprefix("litellm-").removesuffix(".dist-info") == version
    assert DEFAULT_LITELLM_IMAGE == f"ghcr.io/berriai/litellm-non_root:v{DEFAULT_VERSION}"
    assert "run_server" in (site / MIGRATION_SCRIPT).read_text()


# Prisma's connection parameters the README documents for postgres.externalDatabaseUrl, plus a libpq one.
PRISMA_PARAMETERS = ["schema=litellm", "connection_limit=5", "pgbouncer=true", "pool_timeout=20",
                     "schema=litellm&connection_limit=5&pgbouncer=true&sslmode=disable"]


def wait_commands(mocked, database_url: str) -> dict[str, list[str]]:
    """The wait-for-database init containers of the migration Job and the LiteMaaS backend, for a stack whose
    gateway and backend use external databases at `database_url`."""
    recorder = mocked.run({"postgres": {"externalDatabaseUrl": database_url},
                           "backend": {"enabled": True, "databaseUrl": database_url}},
                          secret_keys=("postgres", "backend")).recorder
    commands = {}
    for registration in recorder.kubernetes():
        for pod in pod_templates(registration.manifest):
            for init in pod.get("initContainers", []):
                if init["name"] == "wait-for-database":
                    commands[registration.name] = init["command"]
    return commands


def test_every_database_wait_runs_the_same_command(mocked):
    commands = wait_commands(mocked, "postgresql://litellm:pw@db.example.com:5432/litellm?schema=litellm")
    assert set(commands) == {"litellm-migration", "litemaas-app-backend"}
    assert all(command == ["sh", "-c", WAIT_FOR_DATABASE] for command in commands.values())


def run_wait(command: list[str], database_url: str, postgres_bin) -> subprocess.Popen:
    env = {"DATABASE_URL": database_url, "PATH": f"{postgres_bin}:{os.environ['PATH']}"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("parameters", PRISMA_PARAMETERS)
def test_the_database_wait_ends_on_a_url_with_prisma_parameters(mocked, postgres_server, parameters):
    """pg_isready refuses Prisma's parameters (exit 3, "invalid connection option") on every try; the wait must
    not loop until the Job's deadline on a database that is up."""
    url = f"postgresql://postgres:p%40ss%3Fw%23rd@127.0.0.1:{postgres_server.port}/litellm?{parameters}"
    pg_isready = str(postgres_server.install.postgres_bin / "pg_isready")
    if "schema" in parameters:  # the failure this guards against is real for this pg_isready
        assert subprocess.run([pg_isready, "-q", "-d", url]).returncode == 3
    for name, command in wait_commands(mocked, url).items():
        wait = run_wait(command, url, postgres_server.install.postgres_bin)
        try:
            output, _ = wait.communicate(timeout=60)
        finally:
            wait.kill()
        assert wait.returncode == 0, f"{name}: {output}"
        assert "waiting for the database" not in output


def test_the_database_wait_waits_while_nothing_listens(postgres_server):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/litellm?schema=litellm&connection_limit=5"
    wait = run_wait(["sh", "-c", WAIT_FOR_DATABASE], url, postgres_server.install.postgres_bin)
    try:
        assert [wait.stdout.readline() for _ in range(2)] == ["waiting for the database\n"] * 2
        assert wait.poll() is None
    finally:
        wait.kill()
        wait.communicate()


def test_a_new_image_gets_a_new_migration_job(mocked):
    first = deploy(mocked, image="ghcr.io/berriai/litellm-non_root:v1.108.7").one(JOB)
    second = deploy(mocked, image="ghcr.io/berriai/litellm-non_root:v1.108.14").one(JOB)
    assert first.manifest["metadata"]["name"] != second.manifest["metadata"]["name"]
    assert first.name == second.name  # same Pulumi resource: the change is a replacement


def migration_job_name(mocked, **kwargs) -> str:
    return deploy(mocked, **kwargs).one(JOB).manifest["metadata"]["name"]


@pytest.mark.parametrize("other_database", [
    "postgresql://litellm:pw@postgres.other-ns.svc:5432/litellm?sslmode=disable",  # namespace / service
    "postgresql://litellm:pw@postgres.ai.svc:5432/litellm2?sslmode=disable",  # database name
    "postgresql://admin:pw@postgres.ai.svc:5432/litellm?sslmode=disable",  # user
    "postgresql://litellm:pw2@postgres.ai.svc:5432/litellm?sslmode=disable",  # password
    "postgresql://u:p@db.example.com:5432/litellm?schema=litemaas",  # an external database
])
def test_a_new_database_gets_a_new_migration_job(mocked, other_database):
    """The gateway runs with DISABLE_SCHEMA_UPDATE=true, so only a new Job migrates a database it was moved to."""
    assert migration_job_name(mocked) == migration_job_name(mocked)
    assert migration_job_name(mocked) != migration_job_name(mocked, database_url=other_database)


def test_the_migration_job_name_reveals_nothing_about_the_database_url(mocked):
    import pulumi
    job = deploy(mocked).one(JOB)
    name = job.manifest["metadata"]["name"]
    assert not has_secret_envelope(job.inputs["metadata"]["name"])  # plain, so the preview can show it
    assert "pw" not in json.dumps(job.manifest) and "postgres.ai.svc" not in json.dumps(job.manifest)
    # Keyed by the salt key: without it, a name cannot be used to test guesses of the database password.
    salted = migration_job_name(mocked, salt_key=pulumi.Output.secret("another-salt-key-" + "x" * 32))
    assert salted != name and len(name) <= 63
