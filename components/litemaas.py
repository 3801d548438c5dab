"""LiteMaaS: the namespace, PostgreSQL, the LiteLLM gateway and the models/teams/keys it serves."""

from __future__ import annotations

from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components import kube
from components.cloudnative_pg import APP_SECRET, APP_SECRET_URI_KEY, CloudNativePGArgs, CloudNativePGDatabase
from components.inference_service import Read, resolve_models
from components.litellm_catalog import LiteLLMCatalog, LiteLLMCatalogArgs
from components.litellm_gateway import LiteLLMGateway, LiteLLMGatewayArgs
from components.postgres import PostgreSQL, PostgreSQLArgs
from components.postgres_backup import PostgresBackup, PostgresBackupArgs
from config import StackConfig


class LiteMaaS(pulumi.ComponentResource):
    """Everything one stack deploys; with `deployGateway: false` only the catalog on an existing LiteLLM."""

    gateway_url: pulumi.Output[str]
    admin_ui_url: pulumi.Output[str]
    master_key: pulumi.Output[str]
    namespace: Optional[pulumi.Output[str]]

    def __init__(self, name: str, config: StackConfig, opts: Optional[pulumi.ResourceOptions] = None,
                 kube_read: Optional[Read] = None):
        """`kube_read` GETs Kubernetes objects for `models[].inferenceService` (default: the deploy credentials)."""
        # Before any resource: a missing or unready InferenceService is a config error at preview.
        models = resolve_models(config.models, kube_read)
        super().__init__("litemaas:index:LiteMaaS", name, None, opts)
        self.namespace_resource = self.postgres = self.gateway = self.backup = None
        self.namespace = None
        self.admin_username = self.admin_password = None
        catalog_dependencies = []

        if config.deploy_gateway:
            namespace: pulumi.Input[str] = config.namespace
            if config.create_namespace and config.postgres.delete_data_on_destroy:
                self.namespace_resource = k8s.core.v1.Namespace(
                    f"{name}-namespace",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=config.namespace, labels=kube.labels("litemaas")),
                    opts=pulumi.ResourceOptions(parent=self))
                namespace = self.namespace_resource.metadata.name
            elif config.create_namespace:
                # A kept database volume needs its namespace (deleting it would delete the PVC), so `destroy`
                # leaves it, and the next `up` (reattaching the volume) finds it there. A server-side-apply
                # patch creates the namespace or adopts the kept one; a Namespace would fail with AlreadyExists.
                self.namespace_resource = k8s.core.v1.NamespacePatch(
                    f"{name}-namespace",
                    metadata=k8s.meta.v1.ObjectMetaPatchArgs(name=config.namespace, labels=kube.labels("litemaas")),
                    opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True))
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
                    opts=pulumi.ResourceOptions(parent=self))
                database_url = self.postgres.database_identity
                database_url_secret = (APP_SECRET, APP_SECRET_URI_KEY)
                # The migration needs a primary that accepts connections: Pulumi waits for the Cluster's Ready.
                database_dependencies = [self.postgres.cluster]
            else:
                self.postgres = PostgreSQL(
                    "postgres",
                    PostgreSQLArgs(namespace=namespace, config=config.postgres, openshift=config.openshift),
                    opts=pulumi.ResourceOptions(parent=self))
                database_url = self.postgres.database_url
                if config.postgres.backup is not None:
                    self.backup = PostgresBackup(
                        "postgres-backup",
                        PostgresBackupArgs(namespace=namespace, config=config.postgres.backup,
                                           openshift=config.openshift, image=config.postgres.image,
                                           host=self.postgres.host,
                                           delete_data_on_destroy=config.postgres.delete_data_on_destroy),
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[self.postgres.secret]))

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
                    database_url_secret=database_url_secret, database_dependencies=database_dependencies),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.postgres] if self.postgres else None))
            self.master_key = self.gateway.master_key
            self.gateway_url = (pulumi.Output.from_input(config.gateway_url) if config.gateway_url
                                else self.gateway.gateway_url)
            self.admin_ui_url = pulumi.Output.concat(self.gateway_url, "/ui")
            self.admin_username = self.gateway.admin_username
            self.admin_password = self.gateway.admin_password
            # The admin API answers only once the Deployment is ready (and the migration has run).
            catalog_dependencies = [self.gateway.deployment]
        else:
            self.master_key = config.master_key
            self.gateway_url = pulumi.Output.from_input(config.gateway_url)
            self.admin_ui_url = pulumi.Output.concat(self.gateway_url, "/ui")

        self.catalog = LiteLLMCatalog(
            "catalog",
            LiteLLMCatalogArgs(admin_url=self.gateway_url, master_key=self.master_key, admin_api=config.admin_api,
                               models=models, teams=config.teams, keys=config.keys),
            opts=pulumi.ResourceOptions(parent=self, depends_on=catalog_dependencies))

        self.register_outputs({"gatewayUrl": self.gateway_url, "adminUiUrl": self.admin_ui_url,
                               "masterKey": self.master_key, "namespace": self.namespace})
