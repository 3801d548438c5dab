"""LiteMaaS: the namespace, PostgreSQL, the LiteLLM gateway and the models/teams/keys it serves."""

from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components import kube
from components.cloudnative_pg import APP_SECRET, APP_SECRET_URI_KEY, CloudNativePGArgs, CloudNativePGDatabase
from components.litellm_catalog import LiteLLMCatalog, LiteLLMCatalogArgs
from components.litellm_gateway import LiteLLMGateway, LiteLLMGatewayArgs
from components.monitoring import GatewayMonitoring, GatewayMonitoringArgs
from components.litemaas_app import LiteMaaSWebApp, LiteMaaSWebAppArgs
from components.litemaas_database import LiteMaaSDatabase, LiteMaaSDatabaseArgs
from components.postgres import PostgreSQL, PostgreSQLArgs
from components.postgres_backup import PostgresBackup, PostgresBackupArgs
from components.redis import Redis, RedisArgs
from config import StackConfig
from config.app import DEFAULT_APP_TLS_SECRET
from config.postgres import CLOUDNATIVEPG_API_GROUPS
from config.stack import METRICS_KEY_ALIAS
from dynamic_providers.database_home import DatabaseHome
from dynamic_providers.provider_base import AdminConnection
from dynamic_providers.virtual_key import VirtualKey

NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"
NAMESPACE_PATCH_TYPE = "kubernetes:core/v1:NamespacePatch"


def database_kind(config: StackConfig) -> str:
    """`bundled` / `cloudnativepg` / `cloudnativepg-edb` (the stack's own, in its namespace) or `external`."""
    if config.postgres.external_database_url is not None:
        return "external"
    if config.postgres.mode == "cloudnativepg" and config.postgres.cloudnativepg is not None and \
            config.postgres.cloudnativepg.api_group != CLOUDNATIVEPG_API_GROUPS[0]:
        return "cloudnativepg-edb"  # another operator's Cluster: a new, empty database
    return config.postgres.mode


def namespace_object(config: StackConfig) -> str:
    """`owned` (a Namespace, deleted with the stack), `adopted` (a kept NamespacePatch) or `none`."""
    if not config.create_namespace:
        return "none"
    return "owned" if config.postgres.delete_data_on_destroy else "adopted"


class LiteMaaS(pulumi.ComponentResource):
    """Everything one stack deploys; with `deployGateway: false` only the catalog on an existing LiteLLM."""

    gateway_url: pulumi.Output[str]
    admin_ui_url: pulumi.Output[str]
    master_key: pulumi.Output[str]
    namespace: Optional[pulumi.Output[str]]

    def __init__(self, name: str, config: StackConfig, opts: Optional[pulumi.ResourceOptions] = None):
        """`config` as `resolve.load_stack_config` gives it: checked, its InferenceService models already read."""
        super().__init__("litemaas:index:LiteMaaS", name, None, opts)
        self.namespace_resource = self.postgres = self.gateway = self.backup = self.redis = self.monitoring = None
        self.app_database = self.web_app = None
        self.web_app_url = self.web_app_admin_api_key = None
        self.namespace = None
        self.admin_username = self.admin_password = None
        catalog_dependencies = []

        self.database_home = None
        if config.deploy_gateway:
            namespace: pulumi.Input[str] = config.namespace
            # Checked before anything in the namespace moves: a new namespace or database is refused at preview.
            # (`deployGateway: false` drops it unchecked, but the protected salt key stops that preview.)
            self.database_home = DatabaseHome(
                "database-home", namespace=config.namespace, kind=database_kind(config),
                acknowledged=config.postgres.acknowledge_new_database, namespace_object=namespace_object(config),
                opts=pulumi.ResourceOptions(parent=self))
            guarded = pulumi.ResourceOptions(parent=self, depends_on=[self.database_home])
            if config.create_namespace and config.postgres.delete_data_on_destroy:
                # Owned (deleted by `destroy`). The alias makes a switch of deleteDataOnDestroy an update of the
                # same object: without it `up` would create the patch and then delete the Namespace, data and all.
                self.namespace_resource = k8s.core.v1.Namespace(
                    f"{name}-namespace",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=config.namespace, labels=kube.labels("litemaas")),
                    opts=pulumi.ResourceOptions.merge(guarded, pulumi.ResourceOptions(
                        aliases=[pulumi.Alias(type_=NAMESPACE_PATCH_TYPE)])))
                namespace = self.namespace_resource.metadata.name
            elif config.create_namespace:
                # A kept database volume needs its namespace (deleting it would delete the PVC), so `destroy`
                # leaves it, and the next `up` (reattaching the volume) finds it there. A server-side-apply
                # patch creates the namespace or adopts the kept one; a Namespace would fail with AlreadyExists.
                self.namespace_resource = k8s.core.v1.NamespacePatch(
                    f"{name}-namespace",
                    metadata=k8s.meta.v1.ObjectMetaPatchArgs(name=config.namespace, labels=kube.labels("litemaas")),
                    opts=pulumi.ResourceOptions.merge(guarded, pulumi.ResourceOptions(
                        retain_on_delete=True, aliases=[pulumi.Alias(type_=NAMESPACE_TYPE)])))
                namespace = self.namespace_resource.metadata.name
            self.namespace = pulumi.Output.from_input(namespace)

            database_url_secret = None
            database_dependencies: list[pulumi.Resource] = []
            if config.postgres.external_database_url is not None:
                database_url = config.postgres.external_database_url
            elif config.postgres.mode == "cloudnativepg":
                self.postgres = CloudNativePGDatabase(
                    "postgres",
                    CloudNativePGArgs(namespace=namespace, config=config.postgres, openshift=config.openshift),
                    opts=guarded)
                database_url = self.postgres.database_identity
                database_url_secret = (APP_SECRET, APP_SECRET_URI_KEY)
                # The migration needs a primary that accepts connections: Pulumi waits for the Cluster's Ready.
                database_dependencies = [self.postgres.cluster]
            else:
                self.postgres = PostgreSQL(
                    "postgres",
                    PostgreSQLArgs(namespace=namespace, config=config.postgres, openshift=config.openshift),
                    opts=guarded)
                database_url = self.postgres.database_url
                if config.postgres.backup is not None:
                    self.backup = PostgresBackup(
                        "postgres-backup",
                        PostgresBackupArgs(namespace=namespace, config=config.postgres.backup,
                                           openshift=config.openshift, image=config.postgres.image,
                                           host=self.postgres.host,
                                           delete_data_on_destroy=config.postgres.delete_data_on_destroy),
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[self.postgres.secret]))

            redis_url = config.redis.url
            if config.redis.enabled:
                self.redis = Redis("redis", RedisArgs(namespace=namespace, config=config.redis,
                                                      openshift=config.openshift),
                                   opts=pulumi.ResourceOptions(parent=self))
                redis_url = self.redis.url

            self.gateway = LiteLLMGateway(
                "litellm",
                LiteLLMGatewayArgs(
                    namespace=namespace, config=config.litellm, openshift=config.openshift,
                    database_url=database_url, wait_image=config.postgres.image,
                    hostname=config.hostname, ingress_class_name=config.ingress_class_name,
                    ingress=config.ingress,
                    ingress_namespaces=config.litellm.ingress_namespaces,
                    master_key=config.master_key,
                    protect_salt_key=not config.postgres.delete_data_on_destroy,
                    database_url_secret=database_url_secret, database_dependencies=database_dependencies,
                    redis_url=redis_url, monitoring=config.monitoring, alerting=config.alerting),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[
                    r for r in (self.database_home, self.postgres, self.redis) if r]))
            self.master_key = self.gateway.master_key
            self.gateway_url = (pulumi.Output.from_input(config.gateway_url) if config.gateway_url
                                else self.gateway.gateway_url)
            self.admin_ui_url = pulumi.Output.concat(self.gateway_url, "/ui")
            self.admin_username = self.gateway.admin_username
            self.admin_password = self.gateway.admin_password
            # The admin API answers only once the Deployment is ready (and the migration has run).
            catalog_dependencies = [self.gateway.deployment]
            if config.backend.enabled:
                self._web_app(config, namespace)
        elif config.tenant_of is not None:  # a tenant stack: the platform stack's gateway, read by reference
            self.master_key = config.tenant_of.master_key
            self.gateway_url = config.tenant_of.gateway_url
            self.admin_ui_url = pulumi.Output.concat(self.gateway_url, "/ui")
        else:
            self.master_key = config.master_key
            self.gateway_url = pulumi.Output.from_input(config.gateway_url)
            self.admin_ui_url = pulumi.Output.concat(self.gateway_url, "/ui")

        self.catalog = LiteLLMCatalog(
            "catalog",
            LiteLLMCatalogArgs(admin_url=self.gateway_url, master_key=self.master_key,
                               admin_url_in_stack_config=config.gateway_url is not None,
                               master_key_in_stack_config=config.master_key is not None,
                               models=config.models, teams=config.teams, keys=config.keys,
                               fallbacks=config.fallbacks, access_groups=config.access_groups,
                               users=config.users, credentials=config.credentials, budgets=config.budgets,
                               customers=config.customers, prompts=config.prompts, tags=config.tags,
                               guardrails=config.guardrails, mcp_servers=config.mcp_servers,
                               vector_stores=config.vector_stores, mcp_toolsets=config.mcp_toolsets,
                               search_tools=config.search_tools, agents=config.agents, existing=config.existing,
                               unified_access_groups=config.unified_access_groups,
                               platform_grantables=config.tenant_of.grantables if config.tenant_of else {}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=catalog_dependencies))

        if config.deploy_gateway and config.monitoring.enabled:
            # A key that may call /metrics and nothing else (allowed_routes), so Prometheus never holds the
            # master key; LiteLLM 1.108.7 refuses /metrics to other non-admin keys.
            connection = AdminConnection(
                admin_url=None if config.gateway_url is not None else self.gateway_url,
                master_key=None if config.master_key is not None else pulumi.Output.secret(self.master_key))
            scrape_key = VirtualKey("litellm-metrics-key", connection=connection, key_alias=METRICS_KEY_ALIAS,
                                    allowed_routes=["/metrics"],
                                    metadata={"purpose": "Prometheus scraping of /metrics (LiteMaaS)"},
                                    opts=pulumi.ResourceOptions(parent=self, depends_on=catalog_dependencies))
            self.monitoring = GatewayMonitoring(
                "litellm-monitoring",
                GatewayMonitoringArgs(namespace=self.namespace, config=config.monitoring, scrape_key=scrape_key.key,
                                      backups=self.backup is not None),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.gateway.service]))

        self.register_outputs({"gatewayUrl": self.gateway_url, "adminUiUrl": self.admin_ui_url,
                               "masterKey": self.master_key, "namespace": self.namespace,
                               "webAppUrl": self.web_app_url})

    def _web_app(self, config: StackConfig, namespace: pulumi.Input[str]) -> None:
        """The optional LiteMaaS app; its own database in the bundled PostgreSQL unless backend.databaseUrl."""
        if config.backend.database_url is not None:
            database_url, database_ready = config.backend.database_url, []
        else:
            # config refuses the app without backend.databaseUrl unless PostgreSQL is the bundled one.
            self.app_database = LiteMaaSDatabase(
                "litemaas-database",
                LiteMaaSDatabaseArgs(namespace=namespace, openshift=config.openshift, image=config.postgres.image,
                                     host=self.postgres.host, depends_on=(self.postgres,)),
                opts=pulumi.ResourceOptions(parent=self))
            database_url, database_ready = self.app_database.database_url, [self.app_database.job]
        tls_secret = config.frontend.tls_secret_name or (DEFAULT_APP_TLS_SECRET if config.ingress.cluster_issuer
                                                         else None)
        self.web_app = LiteMaaSWebApp(
            "litemaas-app",
            LiteMaaSWebAppArgs(
                namespace=namespace, openshift=config.openshift, frontend=config.frontend, backend=config.backend,
                oauth=config.oauth, database_url=database_url, wait_image=config.postgres.image,
                ingress_namespaces=config.litellm.ingress_namespaces, ingress_class_name=config.ingress_class_name,
                cluster_issuer=config.ingress.cluster_issuer, tls_secret_name=tls_secret,
                depends_on=[*database_ready, self.gateway.deployment]),
            opts=pulumi.ResourceOptions(parent=self))
        self.web_app_url = self.web_app.url
        self.web_app_admin_api_key = self.web_app.admin_api_key
