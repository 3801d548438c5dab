"""The optional LiteMaaS web app (frontend, backend, OAuth) under Pulumi mocks: switches, manifests, secrets."""

import json

import pytest

from config import ConfigError, parse_stack_config
from tests.support.manifests import pod_templates, restricted_v2_violations, validate
from tests.support.pulumi_program import has_secret_envelope
from tests.test_main import unwrapped_strings

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
SECRET = "kubernetes:core/v1:Secret"
ROUTE = "kubernetes:route.openshift.io/v1:Route"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
OAUTH_CLIENT = "kubernetes:oauth.openshift.io/v1:OAuthClient"
POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
JOB = "kubernetes:batch/v1:Job"

ON = {"frontend": {"enabled": True}, "backend": {"enabled": True, "initialAdminUsers": ["alice", "bob"]},
      "oauth": {"enabled": True}}
OIDC = {"platform": "kubernetes", "hostname": "litellm.example.com", "ingress": {"tlsSecretName": "litellm-tls"},
        "frontend": {"enabled": True, "hostname": "litemaas.example.com", "tlsSecretName": "litemaas-tls"},
        "backend": {"enabled": True},
        "oauth": {"enabled": True, "mode": "oidc", "issuer": "https://sso.example.com/realms/ai",
                  "clientId": "litemaas", "clientSecret": "OIDC-CLIENT-SECRET"}}


def with_oauth(mode, **extra):
    return {**ON, "oauth": {"enabled": True, "mode": mode, **extra}}


def run(mocked, values, secret_keys=(), preview=False):
    return mocked.run(values, secret_keys=secret_keys, preview=preview)


def by_name(recorder, typ, name):
    (found,) = [r for r in recorder.of_type(typ) if r.manifest["metadata"]["name"] == name]
    return found


def backend_env(recorder):
    container = by_name(recorder, DEPLOYMENT, "litemaas-backend").manifest["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


@pytest.mark.parametrize("values,secret_keys,openshift", [
    (with_oauth("serviceaccount"), (), True),
    (with_oauth("oauthclient"), (), True),
    ({**ON, "oauth": {"enabled": True, "mode": "oidc", "issuer": "https://sso.example.com/realms/ai",
                      "clientId": "litemaas", "clientSecret": "OIDC-CLIENT-SECRET"}}, ("oauth",), True),
    (OIDC, ("oauth",), False),
], ids=["serviceaccount", "oauthclient", "oidc-openshift", "oidc-kubernetes"])
def test_every_app_manifest_is_valid_and_every_pod_restricted(mocked, values, secret_keys, openshift):
    recorder = run(mocked, values, secret_keys).recorder
    manifests = [r.manifest for r in recorder.kubernetes()]
    for manifest in manifests:
        validate(manifest)  # kubernetes-validate 1.30 and newest, strict; Route and OAuthClient against our CRDs
    pods = {m["metadata"]["name"]: pod for m in manifests for pod in pod_templates(m)}
    assert {"litemaas-backend", "litemaas-frontend", "litemaas-database-init"} <= set(pods)
    for pod in pods.values():
        assert restricted_v2_violations(pod, openshift=openshift) == []
    assert (recorder.of_type(OAUTH_CLIENT) != []) == ("oauthclient" in json.dumps(values))


def test_the_backend_is_one_pod_with_session_affinity_probes_and_resources(mocked):
    recorder = run(mocked, ON).recorder
    deployment = by_name(recorder, DEPLOYMENT, "litemaas-backend").manifest
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "quay.io/rh-aiservices-bu/litemaas-backend:0.4.0"
    assert container["readinessProbe"]["httpGet"]["path"] == "/api/v1/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/api/v1/health/live"
    assert container["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}
    assert pod["initContainers"][0]["name"] == "wait-for-database"
    service = by_name(recorder, SERVICE, "litemaas-backend").manifest["spec"]
    assert service["sessionAffinity"] == "ClientIP"
    frontend = by_name(recorder, DEPLOYMENT, "litemaas-frontend").manifest["spec"]["template"]["spec"]["containers"][0]
    assert frontend["image"] == "quay.io/rh-aiservices-bu/litemaas-frontend:0.4.0"
    assert frontend["readinessProbe"]["httpGet"]["path"] == "/" and frontend["resources"]["requests"]
    env = backend_env(recorder)
    assert env["INITIAL_ADMIN_USERS"] == "alice,bob"
    assert (env["DEFAULT_USER_MAX_BUDGET"], env["DEFAULT_USER_TPM_LIMIT"], env["DEFAULT_USER_RPM_LIMIT"]) == \
        ("100", "100000", "120")
    assert env["LITELLM_API_URL"] == "http://litellm.litemaas.svc:4000"
    assert env["LITELLM_API_KEY"] == {"secretKeyRef": {"name": "litellm-credentials", "key": "LITELLM_MASTER_KEY"}}
    assert env["DATABASE_URL"] == {"secretKeyRef": {"name": "litemaas-backend", "key": "DATABASE_URL"}}


def test_one_host_edge_routes_with_redirect_and_timeout_and_the_url_output(mocked):
    program = run(mocked, ON)
    routes = {r.manifest["metadata"]["name"]: r.manifest for r in program.recorder.of_type(ROUTE)}
    frontend, backend = routes["litemaas-frontend"], routes["litemaas-backend"]
    host = "litemaas-frontend-litemaas.apps.cluster.example.com"  # the router's choice, under mocks
    assert backend["spec"]["host"] == host and backend["spec"]["path"] == "/api"
    for route in (frontend, backend):
        assert route["spec"]["tls"] == {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}
        assert route["metadata"]["annotations"]["haproxy.router.openshift.io/timeout"] == "600s"
    assert program.exports["webAppUrl"] == f"https://{host}"
    assert "webAppUrl" not in program.secret_exports and "webAppAdminApiKey" in program.secret_exports
    env = backend_env(program.recorder)
    assert env["OAUTH_CALLBACK_URL"] == f"https://{host}/api/auth/callback" and env["CORS_ORIGIN"] == f"https://{host}"
    assert env["OAUTH_ISSUER"] == "https://oauth-openshift.apps.cluster.example.com"


def test_serviceaccount_mode_is_a_redirect_annotated_service_account_and_its_token(mocked):
    recorder = run(mocked, with_oauth("serviceaccount")).recorder
    account = recorder.one("kubernetes:core/v1:ServiceAccount").manifest
    annotations = account["metadata"]["annotations"]
    assert annotations["serviceaccounts.openshift.io/oauth-redirecturi.litemaas"].endswith("/api/auth/callback")
    reference = json.loads(annotations["serviceaccounts.openshift.io/oauth-redirectreference.litemaas"])
    assert reference["reference"] == {"kind": "Route", "name": "litemaas-frontend"}
    token = by_name(recorder, SECRET, "litemaas-oauth-token").manifest
    assert token["type"] == "kubernetes.io/service-account-token"
    assert token["metadata"]["annotations"] == {"kubernetes.io/service-account.name": account["metadata"]["name"]}
    env = backend_env(recorder)
    assert env["OAUTH_CLIENT_ID"] == "system:serviceaccount:litemaas:litemaas-oauth"
    assert env["OAUTH_CLIENT_SECRET"] == {"secretKeyRef": {"name": "litemaas-oauth-token", "key": "token"}}
    assert env["AUTH_PROVIDER"] == "openshift" and recorder.of_type(OAUTH_CLIENT) == []


def test_oauthclient_mode_is_a_cluster_scoped_client_with_a_generated_stable_secret(mocked):
    recorder = run(mocked, with_oauth("oauthclient", grantMethod="prompt")).recorder
    client = recorder.one(OAUTH_CLIENT)
    assert "namespace" not in client.manifest["metadata"]  # cluster-scoped
    assert client.manifest["metadata"]["name"] == "litemaas-litemaas"
    assert client.manifest["grantMethod"] == "prompt"
    assert [u.endswith("/api/auth/callback") for u in client.manifest["redirectURIs"]] == [True]
    assert has_secret_envelope(client.inputs["secret"])
    backend_secret = by_name(recorder, SECRET, "litemaas-backend").manifest["stringData"]
    assert backend_secret["OAUTH_CLIENT_SECRET"] == client.manifest["secret"]
    generated = recorder.one("random:index/randomPassword:RandomPassword", "litemaas-app-oauth-client-secret")
    assert "keepers" not in generated.inputs
    assert backend_env(recorder)["OAUTH_CLIENT_ID"] == "litemaas-litemaas"


def test_oidc_on_kubernetes_is_an_ingress_with_tls_and_the_client_secret_only_in_a_secret(mocked):
    program = run(mocked, OIDC, ("oauth",))
    recorder = program.recorder
    ingress = by_name(recorder, INGRESS, "litemaas").manifest["spec"]
    assert ingress["tls"] == [{"hosts": ["litemaas.example.com"], "secretName": "litemaas-tls"}]
    paths = {p["path"]: p["backend"]["service"]["name"] for p in ingress["rules"][0]["http"]["paths"]}
    assert paths == {"/api": "litemaas-backend", "/": "litemaas-frontend"}
    env = backend_env(recorder)
    assert (env["AUTH_PROVIDER"], env["OAUTH_ISSUER"], env["OAUTH_CLIENT_ID"]) == \
        ("oidc", "https://sso.example.com/realms/ai", "litemaas")
    assert env["OAUTH_CLIENT_SECRET"] == {"secretKeyRef": {"name": "litemaas-backend", "key": "OAUTH_CLIENT_SECRET"}}
    assert program.exports["webAppUrl"] == "https://litemaas.example.com"


@pytest.mark.parametrize("values,secret_keys", [(with_oauth("oauthclient"), ()), (OIDC, ("oauth",))])
def test_no_app_secret_outside_secret_values(mocked, values, secret_keys):
    program = run(mocked, values, secret_keys)
    markers = ("Gen3rated", "OIDC-CLIENT-SECRET")
    leaks = [(r.typ, r.name, path) for r in program.recorder.registrations
             for path, text in unwrapped_strings(r.inputs) if any(m in text for m in markers)]
    assert leaks == []
    plain = {k: v for k, v in program.exports.items() if k not in program.secret_exports}
    assert not any(m in json.dumps(plain) for m in markers)
    assert program.recorder.of_type("kubernetes:core/v1:ConfigMap") == []


def test_network_policies_admit_the_router_and_the_frontend_only(mocked):
    recorder = run(mocked, ON).recorder
    backend = by_name(recorder, POLICY, "litemaas-backend").manifest["spec"]["ingress"][0]
    assert backend["ports"] == [{"protocol": "TCP", "port": 8080}]
    peers = backend["from"]
    assert {"namespaceSelector": {"matchLabels": {"policy-group.network.openshift.io/ingress": ""}}} in peers
    assert {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "litemaas-frontend",
                                            "app.kubernetes.io/instance": "litemaas"}}} in peers
    assert len(peers) == 2
    frontend = by_name(recorder, POLICY, "litemaas-frontend").manifest["spec"]["ingress"][0]["from"]
    assert frontend == [{"namespaceSelector": {"matchLabels": {"policy-group.network.openshift.io/ingress": ""}}}]


def test_the_database_clients_are_the_ones_the_postgres_policy_admits(mocked):
    recorder = run(mocked, ON).recorder
    admitted = by_name(recorder, POLICY, "postgres").manifest["spec"]["ingress"][0]["from"][0]["podSelector"]
    for name in ("litemaas-database-init", "litemaas-backend"):
        manifest = next(r.manifest for r in recorder.kubernetes() if r.manifest["metadata"]["name"] == name
                        and r.manifest["kind"] in ("Job", "Deployment"))
        labels = manifest["spec"]["template"]["metadata"]["labels"]
        assert admitted["matchLabels"].items() <= labels.items()


def resources(recorder):
    return {(r.typ, r.name): r.manifest for r in recorder.registrations if not r.typ.startswith("litemaas:index")}


def test_off_by_default_and_switching_off_removes_only_the_app(mocked):
    """Off again: the app's workloads go; LiteLLM and PostgreSQL are declared exactly as before (the app's database
    lives inside PostgreSQL's volume and is not dropped)."""
    off = resources(run(mocked, {}).recorder)
    on = resources(run(mocked, with_oauth("oauthclient")).recorder)
    off_again = resources(run(mocked, {**with_oauth("oauthclient"), "frontend": {"enabled": False},
                                       "backend": {"enabled": False}, "oauth": {"enabled": False}}).recorder)
    assert off_again == off
    assert set(off) < set(on)
    assert {key: on[key] for key in off} == off  # turning it on changed nothing that was there
    added = set(on) - set(off)
    assert {name.split("-")[0] + "-" + name.split("-")[1] for _, name in added} == {"litemaas-app", "litemaas-database"}
    kinds = {typ.rsplit(":", 1)[-1] for typ, _ in added}
    assert kinds == {"Deployment", "Service", "Route", "NetworkPolicy", "Secret", "Job", "OAuthClient",
                     "RandomPassword"}
    assert not any("StatefulSet" in typ or "PersistentVolumeClaim" in typ for typ, _ in added)


def test_preview_of_the_app_before_the_router_assigned_a_host(mocked):
    program = run(mocked, with_oauth("serviceaccount"), preview=True)
    assert program.exports["webAppUrl"] is None
    assert by_name(program.recorder, DEPLOYMENT, "litemaas-backend")


def test_an_existing_database_url_replaces_the_database_job(mocked):
    values = {**ON, "postgres": {"mode": "cloudnativepg"},
              "backend": {"enabled": True, "databaseUrl": "postgresql://litemaas:pw@db.example.com:5432/litemaas_db"}}
    recorder = run(mocked, values, ("backend",)).recorder
    assert [r.manifest["metadata"]["name"] for r in recorder.of_type(JOB) if "litemaas" in r.name] == []
    assert by_name(recorder, SECRET, "litemaas-backend").manifest["stringData"]["DATABASE_URL"] == \
        "postgresql://litemaas:pw@db.example.com:5432/litemaas_db"


@pytest.mark.parametrize("values,secret_keys,expected", [
    ({"frontend": {"enabled": True}}, (), ["litemaas:frontend.enabled: needs the backend",
                                           "litemaas:frontend.enabled: needs oauth.enabled"]),
    ({"oauth": {"enabled": True}}, (), ["litemaas:oauth.enabled: configures the backend"]),
    ({**ON, "postgres": {"mode": "cloudnativepg"}}, (),
     ["litemaas:backend.databaseUrl: is required with postgres.mode: cloudnativepg"]),
    ({**ON, "postgres": {"externalDatabaseUrl": "postgresql://u:p@db:5432/litellm"}}, ("postgres",),
     ["litemaas:backend.databaseUrl: is required with postgres.externalDatabaseUrl"]),
    ({**ON, "deployGateway": False, "gatewayUrl": "https://l.example.com", "masterKey": "sk-x"}, ("masterKey",),
     ["litemaas:backend.enabled: runs next to the gateway"]),
    ({**OIDC, "oauth": {"enabled": True, "mode": "serviceaccount"}}, (),
     ["litemaas:oauth.mode: 'serviceaccount' uses the OpenShift OAuth server"]),
    ({**OIDC, "oauth": {"enabled": True, "mode": "oidc"}}, (),
     ["litemaas:oauth.issuer: is required", "litemaas:oauth.clientId: is required",
      "litemaas:oauth.clientSecret: is required"]),
    ({**OIDC, "oauth": {**OIDC["oauth"]}}, (), ["litemaas:oauth.clientSecret: is stored in plain text"]),
    ({**OIDC, "frontend": {"enabled": True}}, ("oauth",), ["litemaas:frontend.hostname: is required"]),
    ({**OIDC, "frontend": {"enabled": True, "hostname": "a.example.com"}}, ("oauth",),
     ["litemaas:frontend.tlsSecretName: is required"]),
    ({**ON, "backend": {"enabled": True, "image": "quay.io/rh-aiservices-bu/litemaas-backend",
                        "jwtExpiresIn": "1 day", "defaultUser": {"rpmLimit": 0}}}, (),
     ["litemaas:backend.image: 'quay.io/rh-aiservices-bu/litemaas-backend' has no tag",
      "litemaas:backend.jwtExpiresIn: '1 day' is not a duration", "litemaas:backend.defaultUser.rpmLimit: must be 1"]),
    ({**ON, "oauth": {"enabled": True, "mode": "github"}}, (), ["litemaas:oauth.mode: 'github' is not an OAuth mode"]),
    ({**ON, "backend": {"enabled": True, "databaseUrl": "postgresql://u:SECRETPW@h:5432/d"}}, (),
     ["litemaas:backend.databaseUrl: holds a password but is stored in plain text"]),
    ({"frontend": {"enable": True}}, (), ["litemaas:frontend.enable: unknown key (did you mean `enabled`?)"]),
], ids=lambda v: None)
def test_config_errors_name_the_key_path_at_preview(mocked, values, secret_keys, expected):
    with pytest.raises(ConfigError) as raised:
        run(mocked, values, secret_keys, preview=True)
    message = str(raised.value)
    for text in expected:
        assert text in message
    assert "SECRETPW" not in message and "OIDC-CLIENT-SECRET" not in message


def test_the_switches_default_off():
    config = parse_stack_config({})
    assert (config.frontend.enabled, config.backend.enabled, config.oauth.enabled) == (False, False, False)
