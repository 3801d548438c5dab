"""The LiteLLM gateway component alone under Pulumi mocks, as its tests run it (tests/test_litellm_gateway*.py)."""

from components.litellm_gateway import LiteLLMGateway, LiteLLMGatewayArgs
from config import LiteLLMConfig

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
JOB = "kubernetes:batch/v1:Job"
ROUTE = "kubernetes:route.openshift.io/v1:Route"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
SECRET = "kubernetes:core/v1:Secret"
RANDOM = "random:index/randomPassword:RandomPassword"
DATABASE_URL = "postgresql://litellm:pw@postgres.ai.svc:5432/litellm?sslmode=disable"
REDIS_URL = "redis://:redis-pass-word@redis.ai.svc:6379/0"
SLACK_WEBHOOK = "https://hooks.slack.com/services/T0/B0/webhook-secret"


def EVERY_FEATURE(pulumi):
    """Gateway arguments that turn on Redis, metrics and alerts (pass with ** to run_gateway / deploy)."""
    from config import AlertingConfig, MonitoringConfig
    return {"redis_url": pulumi.Output.secret(REDIS_URL), "monitoring": MonitoringConfig(enabled=True),
            "alerting": AlertingConfig(slack_webhook_url=pulumi.Output.secret(SLACK_WEBHOOK))}


def run_gateway(mocked, openshift=True, preview=False, master_key=None, protect_salt_key=True, exposure=None,
                database_url=DATABASE_URL, redis_url=None, monitoring=None, alerting=None, **config):
    """One gateway under mocks; `exposure` overrides hostname / ingress_class_name / ingress. Exports gatewayUrl."""

    def program():
        import pulumi
        exposed = {"hostname": None if openshift else "litellm.example.com",
                   "ingress_class_name": None if openshift else "nginx", **(exposure or {})}
        gateway = LiteLLMGateway("litellm", LiteLLMGatewayArgs(
            namespace="ai", config=LiteLLMConfig(**config), openshift=openshift,
            database_url=pulumi.Output.secret(database_url), wait_image="postgres:16.10-alpine",
            master_key=master_key, protect_salt_key=protect_salt_key, redis_url=redis_url,
            **({"monitoring": monitoring} if monitoring else {}), **({"alerting": alerting} if alerting else {}),
            **exposed))
        pulumi.export("gatewayUrl", gateway.gateway_url)
    return mocked.run({}, program=program, preview=preview)


def deploy(mocked, **kwargs):
    return run_gateway(mocked, **kwargs).recorder


def container(recorder, typ=DEPLOYMENT):
    return recorder.one(typ).manifest["spec"]["template"]["spec"]["containers"][0]
