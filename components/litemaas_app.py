"""The LiteMaaS self-service web app: backend (Fastify) and frontend (nginx), their exposure and OAuth wiring.

One host serves the app: `/` is the frontend, `/api` the backend (the seed's layout; the OAuth callback is
`https://<host>/api/auth/callback`). The backend keeps its OAuth state in memory, so it runs as exactly one pod
(Recreate, never two during a rollout) behind a Service with ClientIP session affinity.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components import kube
from components.litellm_gateway import PORT as LITELLM_PORT, SECRET_NAME as LITELLM_SECRET
from config import BackendConfig, FrontendConfig, OAuthConfig

BACKEND = "litemaas-backend"
FRONTEND = "litemaas-frontend"
PORT = 8080
BACKEND_SECRET = "litemaas-backend"
OAUTH_SERVICE_ACCOUNT = "litemaas-oauth"
OAUTH_TOKEN_SECRET = "litemaas-oauth-token"
CALLBACK_PATH = "/api/auth/callback"
REDIRECT_ANNOTATION = "serviceaccounts.openshift.io/oauth-redirecturi.litemaas"
REDIRECT_REFERENCE_ANNOTATION = "serviceaccounts.openshift.io/oauth-redirectreference.litemaas"
# The app's rate limit defaults (requests per window per client).
RATE_LIMIT = {"RATE_LIMIT_MAX": "1000", "RATE_LIMIT_TIME_WINDOW": "5m"}


class OAuthClient(pulumi.CustomResource):
    """`oauth.openshift.io/v1 OAuthClient` (cluster-scoped; its fields are top-level, there is no spec)."""

    def __init__(self, name: str, *, client_id: pulumi.Input[str], secret: pulumi.Input[str],
                 redirect_uris: pulumi.Input[Sequence[str]], grant_method: str,
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("kubernetes:oauth.openshift.io/v1:OAuthClient", name, {
            "apiVersion": "oauth.openshift.io/v1", "kind": "OAuthClient",
            "metadata": {"name": client_id, "labels": kube.labels(BACKEND)},
            "secret": secret, "redirectURIs": redirect_uris, "grantMethod": grant_method,
        }, opts)


def openshift_issuer(host: str) -> str:
    """The cluster's OAuth server for an app host under the apps domain (`<name>.<apps domain>`)."""
    return f"https://oauth-openshift.{host.split('.', 1)[1]}" if "." in host else f"https://oauth-openshift.{host}"


@dataclass
class LiteMaaSWebAppArgs:
    namespace: pulumi.Input[str]
    openshift: bool
    frontend: FrontendConfig
    backend: BackendConfig
    oauth: OAuthConfig
    database_url: pulumi.Input[str]  # secret: the app's own database
    wait_image: str  # an image with pg_isready
    ingress_namespaces: tuple[str, ...] = ("ingress-nginx",)
    ingress_class_name: Optional[str] = None
    cluster_issuer: Optional[str] = None
    tls_secret_name: Optional[str] = None  # kubernetes: the app Ingress's certificate
    depends_on: Sequence[pulumi.Resource] = ()  # the database (its creation Job) and the gateway


class LiteMaaSWebApp(pulumi.ComponentResource):
    """Backend and (optionally) frontend; their Services, Routes or Ingress, NetworkPolicies, and OAuth."""

    url: pulumi.Output[str]
    admin_api_key: pulumi.Output[str]

    def __init__(self, name: str, args: LiteMaaSWebAppArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("litemaas:index:LiteMaaSWebApp", name, None, opts)
        jwt_secret, client_secret = self._generated_secrets(name, args)
        self._services(name, args)
        # Exposure first: the host decides the callback URL, the CORS origin and the OpenShift issuer.
        host = self._routes(name, args) if args.openshift else self._ingress(name, args)
        origin = pulumi.Output.concat("https://", host)
        callback = pulumi.Output.concat(origin, CALLBACK_PATH)
        self.url = origin if args.frontend.enabled else pulumi.Output.concat(origin, "/api")
        oauth_env, client_secret_env = self._oauth(name, args, host, callback, client_secret)
        secret_data = self._backend_secret(name, args, jwt_secret, client_secret)
        self._backend_deployment(name, args, _backend_env(args, origin, oauth_env, client_secret_env), secret_data)
        self._frontend_deployment(name, args)
        self._network_policies(name, args)
        self.register_outputs({"url": self.url, "adminApiKey": self.admin_api_key})

    def _generated_secrets(self, name: str, args: LiteMaaSWebAppArgs,
                           ) -> tuple[pulumi.Output[str], Optional[pulumi.Input[str]]]:
        """The JWT secret and the admin API key; returns the JWT secret and the OAuth client secret, if any."""
        child = pulumi.ResourceOptions(parent=self)
        oauth = args.oauth
        # No keepers: generated once for the life of the app (turning it off and on again makes new ones).
        jwt_secret = random.RandomPassword(f"{name}-jwt-secret", length=64, special=False, opts=child).result
        self.admin_api_key = pulumi.Output.secret(pulumi.Output.concat(
            "ltm_admin_", random.RandomPassword(f"{name}-admin-api-key", length=48, special=False, opts=child).result))
        client_secret: Optional[pulumi.Input[str]] = None
        if oauth.enabled and oauth.mode == "oauthclient":
            client_secret = random.RandomPassword(f"{name}-oauth-client-secret", length=48, special=False,
                                                  opts=child).result
        elif oauth.enabled and oauth.mode == "oidc":
            client_secret = oauth.client_secret
        return jwt_secret, client_secret

    def _services(self, name: str, args: LiteMaaSWebAppArgs) -> None:
        self.backend_service = k8s.core.v1.Service(
            f"{name}-backend-service",
            metadata=kube.metadata(BACKEND, args.namespace, BACKEND),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP", selector=kube.selector_labels(BACKEND),
                # The backend's OAuth state is per pod; keep each browser on the pod that started its login.
                session_affinity="ClientIP",
                session_affinity_config=k8s.core.v1.SessionAffinityConfigArgs(
                    client_ip=k8s.core.v1.ClientIPConfigArgs(timeout_seconds=3600)),
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=PORT, target_port="http")]),
            opts=pulumi.ResourceOptions(parent=self))
        self.frontend_service = None
        if args.frontend.enabled:
            self.frontend_service = k8s.core.v1.Service(
                f"{name}-frontend-service",
                metadata=kube.metadata(FRONTEND, args.namespace, FRONTEND),
                spec=k8s.core.v1.ServiceSpecArgs(
                    type="ClusterIP", selector=kube.selector_labels(FRONTEND),
                    ports=[k8s.core.v1.ServicePortArgs(name="http", port=PORT, target_port="http")]),
                opts=pulumi.ResourceOptions(parent=self))

    def _routes(self, name: str, args: LiteMaaSWebAppArgs) -> pulumi.Input[str]:
        """OpenShift: the frontend's Route and the backend's on its /api path; returns the app's host."""
        frontend = args.frontend
        self.frontend_route = self.backend_route = self.ingress = None
        if frontend.enabled:
            self.frontend_route = kube.edge_route(
                f"{name}-frontend-route", args.namespace, FRONTEND, FRONTEND, timeout=frontend.route_timeout,
                host=frontend.hostname, opts=pulumi.ResourceOptions(parent=self, depends_on=[self.frontend_service]))
            host = (frontend.hostname if frontend.hostname
                    else self.frontend_route.spec.apply(kube.assigned_host(FRONTEND)))
            # Same host, path /api: the router sends the API (and the OAuth callback) straight to the backend.
            self.backend_route = kube.edge_route(
                f"{name}-backend-route", args.namespace, BACKEND, BACKEND, timeout=frontend.route_timeout,
                host=host, path="/api", opts=pulumi.ResourceOptions(parent=self, depends_on=[self.backend_service]))
            return host
        self.backend_route = kube.edge_route(
            f"{name}-backend-route", args.namespace, BACKEND, BACKEND, timeout=frontend.route_timeout,
            host=frontend.hostname, path="/api",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.backend_service]))
        return frontend.hostname if frontend.hostname else self.backend_route.spec.apply(kube.assigned_host(BACKEND))

    def _ingress(self, name: str, args: LiteMaaSWebAppArgs) -> pulumi.Input[str]:
        """Kubernetes: one Ingress, /api to the backend and / to the frontend; returns the app's host."""
        frontend = args.frontend
        self.frontend_route = self.backend_route = None
        paths = [("/api", BACKEND)] + ([("/", FRONTEND)] if frontend.enabled else [])
        self.ingress = k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata=kube.metadata("litemaas", args.namespace, FRONTEND, annotations=(
                {"cert-manager.io/cluster-issuer": args.cluster_issuer} if args.cluster_issuer else None)),
            spec=k8s.networking.v1.IngressSpecArgs(
                ingress_class_name=args.ingress_class_name,
                tls=[k8s.networking.v1.IngressTLSArgs(hosts=[frontend.hostname], secret_name=args.tls_secret_name)],
                rules=[k8s.networking.v1.IngressRuleArgs(
                    host=frontend.hostname,
                    http=k8s.networking.v1.HTTPIngressRuleValueArgs(paths=[
                        k8s.networking.v1.HTTPIngressPathArgs(
                            path=path, path_type="Prefix",
                            backend=k8s.networking.v1.IngressBackendArgs(
                                service=k8s.networking.v1.IngressServiceBackendArgs(
                                    name=service, port=k8s.networking.v1.ServiceBackendPortArgs(name="http"))))
                        for path, service in paths]))]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[s for s in (self.backend_service,
                                                                            self.frontend_service) if s]))
        return frontend.hostname  # required by config on kubernetes

    def _oauth(self, name: str, args: LiteMaaSWebAppArgs, host: pulumi.Input[str], callback: pulumi.Output[str],
               client_secret: Optional[pulumi.Input[str]],
               ) -> tuple[dict[str, pulumi.Input[str]], list[k8s.core.v1.EnvVarArgs]]:
        """Who the backend is to the login server, and the secret that proves it: (plain env, client secret env)."""
        oauth = args.oauth
        self.service_account = self.token_secret = self.oauth_client = None
        if not oauth.enabled:
            return {}, []
        oauth_env: dict[str, pulumi.Input[str]] = {}
        issuer = (oauth.issuer if oauth.issuer or oauth.mode == "oidc"
                  else pulumi.Output.from_input(host).apply(openshift_issuer))
        client_secret_env = kube.secret_env(["OAUTH_CLIENT_SECRET"], BACKEND_SECRET)
        if oauth.mode == "serviceaccount":
            client_id = pulumi.Output.concat("system:serviceaccount:", args.namespace, f":{OAUTH_SERVICE_ACCOUNT}")
            self._oauth_service_account(name, args, callback)
            client_secret_env = kube.secret_key_env("OAUTH_CLIENT_SECRET", OAUTH_TOKEN_SECRET, "token")
        elif oauth.mode == "oauthclient":
            client_id = pulumi.Output.from_input(oauth.client_id) if oauth.client_id else \
                pulumi.Output.concat("litemaas-", args.namespace)
            # Cluster-scoped: creating it needs cluster-admin (README).
            self.oauth_client = OAuthClient(
                f"{name}-oauth-client", client_id=client_id, secret=pulumi.Output.secret(client_secret),
                redirect_uris=pulumi.Output.all(callback).apply(list), grant_method=oauth.grant_method,
                opts=pulumi.ResourceOptions(parent=self))
        else:
            client_id = pulumi.Output.from_input(oauth.client_id)
            oauth_env["OIDC_GROUPS_CLAIM"] = oauth.groups_claim
            if oauth.scopes:
                oauth_env["OIDC_SCOPES"] = oauth.scopes
        oauth_env = {"AUTH_PROVIDER": "oidc" if oauth.mode == "oidc" else "openshift",
                     "OAUTH_CLIENT_ID": client_id, "OAUTH_ISSUER": issuer, "OAUTH_CALLBACK_URL": callback,
                     **oauth_env}
        if oauth.insecure_skip_tls_verify:
            oauth_env["NODE_TLS_REJECT_UNAUTHORIZED"] = "0"
        return oauth_env, client_secret_env

    def _oauth_service_account(self, name: str, args: LiteMaaSWebAppArgs, callback: pulumi.Output[str]) -> None:
        """The ServiceAccount the backend logs in as, and the token Secret its client secret comes from."""
        # The redirect is allowed by annotation (no cluster-admin): the exact callback, and the Route by
        # reference, which stays right when the router assigns another host.
        self.service_account = k8s.core.v1.ServiceAccount(
            f"{name}-oauth-service-account",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=OAUTH_SERVICE_ACCOUNT, namespace=args.namespace, labels=kube.labels(BACKEND),
                annotations={
                    REDIRECT_ANNOTATION: callback,
                    REDIRECT_REFERENCE_ANNOTATION: (
                        '{"kind":"OAuthRedirectReference","apiVersion":"v1","reference":'
                        f'{{"kind":"Route","name":"{FRONTEND if args.frontend.enabled else BACKEND}"}}}}'),
                }),
            automount_service_account_token=False,
            opts=pulumi.ResourceOptions(parent=self))
        # The token controller fills this Secret; its token is the client secret.
        self.token_secret = k8s.core.v1.Secret(
            f"{name}-oauth-token",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=OAUTH_TOKEN_SECRET, namespace=args.namespace, labels=kube.labels(BACKEND),
                annotations={"kubernetes.io/service-account.name": OAUTH_SERVICE_ACCOUNT}),
            type="kubernetes.io/service-account-token",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service_account], ignore_changes=["data"]))

    def _backend_secret(self, name: str, args: LiteMaaSWebAppArgs, jwt_secret: pulumi.Input[str],
                        client_secret: Optional[pulumi.Input[str]]) -> dict[str, pulumi.Input[str]]:
        """The backend's credentials Secret; returns its data (the pod's credentials digest hashes it)."""
        secret_data: dict[str, pulumi.Input[str]] = {"JWT_SECRET": jwt_secret, "ADMIN_API_KEYS": self.admin_api_key,
                                                     "DATABASE_URL": args.database_url}
        if client_secret is not None:
            secret_data["OAUTH_CLIENT_SECRET"] = client_secret
        self.secret = k8s.core.v1.Secret(
            f"{name}-backend-credentials",
            metadata=kube.metadata(BACKEND_SECRET, args.namespace, BACKEND),
            type="Opaque", string_data=secret_data, opts=pulumi.ResourceOptions(parent=self))
        return secret_data

    def _backend_deployment(self, name: str, args: LiteMaaSWebAppArgs, env: list[k8s.core.v1.EnvVarArgs],
                            secret_data: dict[str, pulumi.Input[str]]) -> None:
        backend = args.backend
        # Rolls the pod when a credential it reads at start changes, without secret material in the spec.
        digest = pulumi.Output.unsecret(pulumi.Output.all(*secret_data.values()).apply(
            lambda values: hashlib.sha256("\0".join(values).encode()).hexdigest()[:16]))
        self.backend_deployment = k8s.apps.v1.Deployment(
            f"{name}-backend",
            metadata=kube.metadata(BACKEND, args.namespace, BACKEND),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,  # OAuth state in memory: never more than one pod
                strategy=k8s.apps.v1.DeploymentStrategyArgs(type="Recreate"),
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=kube.selector_labels(BACKEND)),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        labels={**kube.labels(BACKEND), kube.DATABASE_CLIENT_LABEL: "true"},
                        annotations={"litemaas.io/credentials-digest": digest}),
                    spec=k8s.core.v1.PodSpecArgs(
                        automount_service_account_token=False,
                        security_context=kube.pod_security_context(args.openshift, kube.LITEMAAS_APP_UID),
                        init_containers=[kube.wait_for_database_container(
                            args.wait_image, kube.secret_env(["DATABASE_URL"], BACKEND_SECRET))],
                        containers=[k8s.core.v1.ContainerArgs(
                            name="backend",
                            image=backend.image,
                            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=PORT)],
                            env=env,
                            resources=kube.resource_requirements(backend.resources),
                            security_context=kube.container_security_context(),
                            # Startup allows ~5 minutes (the app migrates its database on start).
                            startup_probe=kube.http_probe("/api/v1/health/ready", "http", period=10, timeout=5,
                                                          failures=30),
                            readiness_probe=kube.http_probe("/api/v1/health/ready", "http", period=10, timeout=5,
                                                            failures=3),
                            liveness_probe=kube.http_probe("/api/v1/health/live", "http", period=15, timeout=5,
                                                           failures=4),
                            volume_mounts=_tmp_mounts(),
                        )],
                        volumes=[kube.empty_dir_volume("tmp", "256Mi")],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.secret, *args.depends_on,
                                                                 *[r for r in (self.token_secret, self.oauth_client)
                                                                   if r]]))

    def _frontend_deployment(self, name: str, args: LiteMaaSWebAppArgs) -> None:
        frontend = args.frontend
        self.frontend_deployment = None
        if not frontend.enabled:
            return
        self.frontend_deployment = k8s.apps.v1.Deployment(
            f"{name}-frontend",
            metadata=kube.metadata(FRONTEND, args.namespace, FRONTEND),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=kube.selector_labels(FRONTEND)),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=kube.labels(FRONTEND)),
                    spec=k8s.core.v1.PodSpecArgs(
                        automount_service_account_token=False,
                        security_context=kube.pod_security_context(args.openshift, kube.LITEMAAS_APP_UID),
                        containers=[k8s.core.v1.ContainerArgs(
                            name="frontend",
                            image=frontend.image,
                            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=PORT)],
                            # nginx proxies /api/ to the backend for clients that bypass the /api Route.
                            env=kube.plain_env({"BACKEND_URL": f"http://{BACKEND}:{PORT}"}),
                            resources=kube.resource_requirements(frontend.resources),
                            security_context=kube.container_security_context(),
                            readiness_probe=kube.http_probe("/", "http", period=10, timeout=5, failures=3),
                            liveness_probe=kube.http_probe("/", "http", period=15, timeout=5, failures=4),
                            volume_mounts=_tmp_mounts(),
                        )],
                        volumes=[kube.empty_dir_volume("tmp", "64Mi")],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.backend_deployment]))

    def _network_policies(self, name: str, args: LiteMaaSWebAppArgs) -> None:
        """The router reaches both; the frontend's pods reach the backend too."""
        child = pulumi.ResourceOptions(parent=self)
        routers = kube.router_peers(args.openshift, args.ingress_namespaces)
        frontend_selector = kube.selector_labels(FRONTEND)
        frontend_pods = k8s.networking.v1.NetworkPolicyPeerArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=frontend_selector))
        self.backend_network_policy = kube.ingress_policy(
            f"{name}-backend-network-policy", args.namespace, BACKEND, kube.selector_labels(BACKEND),
            [*routers, frontend_pods] if args.frontend.enabled else routers, PORT, child)
        self.frontend_network_policy = None
        if args.frontend.enabled:
            self.frontend_network_policy = kube.ingress_policy(
                f"{name}-frontend-network-policy", args.namespace, FRONTEND, frontend_selector, routers, PORT, child)


def _backend_env(args: LiteMaaSWebAppArgs, origin: pulumi.Output[str], oauth_env: dict[str, pulumi.Input[str]],
                client_secret_env: list[k8s.core.v1.EnvVarArgs]) -> list[k8s.core.v1.EnvVarArgs]:
    """The backend's environment: credentials from Secrets, then its plain settings."""
    backend = args.backend
    limits = backend.default_user
    settings: dict[str, pulumi.Input[str]] = {
        "HOST": "0.0.0.0", "PORT": str(PORT), "NODE_ENV": "production", "LOG_LEVEL": "info",
        "JWT_EXPIRES_IN": backend.jwt_expires_in,
        "LITELLM_API_URL": pulumi.Output.concat("http://litellm.", args.namespace, f".svc:{LITELLM_PORT}"),
        "CORS_ORIGIN": origin,
        "DEFAULT_USER_MAX_BUDGET": f"{limits.max_budget:g}",
        "DEFAULT_USER_TPM_LIMIT": str(limits.tpm_limit), "DEFAULT_USER_RPM_LIMIT": str(limits.rpm_limit),
        **RATE_LIMIT,
        **({"INITIAL_ADMIN_USERS": ",".join(backend.initial_admin_users)} if backend.initial_admin_users else {}),
        **oauth_env,
    }
    return [
        *kube.secret_env(["DATABASE_URL", "JWT_SECRET", "ADMIN_API_KEYS"], BACKEND_SECRET),
        *client_secret_env,
        # The gateway's master key, read from the gateway's own Secret (never copied).
        *kube.secret_key_env("LITELLM_API_KEY", LITELLM_SECRET, "LITELLM_MASTER_KEY"),
        *kube.secret_key_env("LITELLM_MASTER_KEY", LITELLM_SECRET, "LITELLM_MASTER_KEY"),
        *[k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in settings.items()],
    ]


def _tmp_mounts() -> list[k8s.core.v1.VolumeMountArgs]:
    return [k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")]
