"""`postgres.*`: the bundled PostgreSQL, a CloudNativePG cluster, or an external database; and its backups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import re

import pulumi
from croniter import croniter

from config.reader import KUBERNETES_INT32, MISSING, Reader, ResourcesConfig, check_image, check_namespace, \
    check_object_name, check_positive_quantity, check_postgres_url, read_resources, \
    secret_string, secret_url


DEFAULT_POSTGRES_IMAGE = "docker.io/library/postgres:16.10-alpine"


# LiteLLM's `database_connection_pool_limit` default: connections per worker process.
LITELLM_DB_POOL_PER_POD = 10


POSTGRES_RESERVED_CONNECTIONS = 20


# PostgreSQL's own bound on max_connections (MAX_BACKENDS): above it the server refuses to start.
POSTGRES_MAX_CONNECTIONS = 262143


def max_connections_needed(gateway_replicas: int) -> int:
    """PostgreSQL connections the gateway can open: each pod, one surge pod and the migration Job."""
    return LITELLM_DB_POOL_PER_POD * (gateway_replicas + 2) + POSTGRES_RESERVED_CONNECTIONS


MODES = ("bundled", "cloudnativepg")
# The community operator's API group, and EDB's certified build (what OperatorHub offers on OpenShift).
CLOUDNATIVEPG_API_GROUPS = ("postgresql.cnpg.io", "postgresql.k8s.enterprisedb.io")
# Five cron fields (the CronJob controller's syntax: no seconds, no years) or one of its @-macros; croniter
# checks the fields' ranges.
CRON_FIELD = r"[0-9*?/,\-A-Za-z]+"
CRON = re.compile(rf"^({CRON_FIELD}\s+){{4}}{CRON_FIELD}$|^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$")


CRON_NAMES = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
              "sun", "mon", "tue", "wed", "thu", "fri", "sat"}


def check_cron(value: str) -> Optional[str]:
    schedule = value.strip()
    # croniter also takes Quartz's L, W and H, which the CronJob controller (robfig/cron) refuses.
    names_only = schedule.startswith("@") or all(w.lower() in CRON_NAMES for w in re.findall(r"[A-Za-z]+", schedule))
    if CRON.match(schedule) and names_only and croniter.is_valid(schedule):
        return None
    return ("is not a cron schedule; use five fields (minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6) "
            "such as '15 2 * * *' (daily at 02:15), or @daily")


def check_storage_class(value: str) -> Optional[str]:
    if check_object_name(value):
        return "is not a storage class name; use the lower-case name `oc get storageclass` lists (e.g. fast-ssd)"
    return None


@dataclass(frozen=True)
class CloudNativePGConfig:
    """`postgres.mode: cloudnativepg`: a `Cluster` for an operator that is already installed."""

    instances: int = 3
    api_group: str = CLOUDNATIVEPG_API_GROUPS[0]
    image_name: Optional[str] = None  # the operator's default PostgreSQL image when unset
    # Where the operator runs; its pods must reach the instances (ports 8000 and 5432).
    operator_namespace: Optional[str] = None  # per platform: openshift-operators / cnpg-system


@dataclass(frozen=True)
class BackupConfig:
    """`postgres.backup`: a pg_dump CronJob writing custom-format dumps to its own claim."""

    schedule: str = "15 2 * * *"
    retain: int = 7
    storage_size: str = "20Gi"
    storage_class: Optional[str] = None
    resources: ResourcesConfig = field(
        default_factory=lambda: ResourcesConfig({"cpu": "100m", "memory": "256Mi"}, {"cpu": "1", "memory": "1Gi"}))


@dataclass(frozen=True)
class PostgresConfig:
    image: str = DEFAULT_POSTGRES_IMAGE
    storage_size: str = "10Gi"
    storage_class: Optional[str] = None
    resources: ResourcesConfig = field(
        default_factory=lambda: ResourcesConfig({"cpu": "250m", "memory": "512Mi"}, {"cpu": "1", "memory": "1Gi"})
    )
    max_connections: int = 100
    external_database_url: Optional[pulumi.Output[str]] = None  # secret
    password: Optional[pulumi.Output[str]] = None  # secret; generated once when unset
    delete_data_on_destroy: bool = False
    mode: str = "bundled"
    cloudnativepg: Optional[CloudNativePGConfig] = None  # set in cloudnativepg mode
    backup: Optional[BackupConfig] = None  # no backups unless configured
    # `<namespace>/<kind>`: accept that this one change points the gateway at another (empty) database.
    acknowledge_new_database: Optional[str] = None


POSTGRES_KEYS = ["image", "storageSize", "storageClass", "resources", "maxConnections", "externalDatabaseUrl",
                  "deleteDataOnDestroy", "password", "mode", "cloudnativepg", "backup", "acknowledgeNewDatabase"]
# What configures a deployed PostgreSQL; postgres.image stays in use (pg_isready in the init containers).
BUNDLED_ONLY_KEYS = ["password", "storageSize", "storageClass", "resources", "maxConnections"]
CLOUDNATIVEPG_KEYS = ["instances", "apiGroup", "imageName", "operatorNamespace"]
BACKUP_KEYS = ["schedule", "retain", "storageSize", "storageClass", "resources"]


def parse_cloudnativepg(section: Reader) -> CloudNativePGConfig:
    cnpg = section.child("cloudnativepg", CLOUDNATIVEPG_KEYS)
    defaults = CloudNativePGConfig()
    return CloudNativePGConfig(
        instances=cnpg.integer("instances", defaults.instances, minimum=1, **KUBERNETES_INT32),
        api_group=cnpg.string("apiGroup", defaults.api_group, check=lambda v: None if v in CLOUDNATIVEPG_API_GROUPS
                              else "is not a CloudNativePG API group; use postgresql.cnpg.io (the community "
                              "operator) or postgresql.k8s.enterprisedb.io (EDB Postgres for Kubernetes)"),
        image_name=cnpg.string("imageName", check=check_image("ghcr.io/cloudnative-pg/postgresql:16.10")),
        operator_namespace=cnpg.string("operatorNamespace", check=check_namespace),
    )


def parse_backup(section: Reader) -> BackupConfig:
    backup = section.child("backup", BACKUP_KEYS)
    defaults = BackupConfig()
    return BackupConfig(
        schedule=backup.string("schedule", defaults.schedule, check=check_cron),
        retain=backup.integer("retain", defaults.retain, minimum=1, **KUBERNETES_INT32),
        storage_size=backup.string("storageSize", defaults.storage_size, check=check_positive_quantity),
        storage_class=backup.string("storageClass", check=check_storage_class),
        resources=read_resources(backup, "resources", defaults.resources),
    )


def parse_postgres(top: Reader, gateway_replicas: int, secret_keys: set[str] | frozenset[str]) -> PostgresConfig:
    section = top.child("postgres", POSTGRES_KEYS)
    defaults = PostgresConfig()
    needed = max_connections_needed(gateway_replicas)
    max_connections = section.integer("maxConnections", max(100, needed), minimum=1,
                                      maximum=POSTGRES_MAX_CONNECTIONS, why="PostgreSQL refuses to start above it")
    if needed > POSTGRES_MAX_CONNECTIONS:
        section.fail_key("maxConnections", f"would have to be {needed} for {gateway_replicas} gateway replicas, above "
                         f"PostgreSQL's limit of {POSTGRES_MAX_CONNECTIONS}; lower litellm.replicas "
                         "(or litellm.autoscaling.maxReplicas)")
    elif section.raw("maxConnections") is not MISSING and max_connections is not None and max_connections < needed:
        section.fail_key("maxConnections", f"{max_connections} is too low for {gateway_replicas} gateway replica(s): "
                         f"they can open up to {needed} connections; set it to {needed} or more")
    external_url = secret_url(section, "externalDatabaseUrl", "postgres" in secret_keys,
                              check=check_postgres_url("database"), example="postgresql://…")
    password = secret_string(section, "password", "postgres" in secret_keys, min_length=16)
    if external_url is not None:
        for key in BUNDLED_ONLY_KEYS:
            if section.raw(key) is not MISSING:
                section.fail_key(key, "has no effect with externalDatabaseUrl: no PostgreSQL is deployed (the "
                                 "external server has its own settings); `pulumi config rm --path "
                                 f"postgres.{key}`")
    mode = section.string("mode", defaults.mode, check=lambda v: None if v in MODES else
                          f"is not a database mode; use one of {', '.join(MODES)}")
    cloudnativepg = None
    if mode == "cloudnativepg":
        cloudnativepg = parse_cloudnativepg(section)
        if external_url is not None:
            section.fail_key("mode", "cloudnativepg deploys the database, externalDatabaseUrl points at another one; "
                             "remove one: `pulumi config rm --path postgres.externalDatabaseUrl` or "
                             "`pulumi config rm --path postgres.mode`")
        if password is not None:
            section.fail_key("password", "is generated by the CloudNativePG operator (Secret <cluster>-app) in "
                             "cloudnativepg mode; `pulumi config rm --path postgres.password`")
    elif section.raw("cloudnativepg") is not MISSING:
        section.fail_key("cloudnativepg", "applies to `postgres.mode: cloudnativepg` only; set "
                         "`pulumi config set --path postgres.mode cloudnativepg` or remove it")
    backup = None
    if section.raw("backup") is not MISSING and section.raw("backup") is not None:
        backup = parse_backup(section)
        if mode == "cloudnativepg":
            section.fail_key("backup", "is not supported with `postgres.mode: cloudnativepg`: the operator owns "
                             "that cluster's backups (a ScheduledBackup to an object store with the Barman Cloud "
                             "plugin, or volume snapshots, with point-in-time recovery), and a pg_dump client must "
                             "match the operator's PostgreSQL major version. Configure backups on the Cluster "
                             "(see README, \"Backups and restore\") and `pulumi config rm --path postgres.backup`")
        elif external_url is not None:
            section.fail_key("backup", "backs up the bundled PostgreSQL only; back up the external database where "
                             "it runs, and `pulumi config rm --path postgres.backup`")
    return PostgresConfig(
        image=section.string("image", defaults.image, check=check_image(DEFAULT_POSTGRES_IMAGE)),
        storage_size=section.string("storageSize", defaults.storage_size, check=check_positive_quantity),
        storage_class=section.string("storageClass", check=check_storage_class),
        resources=read_resources(section, "resources", defaults.resources),
        max_connections=max_connections,
        external_database_url=pulumi.Output.secret(external_url) if external_url is not None else None,
        delete_data_on_destroy=section.boolean("deleteDataOnDestroy", False),
        password=password,
        mode=mode,
        cloudnativepg=cloudnativepg,
        backup=backup,
        acknowledge_new_database=section.string("acknowledgeNewDatabase"),
    )
