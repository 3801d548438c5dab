"""PostgreSQL for LiteLLM: a single-replica StatefulSet with its own Secret, Services and NetworkPolicy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import quote

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components import kube
from dynamic_providers.database_volume import DatabaseVolume
from config import PostgresConfig

COMPONENT = "postgres"
PORT = 5432
DATABASE = "litellm"
USER = "litellm"
# POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD: read by the server's entrypoint and by the backup CronJob.
CREDENTIALS_SECRET = "postgres-credentials"
# PGDATA lives one level below the mount: initdb refuses a non-empty mount point (lost+found), and the
# entrypoint can create the subdirectory as whatever UID restricted-v2 assigns.
DATA_MOUNT = "/var/lib/postgresql/data"
PGDATA = f"{DATA_MOUNT}/pgdata"
# The claim the StatefulSet controller creates from the `data` template for pod postgres-0.
CLAIM = "data-postgres-0"
# Characters the generated password may contain besides letters and digits; DATABASE_URL percent-encodes them.
PASSWORD_SPECIALS = "!#%*()-_=+[]{}:?"


# The postgres container's postStart hook: the role's password follows the Secret. POSTGRES_PASSWORD is read only
# by initdb, so without this a new `postgres.password` (or a kept volume reattached with another one) would lock
# the gateway out. Over the local socket, which the image's initdb trusts, so the old password is never needed;
# `\getenv` (psql 15+) keeps the password off every command line. It waits for the server (also the entrypoint's
# temporary one of the first start) and never fails the container: the worst case is the old behaviour.
SYNC_PASSWORD_SQL = r"""
\set ON_ERROR_STOP on
\getenv password POSTGRES_PASSWORD
ALTER ROLE CURRENT_USER PASSWORD :'password';
"""
SYNC_PASSWORD_SCRIPT = f"""\
for attempt in $(seq 1 150); do
  if psql -X -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" >/dev/null 2>&1 <<'SQL'
{SYNC_PASSWORD_SQL.strip()}
SQL
  then echo "password of role $POSTGRES_USER set from the Secret"; exit 0; fi
  sleep 2
done
echo "could not set the password of role $POSTGRES_USER from the Secret" >&2
"""
# On the pod template: the Secret's resourceVersion, which changes with every new password (the Secret is replaced
# or updated), so the pod restarts with it and the hook runs. Carries nothing derived from the password.
CREDENTIALS_VERSION_ANNOTATION = "litemaas.io/postgres-credentials-version"

# The variables libpq clients (pg_dump, psql) read, from the database's own Secret: nothing secret in a pod spec.
LIBPQ_CREDENTIAL_ENV = {"PGUSER": "POSTGRES_USER", "PGPASSWORD": "POSTGRES_PASSWORD", "PGDATABASE": "POSTGRES_DB"}


def libpq_admin_env(host: pulumi.Input[str]) -> list[k8s.core.v1.EnvVarArgs]:
    """libpq's environment for a client Job that connects as the server's owner (the bundled `litellm` user)."""
    return [
        *[env for variable, key in LIBPQ_CREDENTIAL_ENV.items()
          for env in kube.secret_key_env(variable, CREDENTIALS_SECRET, key)],
        k8s.core.v1.EnvVarArgs(name="PGHOST", value=host),
        *kube.plain_env({"PGPORT": str(PORT), "PGCONNECT_TIMEOUT": "30"}),
    ]


@dataclass
class PostgreSQLArgs:
    namespace: pulumi.Input[str]
    config: PostgresConfig
    openshift: bool


class PostgreSQL(pulumi.ComponentResource):
    """The gateway's dedicated database; its volume outlives `pulumi destroy` unless told otherwise."""

    password: pulumi.Output[str]
    host: pulumi.Output[str]
    database_url: pulumi.Output[str]

    def __init__(self, name: str, args: PostgreSQLArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("litemaas:index:PostgreSQL", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args.config
        labels = kube.labels(COMPONENT)
        selector = kube.selector_labels(COMPONENT)

        self.password_resource = None
        if config.password is not None:
            self.password = config.password
        else:
            # No keepers: the password is generated once and stays in state for the life of the stack.
            self.password_resource = random.RandomPassword(
                f"{name}-password", length=32, special=True, override_special=PASSWORD_SPECIALS, opts=child)
            self.password = self.password_resource.result

        self.secret = k8s.core.v1.Secret(
            f"{name}-credentials",
            metadata=kube.metadata(CREDENTIALS_SECRET, args.namespace, COMPONENT),
            type="Opaque",
            string_data={"POSTGRES_USER": USER, "POSTGRES_DB": DATABASE, "POSTGRES_PASSWORD": self.password},
            opts=child)

        self.headless_service = k8s.core.v1.Service(
            f"{name}-headless",
            metadata=kube.metadata("postgres-headless", args.namespace, COMPONENT),
            spec=k8s.core.v1.ServiceSpecArgs(
                cluster_ip="None", publish_not_ready_addresses=True, selector=selector,
                ports=[k8s.core.v1.ServicePortArgs(name="postgres", port=PORT, target_port="postgres")]),
            opts=child)

        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=kube.metadata("postgres", args.namespace, COMPONENT),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP", selector=selector,
                ports=[k8s.core.v1.ServicePortArgs(name="postgres", port=PORT, target_port="postgres")]),
            opts=child)

        ready_check = ["pg_isready", "-h", "127.0.0.1", "-p", str(PORT), "-U", USER, "-d", DATABASE]
        retention = "Delete" if config.delete_data_on_destroy else "Retain"
        self.statefulset = k8s.apps.v1.StatefulSet(
            f"{name}-statefulset",
            metadata=kube.metadata("postgres", args.namespace, COMPONENT),
            spec=k8s.apps.v1.StatefulSetSpecArgs(
                replicas=1,
                service_name="postgres-headless",
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                persistent_volume_claim_retention_policy=k8s.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicyArgs(
                    when_deleted=retention, when_scaled="Retain"),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels, annotations={
                        CREDENTIALS_VERSION_ANNOTATION: self.secret.metadata.resource_version}),
                    spec=k8s.core.v1.PodSpecArgs(
                        automount_service_account_token=False,
                        security_context=kube.pod_security_context(args.openshift, kube.postgres_uid(config.image)),
                        termination_grace_period_seconds=60,
                        containers=[k8s.core.v1.ContainerArgs(
                            name="postgres",
                            image=config.image,
                            args=["-c", f"max_connections={config.max_connections}"],
                            ports=[k8s.core.v1.ContainerPortArgs(name="postgres", container_port=PORT)],
                            env=kube.secret_env(["POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD"],
                                                CREDENTIALS_SECRET) + kube.plain_env({"PGDATA": PGDATA}),
                            resources=kube.resource_requirements(config.resources),
                            security_context=kube.container_security_context(),
                            startup_probe=kube.exec_probe(ready_check, period=5, timeout=5, failures=60),
                            readiness_probe=kube.exec_probe(ready_check, period=10, timeout=5, failures=3),
                            liveness_probe=kube.exec_probe(ready_check, period=15, timeout=5, failures=4),
                            lifecycle=k8s.core.v1.LifecycleArgs(post_start=k8s.core.v1.LifecycleHandlerArgs(
                                exec_=k8s.core.v1.ExecActionArgs(command=["sh", "-c", SYNC_PASSWORD_SCRIPT]))),
                            volume_mounts=[
                                k8s.core.v1.VolumeMountArgs(name="data", mount_path=DATA_MOUNT),
                                # The entrypoint writes its socket and lock files here as the assigned UID.
                                k8s.core.v1.VolumeMountArgs(name="run", mount_path="/var/run/postgresql"),
                                k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
                            ],
                        )],
                        volumes=[kube.empty_dir_volume("run", "64Mi"), kube.empty_dir_volume("tmp", "256Mi")],
                    ),
                ),
                volume_claim_templates=[k8s.core.v1.PersistentVolumeClaimArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(name="data", labels=labels),
                    spec=k8s.core.v1.PersistentVolumeClaimSpecArgs(
                        access_modes=["ReadWriteOnce"],
                        storage_class_name=config.storage_class,
                        resources=k8s.core.v1.VolumeResourceRequirementsArgs(
                            requests={"storage": config.storage_size}),
                    ),
                )],
            ),
            # The templates are immutable: a change would replace the StatefulSet (delete first, and with
            # deleteDataOnDestroy its claim too). Size changes go to the claim below instead.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.secret, self.headless_service],
                                        ignore_changes=["spec.volumeClaimTemplates"]))

        # Refuses at preview what a claim can never do (shrink, change class); see dynamic_providers/database_volume.
        self.volume_guard = DatabaseVolume(
            f"{name}-volume-guard", namespace=args.namespace, claim=CLAIM,
            statefulset_uid=self.statefulset.metadata.uid, storage_size=config.storage_size,
            storage_class=config.storage_class, opts=pulumi.ResourceOptions(parent=self, depends_on=[self.statefulset]))
        # Grows the claim in place; the API server refuses it where the storage class does not allow expansion.
        self.volume = k8s.core.v1.PersistentVolumeClaimPatch(
            f"{name}-volume",
            metadata=k8s.meta.v1.ObjectMetaPatchArgs(
                name=CLAIM, namespace=args.namespace,
                # The StatefulSet controller created the claim and owns the field until this patch takes it.
                annotations={"pulumi.com/patchForce": "true"}),
            spec=k8s.core.v1.PersistentVolumeClaimSpecPatchArgs(
                storage_class_name=config.storage_class,
                resources=k8s.core.v1.VolumeResourceRequirementsPatchArgs(requests={"storage": config.storage_size})),
            # Releasing the patch cannot give the claim back its old size; the claim follows the StatefulSet.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.volume_guard], retain_on_delete=True))

        self.network_policy = kube.client_ingress_policy(f"{name}-network-policy", args.namespace, COMPONENT, PORT,
                                                         kube.DATABASE_CLIENT_LABEL, child)

        self.host = pulumi.Output.concat("postgres.", args.namespace, ".svc")
        # The image serves no TLS; traffic stays inside the namespace behind the NetworkPolicy.
        self.database_url = pulumi.Output.secret(pulumi.Output.all(self.host, self.password).apply(
            lambda parts: f"postgresql://{USER}:{quote(parts[1], safe='')}@{parts[0]}:{PORT}/{DATABASE}"
                          "?sslmode=disable"))

        self.register_outputs({"host": self.host, "databaseUrl": self.database_url})
