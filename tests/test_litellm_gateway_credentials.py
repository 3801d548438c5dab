"""LiteLLM gateway component: credentials (generated or configured, only in the Secret), the salt key and its guard,
the managed environment and extraEnv."""



from tests.support.gateway_program import (
    DATABASE_URL, DEPLOYMENT, EVERY_FEATURE, JOB, RANDOM, SECRET, container,
    deploy,
)
from tests.support.pulumi_program import has_secret_envelope


def test_managed_env_is_exactly_what_the_gateway_sets(mocked):
    """config refuses these names in extraEnv; the list must be what the containers really get."""
    import config

    import pulumi

    recorder = deploy(mocked, extra_env={"HTTPS_PROXY": "http://proxy:3128"}, **EVERY_FEATURE(pulumi))
    served = {e["name"] for e in container(recorder)["env"]}
    migration = {e["name"] for e in container(recorder, JOB)["env"]}
    assert config.managed_gateway_env() == (served | migration) - {"HTTPS_PROXY"}


def test_extra_env_never_overrides_a_managed_variable(mocked):
    # config refuses these at preview; the component keeps its own values even if handed them.
    env = {e["name"]: e.get("value") for e in container(deploy(mocked, extra_env={"HOME": "/app", "NO_PROXY": ".svc"}))["env"]}
    assert env["HOME"] == "/var/tmp/litellm" and env["NO_PROXY"] == ".svc"


def test_credentials_live_only_in_the_secret(mocked):
    recorder = deploy(mocked)
    secret = recorder.one(SECRET)
    assert has_secret_envelope(secret.inputs["stringData"])
    data = secret.manifest["stringData"]
    assert data["LITELLM_MASTER_KEY"].startswith("sk-") and data["DATABASE_URL"] == DATABASE_URL
    assert data["LITELLM_SALT_KEY"] == "litellm-salt-key-Gen3rated:/@#%"
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container(recorder)["env"] if "valueFrom" in e}
    assert refs == {k: "litellm-credentials" for k in data}


def test_salt_key_is_generated_once_and_protected(mocked):
    recorder = deploy(mocked)
    salt = recorder.one(RANDOM, "litellm-salt-key")
    assert salt.request.protect is True and "keepers" not in salt.inputs and salt.inputs["length"] >= 32
    unprotected = deploy(mocked, protect_salt_key=False).one(RANDOM, "litellm-salt-key")
    assert not unprotected.request.protect


def test_configured_master_key_is_used_instead_of_generating_one(mocked):
    import pulumi
    recorder = deploy(mocked, master_key=pulumi.Output.secret("sk-configured"))
    assert [r.name for r in recorder.of_type(RANDOM)] == ["litellm-salt-key", "litellm-ui-password"]
    assert recorder.one(SECRET).manifest["stringData"]["LITELLM_MASTER_KEY"] == "sk-configured"


PROXY_WITH_PASSWORD = "http://svc-proxy:pr0xy-pa55@proxy.example.com:3128"


def test_extra_env_of_an_encrypted_litellm_reaches_the_pods_through_the_secret(mocked):
    """`pulumi config set --secret --path litellm.extraEnv.HTTPS_PROXY …` encrypts the whole `litellm` object: its
    values must stay secret in the Deployment and the state."""
    import json as json_text
    recorder = mocked.run({"litellm": {"extraEnv": {"HTTPS_PROXY": PROXY_WITH_PASSWORD, "NO_PROXY": ".svc"}}},
                          secret_keys=("litellm",)).recorder
    deployment = recorder.one(DEPLOYMENT, "litellm-deployment")
    env = {e["name"]: e for e in container(recorder)["env"]}
    assert env["HTTPS_PROXY"] == {"name": "HTTPS_PROXY", "valueFrom": {"secretKeyRef": {
        "name": "litellm-credentials", "key": "HTTPS_PROXY"}}}
    assert "valueFrom" in env["NO_PROXY"]  # no telling which value the admin encrypted: all of them
    assert "pr0xy-pa55" not in json_text.dumps(deployment.inputs)
    secret = recorder.one(SECRET, "litellm-credentials")
    assert has_secret_envelope(secret.inputs["stringData"])
    assert secret.manifest["stringData"]["HTTPS_PROXY"] == PROXY_WITH_PASSWORD
    # A new value rolls the pods (the spec itself does not change).
    other = mocked.run({"litellm": {"extraEnv": {"HTTPS_PROXY": PROXY_WITH_PASSWORD + "0", "NO_PROXY": ".svc"}}},
                       secret_keys=("litellm",)).recorder
    digest = "litemaas.io/credentials-digest"
    assert deployment.manifest["spec"]["template"]["metadata"]["annotations"][digest] != \
        other.one(DEPLOYMENT, "litellm-deployment").manifest["spec"]["template"]["metadata"]["annotations"][digest]


def test_plain_extra_env_stays_plain(mocked):
    recorder = mocked.run({"litellm": {"extraEnv": {"HTTPS_PROXY": "http://proxy.example.com:3128"}}}).recorder
    env = {e["name"]: e for e in container(recorder)["env"]}
    assert env["HTTPS_PROXY"] == {"name": "HTTPS_PROXY", "value": "http://proxy.example.com:3128"}


def test_a_configured_salt_key_leaves_the_generated_one_unprotected_and_unused(mocked):
    """Adopting the generated value in config keeps the resource (protect cannot stop the `up`); only the guard
    decides whether the effective salt key may change."""
    import pulumi
    configured = "configured-salt-" + "c" * 32
    recorder = deploy(mocked, salt_key=pulumi.Output.secret(configured))
    assert recorder.one(RANDOM, "litellm-salt-key").request.protect is False
    assert recorder.one(SECRET).manifest["stringData"]["LITELLM_SALT_KEY"] == configured


def test_the_salt_key_guard_holds_the_effective_key_as_a_secret_before_the_secret_takes_it(mocked):
    import pulumi
    for kwargs, source, value in [({}, "generated", "litellm-salt-key-Gen3rated:/@#%"),
                                  ({"salt_key": pulumi.Output.secret("s" * 40), "acknowledge_new_salt_key": True},
                                   "config", "s" * 40)]:
        recorder = deploy(mocked, **kwargs)
        guard = recorder.one("pulumi-python:dynamic/litemaas:SaltKeyGuard", "litellm-salt-key-guard")
        assert has_secret_envelope(guard.inputs["salt_key"]) and guard.inputs["salt_key"]["value"] == value
        assert guard.inputs["source"] == source and guard.inputs["acknowledged"] == ("salt_key" in kwargs)
        assert "salt_key" in guard.request.additionalSecretOutputs
        assert any(d.endswith("::litellm-salt-key-guard") for d in recorder.one(SECRET).dependencies)
