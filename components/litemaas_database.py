"""The LiteMaaS app's own database in the bundled PostgreSQL: a role, a database, and the Job that creates them.

Never LiteLLM's database: while both shared one, a LiteLLM start with schema updates wiped the app's tables (the
seed's successor, 2026-06-18). An init script would run only on an empty data directory, so a Job runs `psql` on
every new deployment of the app instead: it creates the role and the database when they are missing (also on a
volume that predates the app), and sets the role's password to the one in the app's Secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import quote

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components import kube
from components.postgres import PORT, libpq_admin_env

COMPONENT = "litemaas-database"
USER = "litemaas"
DATABASE = "litemaas_db"
SECRET_NAME = "litemaas-database"
JOB_NAME = "litemaas-database-init"
PASSWORD_KEY = "LITEMAAS_DB_PASSWORD"
URL_KEY = "DATABASE_URL"

# psql 15+ (`\getenv`): the password never appears on a command line; `format(%I, %L)` quotes names and values.
# Idempotent: CREATE only when missing, ALTER every time (the Secret is the truth). PUBLIC loses CONNECT on both
# databases, so the app's role cannot open LiteLLM's database (the owners keep theirs).
INIT_SQL = r"""
\set ON_ERROR_STOP on
\getenv app_user LITEMAAS_DB_USER
\getenv app_password LITEMAAS_DB_PASSWORD
\getenv app_database LITEMAAS_DB_NAME
\getenv litellm_database PGDATABASE
SELECT format('CREATE ROLE %I LOGIN', :'app_user')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',
              :'app_user', :'app_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'app_database', :'app_user')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'app_database') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'app_database', :'app_user') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'app_database') \gexec
SELECT format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', :'litellm_database') \gexec
"""

INIT_SCRIPT = f"""\
set -eu
until pg_isready -q; do echo "waiting for the database"; sleep 3; done
psql -X -q <<'SQL'
{INIT_SQL.strip()}
SQL
echo "litemaas database: role $LITEMAAS_DB_USER and database $LITEMAAS_DB_NAME ready"
"""


@dataclass
class LiteMaaSDatabaseArgs:
    namespace: pulumi.Input[str]
    openshift: bool
    image: str  # the PostgreSQL image (psql, pg_isready; as new as the server)
    host: pulumi.Input[str]  # the bundled PostgreSQL's Service
    depends_on: tuple[pulumi.Resource, ...] = ()


class LiteMaaSDatabase(pulumi.ComponentResource):
    """`litemaas_db`, owned by role `litemaas`, next to LiteLLM's database; created (never dropped) by a Job."""

    database_url: pulumi.Output[str]

    def __init__(self, name: str, args: LiteMaaSDatabaseArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("litemaas:index:LiteMaaSDatabase", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # No keepers: generated once per life of the app; the Job puts a new one into the role if it ever changes.
        password = random.RandomPassword(f"{name}-password", length=32, special=False, opts=child).result
        self.database_url = pulumi.Output.secret(pulumi.Output.all(args.host, password).apply(
            lambda parts: f"postgresql://{USER}:{quote(parts[1], safe='')}@{parts[0]}:{PORT}/{DATABASE}"
                          "?sslmode=disable"))
        self.secret = k8s.core.v1.Secret(
            f"{name}-credentials",
            metadata=kube.metadata(SECRET_NAME, args.namespace, COMPONENT),
            type="Opaque",
            string_data={PASSWORD_KEY: password, URL_KEY: self.database_url},
            opts=child)

        labels = {**kube.labels(COMPONENT), kube.DATABASE_CLIENT_LABEL: "true"}
        self.job = k8s.batch.v1.Job(
            f"{name}-init",
            metadata=kube.metadata(JOB_NAME, args.namespace, COMPONENT),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=6,
                active_deadline_seconds=1800,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        restart_policy="Never",
                        automount_service_account_token=False,
                        security_context=kube.pod_security_context(args.openshift, kube.postgres_uid(args.image)),
                        containers=[k8s.core.v1.ContainerArgs(
                            name="create-database",
                            image=args.image,
                            command=["sh", "-c", INIT_SCRIPT],
                            env=[*libpq_admin_env(args.host),
                                 *kube.plain_env({"PGSSLMODE": "disable", "LITEMAAS_DB_USER": USER,
                                                  "LITEMAAS_DB_NAME": DATABASE}),
                                 *kube.secret_env([PASSWORD_KEY], SECRET_NAME)],
                            resources=k8s.core.v1.ResourceRequirementsArgs(
                                requests={"cpu": "10m", "memory": "32Mi"}, limits={"cpu": "200m", "memory": "128Mi"}),
                            security_context=kube.container_security_context(),
                            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
                        )],
                        volumes=[kube.empty_dir_volume("tmp", "64Mi")],
                    ),
                ),
            ),
            # Job specs are immutable: a changed one is a new Job under the same name.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.secret, *args.depends_on],
                                        delete_before_replace=True))

        self.register_outputs({"database": DATABASE, "user": USER})
