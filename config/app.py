"""`frontend.*`, `backend.*`, `oauth.*`: the optional LiteMaaS self-service web app (all off by default)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

import pulumi

from config.reader import DNS_SUBDOMAIN, HAPROXY_TIMEOUT, MISSING, Reader, ResourcesConfig, check_image, check_object_name, \
    check_postgres_url, read_resources, secret_string, secret_url


# Pinned, never `latest`: the images of the app's own chart (appVersion 0.4.0), as the seed's successor runs them.
DEFAULT_BACKEND_IMAGE = "quay.io/rh-aiservices-bu/litemaas-backend:0.4.0"
DEFAULT_FRONTEND_IMAGE = "quay.io/rh-aiservices-bu/litemaas-frontend:0.4.0"
DEFAULT_APP_TLS_SECRET = "litemaas-tls"  # where cert-manager writes the web app's certificate
OAUTH_MODES = ("serviceaccount", "oauthclient", "oidc")
GRANT_METHODS = ("auto", "prompt")
# The backend's own duration syntax (`24h`, `30m`, `7d`) for JWT_EXPIRES_IN.
JWT_DURATION_UNITS = ("s", "m", "h", "d")


@dataclass(frozen=True)
class DefaultUserLimits:
    """What a user gets on first login (DEFAULT_USER_*); the app's defaults."""

    max_budget: float = 100.0
    tpm_limit: int = 100000
    rpm_limit: int = 120


@dataclass(frozen=True)
class FrontendConfig:
    enabled: bool = False
    image: str = DEFAULT_FRONTEND_IMAGE
    resources: ResourcesConfig = field(
        default_factory=lambda: ResourcesConfig({"cpu": "50m", "memory": "64Mi"}, {"cpu": "250m", "memory": "256Mi"}))
    # The web app's host: `/` is the frontend, `/api` the backend. Router-assigned on OpenShift when unset.
    hostname: Optional[str] = None
    tls_secret_name: Optional[str] = None  # kubernetes: the Ingress's certificate
    route_timeout: str = "600s"


@dataclass(frozen=True)
class BackendConfig:
    enabled: bool = False
    image: str = DEFAULT_BACKEND_IMAGE
    resources: ResourcesConfig = field(
        default_factory=lambda: ResourcesConfig({"cpu": "100m", "memory": "256Mi"}, {"cpu": "500m", "memory": "512Mi"}))
    initial_admin_users: tuple[str, ...] = ()
    default_user: DefaultUserLimits = field(default_factory=DefaultUserLimits)
    jwt_expires_in: str = "24h"
    # An existing database for the app (required with an external or CloudNativePG database); secret.
    database_url: Optional[pulumi.Output[str]] = None


@dataclass(frozen=True)
class OAuthConfig:
    enabled: bool = False
    mode: str = "serviceaccount"
    issuer: Optional[str] = None  # openshift modes: derived from the app's host when unset
    client_id: Optional[str] = None  # oauthclient: litemaas-<namespace>; oidc: required
    client_secret: Optional[pulumi.Output[str]] = None  # oidc: required, secret
    grant_method: str = "auto"  # oauthclient
    scopes: Optional[str] = None  # oidc
    groups_claim: str = "groups"  # oidc
    insecure_skip_tls_verify: bool = False  # lab clusters with a self-signed OAuth server


FRONTEND_KEYS = ["enabled", "image", "resources", "hostname", "tlsSecretName", "routeTimeout"]
BACKEND_KEYS = ["enabled", "image", "resources", "initialAdminUsers", "defaultUser", "jwtExpiresIn", "databaseUrl"]
DEFAULT_USER_KEYS = ["maxBudget", "tpmLimit", "rpmLimit"]
OAUTH_KEYS = ["enabled", "mode", "issuer", "clientId", "clientSecret", "grantMethod", "scopes", "groupsClaim",
              "insecureSkipTlsVerify"]


def check_jwt_duration(value: str) -> Optional[str]:
    if value[:-1].isdigit() and int(value[:-1]) > 0 and value[-1] in JWT_DURATION_UNITS:
        return None
    return "is not a duration; use a positive whole number followed by s, m, h or d (e.g. 24h)"


def check_https_url(value: str) -> Optional[str]:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        return "is not an https URL; use e.g. https://keycloak.example.com/realms/litemaas"
    return None


def image_tag(image: str) -> str:
    return image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else image


def parse_frontend(top: Reader) -> tuple[Reader, FrontendConfig]:
    section = top.child("frontend", FRONTEND_KEYS)
    defaults = FrontendConfig()
    return section, FrontendConfig(
        enabled=section.boolean("enabled", False),
        image=section.string("image", defaults.image, check=check_image(DEFAULT_FRONTEND_IMAGE)),
        resources=read_resources(section, "resources", defaults.resources),
        hostname=section.string("hostname", check=lambda v: None if DNS_SUBDOMAIN.match(v) else
                                "is not a valid host name; use a lower-case DNS name such as "
                                "litemaas.apps.example.com"),
        tls_secret_name=section.string("tlsSecretName", check=check_object_name),
        route_timeout=section.string("routeTimeout", defaults.route_timeout,
                                     check=lambda v: None if HAPROXY_TIMEOUT.match(v) else
                                     "is not a router timeout; use a whole number with a unit such as 600s or 10m"),
    )


def parse_backend(top: Reader, secret_keys: set[str] | frozenset[str]) -> tuple[Reader, BackendConfig]:
    section = top.child("backend", BACKEND_KEYS)
    defaults = BackendConfig()
    limits = section.child("defaultUser", DEFAULT_USER_KEYS)
    default_limits = DefaultUserLimits()
    database_url = secret_url(section, "databaseUrl", "backend" in secret_keys,
                              check=check_postgres_url("litemaas_db"), example="postgresql://…")
    return section, BackendConfig(
        enabled=section.boolean("enabled", False),
        image=section.string("image", defaults.image, check=check_image(DEFAULT_BACKEND_IMAGE)),
        resources=read_resources(section, "resources", defaults.resources),
        initial_admin_users=section.string_list("initialAdminUsers"),
        default_user=DefaultUserLimits(
            max_budget=limits.number("maxBudget", default_limits.max_budget),
            tpm_limit=limits.integer("tpmLimit", default_limits.tpm_limit, minimum=1),
            rpm_limit=limits.integer("rpmLimit", default_limits.rpm_limit, minimum=1)),
        jwt_expires_in=section.string("jwtExpiresIn", defaults.jwt_expires_in, check=check_jwt_duration),
        database_url=pulumi.Output.secret(database_url) if database_url is not None else None,
    )


def parse_oauth(top: Reader, secret_keys: set[str] | frozenset[str]) -> tuple[Reader, OAuthConfig]:
    section = top.child("oauth", OAUTH_KEYS)
    defaults = OAuthConfig()
    return section, OAuthConfig(
        enabled=section.boolean("enabled", False),
        mode=section.string("mode", defaults.mode, check=lambda v: None if v in OAUTH_MODES else
                            f"is not an OAuth mode; use one of {', '.join(OAUTH_MODES)}"),
        issuer=section.string("issuer", check=check_https_url),
        client_id=section.string("clientId", check=lambda v: None if v.strip() else "must not be empty"),
        client_secret=secret_string(section, "clientSecret", "oauth" in secret_keys, min_length=8),
        grant_method=section.string("grantMethod", defaults.grant_method, check=lambda v: None if v in GRANT_METHODS
                                    else f"is not a grant method; use one of {', '.join(GRANT_METHODS)}"),
        scopes=section.string("scopes"),
        groups_claim=section.string("groupsClaim", defaults.groups_claim),
        insecure_skip_tls_verify=section.boolean("insecureSkipTlsVerify", False),
    )


def parse_app(top: Reader, secret_keys: set[str] | frozenset[str], *, platform: Optional[str], deploy_gateway: bool,
              postgres_mode: str, external_database: bool, cluster_issuer: Optional[str]
              ) -> tuple[FrontendConfig, BackendConfig, OAuthConfig]:
    """The three switches and what they need; every combination that cannot work is refused here, at preview."""
    (f, frontend), (b, backend), (o, oauth) = parse_frontend(top), parse_backend(top, secret_keys), \
        parse_oauth(top, secret_keys)
    if frontend.enabled and not backend.enabled:
        f.fail_key("enabled", "needs the backend (the web UI calls it under /api); "
                   "`pulumi config set --path backend.enabled true`")
    if oauth.enabled and not backend.enabled:
        o.fail_key("enabled", "configures the backend's login; `pulumi config set --path backend.enabled true`")
    if frontend.enabled and not oauth.enabled:
        f.fail_key("enabled", "needs oauth.enabled: end users log in to the web UI through OAuth; "
                   "`pulumi config set --path oauth.enabled true` (see README, \"Enable the web UI for end users\")")
    if backend.enabled and not deploy_gateway:
        b.fail_key("enabled", "runs next to the gateway this stack deploys (it reads the master key from the "
                   "litellm-credentials Secret); it cannot be used with deployGateway: false")
    if backend.enabled and backend.database_url is None and (external_database or postgres_mode != "bundled"):
        which = "postgres.externalDatabaseUrl" if external_database else "postgres.mode: cloudnativepg"
        b.fail_key("databaseUrl", f"is required with {which}: the stack creates the app's own database only in the "
                   "bundled PostgreSQL. Create a database and role for LiteMaaS on that server and "
                   "`pulumi config set --secret --path backend.databaseUrl postgresql://litemaas:…@host:5432/litemaas_db`")
    if oauth.enabled and oauth.mode in ("serviceaccount", "oauthclient") and platform != "openshift":
        o.fail_key("mode", f"{oauth.mode!r} uses the OpenShift OAuth server; on kubernetes use "
                   "`pulumi config set --path oauth.mode oidc` with issuer, clientId and clientSecret")
    if oauth.enabled and oauth.mode == "oidc":
        for key, value in (("issuer", oauth.issuer), ("clientId", oauth.client_id),
                           ("clientSecret", oauth.client_secret)):
            if value is None and o.raw(key) is MISSING:
                command = "--secret --path oauth.clientSecret …" if key == "clientSecret" else f"--path oauth.{key} …"
                o.fail_key(key, f"is required with oauth.mode oidc: `pulumi config set {command}`")
    if oauth.enabled and oauth.mode == "serviceaccount" and oauth.client_id is not None:
        o.fail_key("clientId", "is the ServiceAccount's name (system:serviceaccount:<namespace>:litemaas-oauth) in "
                   "serviceaccount mode; `pulumi config rm --path oauth.clientId`")
    if oauth.enabled and oauth.mode != "oidc" and oauth.client_secret is not None:
        o.fail_key("clientSecret", f"is generated in {oauth.mode} mode; `pulumi config rm --path oauth.clientSecret`")
    if (backend.enabled or frontend.enabled) and platform == "kubernetes":
        if frontend.hostname is None:
            f.fail_key("hostname", "is required on the kubernetes platform for the web app's Ingress: "
                       "`pulumi config set --path frontend.hostname litemaas.example.com`")
        elif frontend.tls_secret_name is None and cluster_issuer is None:
            f.fail_key("tlsSecretName", "is required for the web app's Ingress (logins and tokens must not cross "
                       "the network in clear): create a kubernetes.io/tls Secret and `pulumi config set --path "
                       "frontend.tlsSecretName <secret>`, or set ingress.clusterIssuer for cert-manager")
    elif platform == "openshift" and frontend.tls_secret_name is not None:
        f.fail_key("tlsSecretName", "applies to the kubernetes platform only: the Route terminates TLS at the "
                   "router (edge). `pulumi config rm --path frontend.tlsSecretName`")
    return frontend, backend, oauth
