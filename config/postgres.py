"""`postgres.*`: the bundled PostgreSQL, or an external database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

import pulumi

from config.reader import MISSING, Reader, ResourcesConfig, check_positive_quantity, read_resources, secret_string


DEFAULT_POSTGRES_IMAGE = "docker.io/library/postgres:16.10-alpine"


# LiteLLM's `database_connection_pool_limit` default: connections per worker process.
LITELLM_DB_POOL_PER_POD = 10


POSTGRES_RESERVED_CONNECTIONS = 20


def max_connections_needed(gateway_replicas: int) -> int:
    """PostgreSQL connections the gateway can open: each pod, one surge pod and the migration Job."""
    return LITELLM_DB_POOL_PER_POD * (gateway_replicas + 2) + POSTGRES_RESERVED_CONNECTIONS


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


POSTGRES_KEYS = ["image", "storageSize", "storageClass", "resources", "maxConnections", "externalDatabaseUrl",
                  "deleteDataOnDestroy", "password"]


def parse_postgres(top: Reader, gateway_replicas: int, secret_keys: set[str] | frozenset[str]) -> PostgresConfig:
    section = top.child("postgres", POSTGRES_KEYS)
    defaults = PostgresConfig()
    needed = max_connections_needed(gateway_replicas)
    max_connections = section.integer("maxConnections", max(100, needed), minimum=1)
    if section.raw("maxConnections") is not MISSING and max_connections is not None and max_connections < needed:
        section.fail_key("maxConnections", f"{max_connections} is too low for {gateway_replicas} gateway replica(s): "
                         f"they can open up to {needed} connections; set it to {needed} or more")
    external_url = section.string(
        "externalDatabaseUrl", secret=True,
        check=lambda v: None if urlsplit(v).scheme in ("postgresql", "postgres") and urlsplit(v).hostname else
        "is not a PostgreSQL URL; use postgresql://user:password@host:5432/database")
    if external_url is not None and "postgres" not in secret_keys:
        section.fail_key("externalDatabaseUrl", "holds a password but is stored in plain text; set it with "
                         "`pulumi config set --secret --path postgres.externalDatabaseUrl postgresql://…`")
    return PostgresConfig(
        image=section.string("image", defaults.image),
        storage_size=section.string("storageSize", defaults.storage_size, check=check_positive_quantity),
        storage_class=section.string("storageClass"),
        resources=read_resources(section, "resources", defaults.resources),
        max_connections=max_connections,
        external_database_url=pulumi.Output.secret(external_url) if external_url is not None else None,
        delete_data_on_destroy=section.boolean("deleteDataOnDestroy", False),
        password=secret_string(section, "password", "postgres" in secret_keys, min_length=16),
    )
