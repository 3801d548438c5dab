"""PostgreSQL on an installed CloudNativePG operator: a `Cluster` (HA instances) and the NetworkPolicy around it.

The operator creates the pods, Services (`<cluster>-rw` is the primary), volumes and the app Secret
(`<cluster>-app`, type basic-auth, key `uri` = `postgresql://litellm:<password>@<cluster>-rw.<ns>:5432/litellm`).
The gateway reads DATABASE_URL from that Secret, so the password never passes through Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components import kube
from components.postgres import DATABASE, PORT, USER
from config import PostgresConfig

COMPONENT = "postgres"
CLUSTER_NAME = "litellm-db"
APP_SECRET = f"{CLUSTER_NAME}-app"
APP_SECRET_URI_KEY = "uri"
CLUSTER_LABEL = "cnpg.io/cluster"
# The instance manager's status port: the operator polls it, instances reach each other on it.
STATUS_PORT = 8000
# Where each platform's OperatorHub / the upstream manifests install the operator.
DEFAULT_OPERATOR_NAMESPACE = {True: "openshift-operators", False: "cnpg-system"}
# pulumi-kubernetes' own await (annotation `pulumi.com/waitFor`, handled by the provider's generic awaiter):
# the operator sets condition Ready=True once every instance is up ("Cluster in healthy state").
WAIT_FOR = "condition=Ready"
# Bootstrapping three instances (initdb, then two clones) takes minutes on slow storage.
WAIT_SECONDS = 1800


@dataclass
class CloudNativePGArgs:
    namespace: pulumi.Input[str]
    config: PostgresConfig  # mode cloudnativepg
    openshift: bool


def cluster_spec(config: PostgresConfig) -> dict:
    """The Cluster's spec: instances, storage, the litellm database and owner, and the connection limit."""
    cnpg = config.cloudnativepg
    assert cnpg is not None, "cloudnativepg mode without its config"
    storage = {"size": config.storage_size}
    if config.storage_class:
        storage["storageClass"] = config.storage_class
    spec = {
        "instances": cnpg.instances,
        "storage": storage,
        # The operator generates the owner's password into the app Secret.
        "bootstrap": {"initdb": {"database": DATABASE, "owner": USER}},
        "postgresql": {"parameters": {"max_connections": str(config.max_connections)}},
        "resources": {"requests": dict(config.resources.requests), "limits": dict(config.resources.limits)},
        "enableSuperuserAccess": False,
        "inheritedMetadata": {"labels": kube.labels(COMPONENT)},
    }
    if cnpg.image_name:
        spec["imageName"] = cnpg.image_name
    return spec


class CloudNativePGDatabase(pulumi.ComponentResource):
    """An operator-managed PostgreSQL cluster for the gateway; ready (Pulumi waits) before the migration runs."""

    host: pulumi.Output[str]
    database_identity: pulumi.Output[str]

    def __init__(self, name: str, args: CloudNativePGArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("litemaas:index:CloudNativePGDatabase", name, None, opts)
        config = args.config
        cnpg = config.cloudnativepg
        assert cnpg is not None, "cloudnativepg mode without its config"

        self.cluster = k8s.apiextensions.CustomResource(
            f"{name}-cluster",
            api_version=f"{cnpg.api_group}/v1",
            kind="Cluster",
            metadata=kube.metadata(CLUSTER_NAME, args.namespace, COMPONENT, annotations={
                "pulumi.com/waitFor": WAIT_FOR, "pulumi.com/timeoutSeconds": str(WAIT_SECONDS)}),
            spec=cluster_spec(config),
            # The operator deletes the instances' volumes with the Cluster: keep it unless data may go.
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=not config.delete_data_on_destroy))

        operator_namespace = cnpg.operator_namespace or DEFAULT_OPERATOR_NAMESPACE[args.openshift]
        cluster_pods = k8s.meta.v1.LabelSelectorArgs(match_labels={CLUSTER_LABEL: CLUSTER_NAME})
        postgres_and_status = [k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=PORT),
                               k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=STATUS_PORT)]
        self.network_policy = k8s.networking.v1.NetworkPolicy(
            f"{name}-network-policy",
            metadata=kube.metadata("postgres", args.namespace, COMPONENT),
            spec=k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=cluster_pods,
                policy_types=["Ingress"],
                ingress=[
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=k8s.meta.v1.LabelSelectorArgs(
                            match_labels={kube.DATABASE_CLIENT_LABEL: "true"}))],
                        ports=[k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=PORT)]),
                    # Replicas stream from the primary and the instances check each other's status.
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=cluster_pods)],
                        ports=postgres_and_status),
                    # The operator manages the instances through both ports (any pod of its namespace:
                    # the community and EDB builds label their pods differently).
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[k8s.networking.v1.NetworkPolicyPeerArgs(
                            namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                                match_labels={"kubernetes.io/metadata.name": operator_namespace}))],
                        ports=postgres_and_status),
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self))

        self.host = pulumi.Output.concat(f"{CLUSTER_NAME}-rw.", args.namespace, ".svc")
        # Names the database for the migration Job's name (the URL itself is the operator's secret).
        self.database_identity = pulumi.Output.concat(
            f"postgresql://{USER}@{CLUSTER_NAME}-rw.", args.namespace, f":{PORT}/{DATABASE}#", cnpg.api_group)
        self.register_outputs({"host": self.host, "appSecret": APP_SECRET})
