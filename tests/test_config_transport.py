"""Transport settings (adminApi, ingress TLS, CA bundles): errors name the key path and the fix."""


import pytest

from config import (parse_stack_config)
from tests.test_config import error_of

# Secret config values become Outputs, which need the event loop the mocks fixture provides.
pytestmark = pytest.mark.usefixtures("mocked")


KUBERNETES = {"platform": "kubernetes", "hostname": "litellm.example.com"}
BAD_PEM = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize("values, key_path, fix", [
    ({"gatewayUrl": "http://litellm.example.com"}, "litemaas:gatewayUrl",
     "pulumi config set --path adminApi.allowInsecureHttp true"),
    ({"deployGateway": False, "masterKey": "sk-x", "gatewayUrl": "http://10.0.0.8:4000"}, "litemaas:gatewayUrl",
     "Use an https:// URL"),
    (KUBERNETES, "litemaas:ingress.tlsSecretName", "pulumi config set --path ingress.clusterIssuer"),
    (KUBERNETES, "litemaas:ingress.tlsSecretName", "adminApi.allowInsecureHttp true"),
    ({**KUBERNETES, "ingress": {"tlsSecretName": "Litellm_TLS"}}, "litemaas:ingress.tlsSecretName", "lower-case"),
    ({**KUBERNETES, "ingress": {"clusterIssuer": "Lets Encrypt"}}, "litemaas:ingress.clusterIssuer", "lower-case"),
    ({**KUBERNETES, "ingress": {"tlsSecret": "litellm-tls"}}, "litemaas:ingress.tlsSecret", "did you mean `tlsSecretName`"),
    ({"ingress": {"tlsSecretName": "litellm-tls"}}, "litemaas:ingress.tlsSecretName",
     "the Route terminates TLS at the router"),
    ({"platform": "kubernetes", "gatewayUrl": "http://127.0.0.1:4000", "ingress": {"clusterIssuer": "letsencrypt"}},
     "litemaas:ingress.clusterIssuer", "no Ingress is created without hostname"),
    ({"platform": "kubernetes", "gatewayUrl": "http://127.0.0.1:4000", "ingressClassName": "nginx"},
     "litemaas:ingressClassName", "no Ingress is created without hostname"),
    ({"adminApi": {"allowInsecureHttp": "sometimes"}}, "litemaas:adminApi.allowInsecureHttp", "true or false"),
    ({"adminApi": {"caBundle": "/nonexistent/router-ca.pem"}}, "litemaas:adminApi.caBundle",
     "neither PEM certificates"),
    ({"adminApi": {"caBundle": BAD_PEM}}, "litemaas:adminApi.caBundle", "no usable PEM certificate"),
])
def test_transport_errors_name_the_key_and_the_fix(values, key_path, fix):
    message = error_of(values)
    assert f"{key_path}:" in message
    assert fix in message


@pytest.mark.parametrize("values", [
    {"gatewayUrl": "http://127.0.0.1:4000"},
    {"gatewayUrl": "http://localhost:4000"},
    {"gatewayUrl": "http://litellm.litemaas.svc:4000"},
    {"gatewayUrl": "http://litellm.litemaas.svc.cluster.local:4000"},
    {"gatewayUrl": "http://litellm.example.com", "adminApi": {"allowInsecureHttp": True}},
    {**KUBERNETES, "adminApi": {"allowInsecureHttp": "true"}},
    {**KUBERNETES, "ingress": {"clusterIssuer": "letsencrypt-prod"}},
    {"platform": "kubernetes", "gatewayUrl": "http://litellm.litemaas.svc:4000"},
], ids=["loopback", "localhost", "svc", "svc-cluster-local", "opted-in-url", "opted-in-ingress", "cert-manager",
        "kubernetes-without-ingress"])
def test_safe_or_explicitly_insecure_transports_are_accepted(values):
    parse_stack_config(values)


def test_ingress_tls_and_ca_bundle_are_typed(test_ca):
    config = parse_stack_config({**KUBERNETES, "ingress": {"clusterIssuer": "letsencrypt-prod"},
                                 "adminApi": {"caBundle": str(test_ca.ca_file)}})
    assert (config.ingress.cluster_issuer, config.ingress.tls_secret_name) == ("letsencrypt-prod", None)
    assert config.ingress.secret_name == "litellm-tls"  # where cert-manager puts the certificate
    # A path is read at preview: the providers get the PEM text, also when `destroy` runs elsewhere.
    assert config.admin_api.ca_bundle == test_ca.ca_pem and config.admin_api.allow_insecure_http is False
    inline = parse_stack_config({"adminApi": {"caBundle": test_ca.ca_pem}})
    assert inline.admin_api.ca_bundle == test_ca.ca_pem
    assert parse_stack_config({}).ingress.secret_name is None
