"""The change-safety matrix: for every leaf key of the configuration, the program is rendered before and after a
change of that key, and what the change does to everything that holds data is checked (tests/support/
change_matrix.py says what counts and how effects are told apart). Nothing that holds data is deleted or
replaced by an ordinary change; what would lose data is refused at preview. README's table "What a config change
does to your data" is this matrix, and is checked against it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.change_matrix import DELETE, REFUSED, check_failures, classify, edited, leaf_keys, \
    render, summary
from tests.support.fake_cluster import FakeCluster

README = Path(__file__).resolve().parents[1] / "README.md"
CA_PEM, KEYS_FILE = object(), object()  # filled in by the fixtures below
MASTER = "sk-master-matrix-0123456789"
ISVC = {
    "apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
    "metadata": {"name": "granite-8b", "namespace": "models"},
    "spec": {"predictor": {"model": {"modelFormat": {"name": "vLLM"}, "runtime": "vllm-cuda-runtime"}}},
    "status": {"address": {"url": "http://granite-8b-predictor.models.svc.cluster.local"},
               "url": "https://granite-8b-models.apps.example.com",
               "conditions": [{"type": "PredictorReady", "status": "True"}, {"type": "Ready", "status": "True"}]},
}
TOKEN_SECRET = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                "metadata": {"name": "granite-sa", "namespace": "models"}, "data": {"token": "ZXlKLXNhLXRva2Vu", "other": "b3RoZXI="}}
CLUSTER = FakeCluster(ISVC, {**ISVC, "metadata": {"name": "granite-9b", "namespace": "models"}},
                      {**ISVC, "metadata": {"name": "granite-8b", "namespace": "models-2"}}, TOKEN_SECRET,
                      {**TOKEN_SECRET, "metadata": {"name": "other-sa", "namespace": "models"}})
RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
CATALOG = {
    "litellmEnterprise": True,
    "credentials": [{"name": "shared", "provider": "openai", "info": {"description": "shared upstream"},
                     "values": {"api_key": "sk-upstream-shared-0123"}}],
    "models": [
        {"name": "granite", "model": "openai/granite", "apiBase": "https://granite.example.com/v1",
         "apiKey": "sk-upstream-granite-0123", "apiVersion": "2024-06-01", "rpm": 60, "tpm": 10000, "timeout": 60,
         "maxRetries": 2, "inputCostPerToken": 1e-7, "outputCostPerToken": 2e-7, "modelInfo": {"mode": "chat"},
         "extraParams": {"temperature": 0.2}, "id": "granite-id", "fallbacks": ["mistral"],
         "contextWindowFallbacks": ["mistral"], "contentPolicyFallbacks": ["mistral"]},
        {"name": "mistral", "model": "openai/mistral", "apiBase": "https://mistral.example.com/v1",
         "credential": "shared"},
        {"name": "served", "inferenceService": {"name": "granite-8b", "namespace": "models",
                                                "tokenSecret": {"name": "granite-sa", "key": "token"}}},
    ],
    "accessGroups": [{"name": "chat", "models": ["mistral"]}],
    "budgets": [{"name": "tier-1", "maxBudget": 100, "softBudget": 80, "budgetDuration": "30d", "tpmLimit": 1000,
                 "rpmLimit": 60, "maxParallelRequests": 4}],
    "customers": [{"id": "acme", "alias": "Acme Corp", "blocked": False, "maxBudget": 50, "budgetDuration": "30d",
                   "tpmLimit": 1000, "rpmLimit": 60, "allowedModelRegion": "eu", "defaultModel": "granite",
                   "models": ["granite"]}],
    "tags": [{"name": "research", "description": "research traffic", "models": ["granite"], "maxBudget": 50,
              "softBudget": 40, "budgetDuration": "30d", "tpmLimit": 1000, "rpmLimit": 60, "maxParallelRequests": 4}],
    "guardrails": [{"name": "no-secrets", "provider": "litellm_content_filter", "mode": "pre_call",
                    "defaultOn": False, "apiBase": "https://guard.example.com", "apiKey": "guard-key-0123",
                    "params": {"blocked_words": [{"keyword": "password", "action": "BLOCK"}]}}],
    "mcpServers": [{"name": "docs", "alias": "documents", "url": "https://mcp.example.com/sse", "transport": "sse",
                    "authType": "bearer_token", "authValue": "mcp-token-0123", "description": "docs search",
                    "id": "docs-id", "teams": ["data-science"]}],
    "users": [{"id": "alice", "email": "alice@example.com", "role": "internal_user", "maxBudget": 20,
               "budgetDuration": "30d", "models": ["granite"], "metadata": {"dept": "ml"}}],
    "teams": [{"alias": "data-science", "models": ["granite", "mistral"], "maxBudget": 500, "budgetDuration": "30d",
               "tpmLimit": 100000, "rpmLimit": 600, "metadata": {"cost_center": "42"}, "id": "team-ds",
               "accessGroups": ["chat"], "tags": ["research"], "guardrails": ["no-secrets"],
               "members": [{"user": "alice", "role": "user", "maxBudgetInTeam": 10}]}],
    "keys": [{"alias": "alice", "team": "data-science", "user": "alice", "models": ["granite"], "maxBudget": 25,
              "softBudget": 20, "budgetDuration": "30d", "duration": "90d", "tpmLimit": 1000, "rpmLimit": 60,
              "maxParallelRequests": 2, "metadata": {"owner": "alice"}, "blocked": False, "rotation": "1",
              "rotateEvery": "90d", "rotationGracePeriod": "24h", "renew": False, "accessGroups": ["chat"],
              "tags": ["research"], "guardrails": ["no-secrets"], "mcpServers": ["docs"],
              "deliverTo": {"namespace": "alice-ns", "secretName": "litellm-key"}},
             {"alias": "bob", "userId": "bob-external", "budget": "tier-1", "models": ["mistral"]}],
}
POSTGRES = {"image": "docker.io/library/postgres:16.10-alpine", "storageSize": "10Gi", "storageClass": "fast-ssd",
            "maxConnections": 200, "password": "pg-password-0123456789", "resources": RESOURCES,
            "backup": {"schedule": "15 2 * * *", "retain": 7, "storageSize": "20Gi", "storageClass": "backup-sc",
                       "resources": RESOURCES}}
FULL = {
    "namespace": "litemaas", "createNamespace": True, "platform": "openshift", "hostname": "litellm.apps.example.com",
    "masterKey": MASTER,
    "litellm": {"image": "ghcr.io/berriai/litellm-non_root:main-v1.108.7-stable", "replicas": 2,
                "resources": RESOURCES, "uiUsername": "admin", "routeTimeout": "600s",
                "extraEnv": {"LITELLM_NUM_WORKERS": "2"}, "logLevel": "INFO", "saltKey": "salt-" + "k" * 40,
                "uiPassword": "ui-password-0123"},
    "postgres": POSTGRES,
    "redis": {"enabled": True, "image": "docker.io/library/redis:7.2.7-alpine", "password": "redis-password-0123",
              "resources": RESOURCES},
    "monitoring": {"enabled": True, "interval": "30s", "initializeBudgetMetrics": True,
                   "prometheusNamespaces": ["openshift-user-workload-monitoring"]},
    "alerting": {"slackWebhookUrl": "https://hooks.slack.com/services/T0/B0/x", "alertTypes": ["budget_alerts"],
                 "slowRequestThreshold": 300, "budgetAlertTtl": "24h", "spendReportFrequency": "7d"},
    "adminApi": {"readinessTimeout": "10m", "requestTimeout": "60s", "verifyTls": True},
    **CATALOG,
}
BASES = {
    "full": FULL,
    # generated credentials (pulumi-random) instead of the configured ones
    "generated": {**FULL, "masterKey": DELETE, "litellm": {**FULL["litellm"], "saltKey": DELETE, "uiPassword": DELETE},
                  "postgres": {**POSTGRES, "password": DELETE}, "redis": {"enabled": True}},
    "autoscaling": {**FULL, "litellm": {**FULL["litellm"], "replicas": DELETE,
                                        "autoscaling": {"minReplicas": 2, "maxReplicas": 5, "targetCPUUtilization": 70}}},
    "app": {**FULL, "frontend": {"enabled": True, "image": "quay.io/rh-aiservices-bu/litemaas-frontend:0.4.0",
                                 "resources": RESOURCES, "hostname": "litemaas.apps.example.com",
                                 "routeTimeout": "600s"},
            "backend": {"enabled": True, "image": "quay.io/rh-aiservices-bu/litemaas-backend:0.4.0",
                        "resources": RESOURCES, "initialAdminUsers": ["admin"], "jwtExpiresIn": "24h",
                        "defaultUser": {"maxBudget": 100, "tpmLimit": 100000, "rpmLimit": 120}},
            "oauth": {"enabled": True, "mode": "oauthclient", "clientId": "litemaas-app", "grantMethod": "auto",
                      "insecureSkipTlsVerify": False}},
    "oidc": {**FULL, "frontend": {"enabled": True, "hostname": "litemaas.apps.example.com"},
             "backend": {"enabled": True}, "oauth": {"enabled": True, "mode": "oidc", "issuer": "https://sso.example.com",
                                                      "clientId": "litemaas", "clientSecret": "oidc-secret-0123456789",
                                                      "scopes": "openid profile email", "groupsClaim": "groups"}},
    "cnpg": {**FULL, "postgres": {"mode": "cloudnativepg", "storageSize": "10Gi",
                                  "cloudnativepg": {"instances": 3, "apiGroup": "postgresql.cnpg.io",
                                                    "imageName": "ghcr.io/cloudnative-pg/postgresql:16.10",
                                                    "operatorNamespace": "cnpg-system"}}},
    "kubernetes": {**FULL, "platform": "kubernetes", "hostname": "litellm.example.com", "ingressClassName": "nginx",
                   "ingress": {"tlsSecretName": "litellm-tls"},
                   "litellm": {**FULL["litellm"], "ingressNamespaces": ["ingress-nginx"]}},
    "external": {**FULL, "postgres": {"externalDatabaseUrl": "postgresql://litellm:pw@db.example.com:5432/litellm"},
                 "redis": {"url": "redis://:redis-pw@redis.example.com:6379/0"}},
    "gatewayless": {"deployGateway": False, "gatewayUrl": "https://litellm.example.com", "masterKey": MASTER,
                    "adminApi": {"readinessTimeout": "10m"}, **CATALOG},
}
SECRET_KEYS = ("masterKey", "litellm", "postgres", "redis", "alerting", "credentials", "models", "guardrails",
               "mcpServers", "oauth", "backend")

def E(**paths):  # noqa: N802 - several edits at once: E(**{"a.b": 1, "c": 2})
    return {"__edits__": True, **paths}


# The catalog's keys change the smaller gatewayless stack: they touch no Kubernetes object but delivered Secrets.
# leaf key -> (base, edits; None: the key itself at index 0 of its lists set to `value`), value, expected effect.
# A list key is changed in its first entry.
CASES: dict[str, tuple[str, object, str]] = {
    "accessGroups[].models": ("gatewayless", ["mistral", "granite"], "kept"),
    "accessGroups[].name": ("gatewayless", E(**{"accessGroups[0].name": "chat-2", "teams[0].accessGroups": ["chat-2"],
                                         "keys[0].accessGroups": ["chat-2"]}), "updated"),
    "adminApi.allowInsecureHttp": ("full", True, "kept"),
    "adminApi.caBundle": ("full", CA_PEM, "kept"),
    "adminApi.readinessTimeout": ("full", "5m", "kept"),
    "adminApi.requestTimeout": ("full", "30s", "kept"),
    "adminApi.verifyTls": ("full", False, "kept"),
    "alerting.alertTypes": ("full", ["budget_alerts", "spend_reports"], "kept"),
    "alerting.budgetAlertTtl": ("full", "12h", "kept"),
    "alerting.email": ("full", {"to": ["ops@example.com"]}, "refused"),
    "alerting.emailBranding": ("full", {"logo": "x"}, "refused"),
    "alerting.slackWebhookUrl": ("full", "https://hooks.slack.com/services/T0/B0/y", "updated"),
    "alerting.slowRequestThreshold": ("full", 600, "kept"),
    "alerting.spendReportFrequency": ("full", "1d", "kept"),
    "backend.databaseUrl": ("app", "postgresql://app:pw@db.example.com:5432/litemaas", "deleted"),
    "backend.defaultUser.maxBudget": ("app", 200, "kept"),
    "backend.defaultUser.rpmLimit": ("app", 60, "kept"),
    "backend.defaultUser.tpmLimit": ("app", 5000, "kept"),
    "backend.enabled": ("app", E(**{"backend.enabled": False, "frontend.enabled": False, "oauth.enabled": False}), "deleted"),
    "backend.image": ("app", "quay.io/rh-aiservices-bu/litemaas-backend:0.4.1", "kept"),
    "backend.initialAdminUsers": ("app", ["admin", "ops"], "kept"),
    "backend.jwtExpiresIn": ("app", "12h", "kept"),
    "backend.resources": ("app", {**RESOURCES, "limits": {"cpu": "2", "memory": "1Gi"}}, "kept"),
    "budgets[].budgetDuration": ("gatewayless", "7d", "kept"),
    "budgets[].maxBudget": ("gatewayless", 200, "kept"),
    "budgets[].maxParallelRequests": ("gatewayless", 8, "kept"),
    "budgets[].name": ("gatewayless", E(**{"budgets[0].name": "tier-2", "keys[1].budget": "tier-2"}), "updated"),
    "budgets[].rpmLimit": ("gatewayless", 120, "kept"),
    "budgets[].softBudget": ("gatewayless", 90, "kept"),
    "budgets[].tpmLimit": ("gatewayless", 2000, "kept"),
    "customers[].alias": ("gatewayless", "Acme", "kept"),
    "customers[].allowedModelRegion": ("gatewayless", "us", "kept"),
    "customers[].blocked": ("gatewayless", True, "kept"),
    "customers[].budget": ("gatewayless", E(**{"customers[0].budget": "tier-1", "customers[0].maxBudget": DELETE,
                                              "customers[0].budgetDuration": DELETE, "customers[0].tpmLimit": DELETE,
                                              "customers[0].rpmLimit": DELETE}), "kept"),
    "customers[].budgetDuration": ("gatewayless", "7d", "kept"),
    "customers[].defaultModel": ("gatewayless", E(**{"customers[0].defaultModel": "served",
                                                     "customers[0].models": ["granite", "served"]}), "kept"),
    "customers[].id": ("gatewayless", "acme-2", "kept"),
    "customers[].maxBudget": ("gatewayless", 80, "kept"),
    "customers[].models": ("gatewayless", ["granite", "served"], "kept"),
    "customers[].rpmLimit": ("gatewayless", 120, "kept"),
    "customers[].tpmLimit": ("gatewayless", 2000, "kept"),
    "createNamespace": ("full", False, "released"),
    "credentials[].info": ("gatewayless", {"description": "another"}, "kept"),
    "credentials[].name": ("gatewayless", E(**{"credentials[0].name": "shared-2", "models[1].credential": "shared-2"}), "kept"),
    "credentials[].provider": ("gatewayless", "azure", "kept"),
    "credentials[].values": ("gatewayless", {"api_key": "sk-upstream-shared-9999"}, "kept"),
    "deployGateway": ("full", E(deployGateway=False, gatewayUrl="https://litellm.example.com", hostname=DELETE,
                                litellm=DELETE, postgres=DELETE, redis=DELETE, monitoring=DELETE, alerting=DELETE),
                      "deleted"),
    "frontend.enabled": ("app", False, "kept"),
    "frontend.hostname": ("app", "ai.apps.example.com", "kept"),
    "frontend.image": ("app", "quay.io/rh-aiservices-bu/litemaas-frontend:0.4.1", "kept"),
    "frontend.resources": ("app", {**RESOURCES, "limits": {"cpu": "2", "memory": "1Gi"}}, "kept"),
    "frontend.routeTimeout": ("app", "300s", "kept"),
    "frontend.tlsSecretName": ("kubernetes", E(**{"frontend": {"enabled": True, "hostname": "litemaas.example.com",
                                                               "tlsSecretName": "app-tls"},
                                                  "backend": {"enabled": True},
                                                  "oauth": {"enabled": True, "mode": "oidc",
                                                            "issuer": "https://sso.example.com", "clientId": "litemaas",
                                                            "clientSecret": "oidc-secret-0123456789"}}), "kept"),
    "gatewayUrl": ("full", "https://gateway.example.com", "updated"),
    "guardrails[].apiBase": ("gatewayless", "https://guard-2.example.com", "kept"),
    "guardrails[].apiKey": ("gatewayless", "guard-key-9999", "kept"),
    "guardrails[].defaultOn": ("gatewayless", True, "kept"),
    "guardrails[].mode": ("gatewayless", "post_call", "kept"),
    "guardrails[].name": ("gatewayless", E(**{"guardrails[0].name": "no-leaks", "teams[0].guardrails": ["no-leaks"],
                                       "keys[0].guardrails": ["no-leaks"]}), "updated"),
    "guardrails[].params": ("gatewayless", {"blocked_words": [{"keyword": "secret", "action": "BLOCK"}]}, "kept"),
    "guardrails[].provider": ("gatewayless", E(**{"guardrails[0].provider": "lakera_v2", "guardrails[0].params": DELETE}), "kept"),
    "hostname": ("full", "ai.apps.example.com", "updated"),
    "ingress.clusterIssuer": ("kubernetes", "letsencrypt", "kept"),
    "ingress.tlsSecretName": ("kubernetes", "litellm-tls-2", "kept"),
    "ingressClassName": ("kubernetes", "haproxy", "kept"),
    "keysFrom": ("gatewayless", KEYS_FILE, "kept"),
    "keys[].accessGroups": ("gatewayless", [], "updated"),
    "keys[].adopt": ("gatewayless", E(**{"keys[1].adopt": True}), "kept"),
    "keys[].alias": ("gatewayless", E(**{"keys[0].alias": "alicia", "keys[0].previousAlias": "alice"}), "updated"),
    "keys[].blocked": ("gatewayless", True, "updated"),
    "keys[].budget": ("gatewayless", E(**{"keys[1].budget": DELETE}), "updated"),
    "keys[].budgetDuration": ("gatewayless", "7d", "updated"),
    "keys[].deliverTo.namespace": ("gatewayless", "alice-2", "replaced"),
    "keys[].deliverTo.secretName": ("gatewayless", "litellm-key-2", "replaced"),
    "keys[].duration": ("gatewayless", "30d", "updated"),
    "keys[].guardrails": ("gatewayless", [], "updated"),
    "keys[].maxBudget": ("gatewayless", 40, "updated"),
    "keys[].maxParallelRequests": ("gatewayless", 4, "updated"),
    "keys[].mcpServers": ("gatewayless", [], "updated"),
    "keys[].metadata": ("gatewayless", {"owner": "alice", "cost_center": "7"}, "updated"),
    "keys[].models": ("gatewayless", ["granite", "mistral"], "updated"),
    "keys[].previousAlias": ("gatewayless", "alic", "kept"),
    "keys[].renew": ("gatewayless", True, "kept"),
    "keys[].rotateEvery": ("gatewayless", "30d", "kept"),
    "keys[].rotation": ("gatewayless", "2", "rotated"),
    "keys[].rotationGracePeriod": ("gatewayless", "0", "kept"),
    "keys[].rpmLimit": ("gatewayless", 120, "updated"),
    "keys[].softBudget": ("gatewayless", 10, "updated"),
    "keys[].tags": ("gatewayless", [], "updated"),
    "keys[].team": ("gatewayless", E(**{"keys[0].team": DELETE}), "updated"),
    "keys[].tokenHash": ("gatewayless", E(**{"keys[1].tokenHash": "a" * 64}), "kept"),
    "keys[].tpmLimit": ("gatewayless", 2000, "updated"),
    "keys[].user": ("gatewayless", E(**{"keys[0].user": DELETE}), "updated"),
    "keys[].userId": ("gatewayless", E(**{"keys[1].userId": "bob-2"}), "updated"),
    "litellm.allowReplicasWithoutRedis": ("full", True, "kept"),
    "litellm.autoscaling.maxReplicas": ("autoscaling", 6, "kept"),
    "litellm.autoscaling.minReplicas": ("autoscaling", 3, "kept"),
    "litellm.autoscaling.targetCPUUtilization": ("autoscaling", 60, "kept"),
    "litellm.extraEnv": ("full", {"LITELLM_NUM_WORKERS": "4"}, "updated"),
    "litellm.image": ("full", "ghcr.io/berriai/litellm-non_root:main-v1.108.8-stable", "kept"),
    "litellm.ingressNamespaces": ("kubernetes", ["ingress-nginx", "haproxy"], "kept"),
    "litellm.logLevel": ("full", "DEBUG", "kept"),
    "litellm.replicas": ("full", 3, "kept"),
    "litellm.resources": ("full", {**RESOURCES, "limits": {"cpu": "2", "memory": "2Gi"}}, "kept"),
    "litellm.routeTimeout": ("full", "900s", "kept"),
    "litellm.acknowledgeNewSaltKey": ("full", True, "kept"),
    "litellm.saltKey": ("full", "salt-" + "z" * 40, "refused"),
    "litellm.uiPassword": ("full", "ui-password-9999", "updated"),
    "litellm.uiUsername": ("full", "root", "updated"),
    "litellmEnterprise": ("gatewayless", E(litellmEnterprise=False, **{"keys[0].tags": DELETE, "keys[0].guardrails": DELETE,
                                                                    "teams[0].tags": DELETE, "teams[0].guardrails": DELETE}), "updated"),
    "masterKey": ("full", "sk-master-matrix-9999999999", "updated"),
    "mcpServers[].alias": ("gatewayless", "docs2", "kept"),
    "mcpServers[].authType": ("gatewayless", "api_key", "kept"),
    "mcpServers[].authValue": ("gatewayless", "mcp-token-9999", "kept"),
    "mcpServers[].description": ("gatewayless", "another", "kept"),
    "mcpServers[].id": ("gatewayless", "docs-id-2", "updated"),
    "mcpServers[].name": ("gatewayless", E(**{"mcpServers[0].name": "wiki", "keys[0].mcpServers": ["wiki"]}), "kept"),
    "mcpServers[].teams": ("gatewayless", [], "updated"),
    "mcpServers[].transport": ("gatewayless", "http", "kept"),
    "mcpServers[].url": ("gatewayless", "https://mcp-2.example.com/sse", "kept"),
    "models[].apiBase": ("gatewayless", "https://granite-2.example.com/v1", "kept"),
    "models[].apiKey": ("gatewayless", "sk-upstream-granite-9999", "kept"),
    "models[].apiVersion": ("gatewayless", "2025-01-01", "kept"),
    "models[].contentPolicyFallbacks": ("gatewayless", DELETE, "kept"),
    "models[].contextWindowFallbacks": ("gatewayless", DELETE, "kept"),
    "models[].credential": ("gatewayless", E(**{"models[1].credential": DELETE, "models[1].apiKey": "sk-upstream-m-0123"}), "kept"),
    "models[].extraParams": ("gatewayless", {"temperature": 0.5}, "kept"),
    "models[].fallbacks": ("gatewayless", DELETE, "kept"),
    "models[].id": ("gatewayless", "granite-id-2", "kept"),
    "models[].inferenceService.name": ("gatewayless", E(**{"models[2].inferenceService.name": "granite-9b"}), "kept"),
    "models[].inferenceService.namespace": ("gatewayless", E(**{"models[2].inferenceService.namespace": "models-2",
                                                          "models[2].inferenceService.tokenSecret": DELETE,
                                                          "models[2].inferenceService.token": "sa-token-0123"}), "kept"),
    "models[].inferenceService.token": ("gatewayless", E(**{"models[2].inferenceService.tokenSecret": DELETE,
                                                      "models[2].inferenceService.token": "sa-token-0123"}), "kept"),
    "models[].inferenceService.tokenSecret.key": ("gatewayless", E(**{"models[2].inferenceService.tokenSecret.key": "other"}), "kept"),
    "models[].inferenceService.tokenSecret.name": ("gatewayless", E(**{"models[2].inferenceService.tokenSecret.name": "other-sa"}), "kept"),
    "models[].inputCostPerToken": ("gatewayless", 3e-7, "kept"),
    "models[].maxRetries": ("gatewayless", 5, "kept"),
    "models[].model": ("gatewayless", "openai/granite-3", "kept"),
    "models[].modelInfo": ("gatewayless", {"mode": "completion"}, "kept"),
    "models[].name": ("gatewayless", E(**{"models[1].name": "mistral-2", "models[0].fallbacks": ["mistral-2"],
                                   "models[0].contextWindowFallbacks": ["mistral-2"],
                                   "models[0].contentPolicyFallbacks": ["mistral-2"],
                                   "accessGroups[0].models": ["mistral-2"], "teams[0].models": ["granite", "mistral-2"],
                                   "keys[1].models": ["mistral-2"]}), "updated"),
    "models[].outputCostPerToken": ("gatewayless", 3e-7, "kept"),
    "models[].rpm": ("gatewayless", 120, "kept"),
    "models[].timeout": ("gatewayless", 120, "kept"),
    "models[].tpm": ("gatewayless", 20000, "kept"),
    "monitoring.alerts.backupMaxAge": ("full", "48h", "kept"),
    "monitoring.alerts.budgetLowPercent": ("full", 10, "kept"),
    "monitoring.alerts.disabled": ("full", ["LiteLLMLatencyHigh"], "kept"),
    "monitoring.alerts.enabled": ("full", False, "kept"),
    "monitoring.alerts.for": ("full", "5m", "kept"),
    "monitoring.alerts.latencyP95Seconds": ("full", 60, "kept"),
    "monitoring.alerts.rateLimitedPercent": ("full", 20, "kept"),
    "monitoring.alerts.spendPerDay": ("full", 500, "kept"),
    "monitoring.alerts.spendPerHour": ("full", 50, "kept"),
    "monitoring.alerts.teamSpendPerDay": ("full", 200, "kept"),
    "monitoring.alerts.teamSpendPerHour": ("full", 20, "kept"),
    "monitoring.alerts.upstreamFailurePercent": ("full", 25, "kept"),
    "monitoring.grafana.allowCrossNamespaceImport": ("full", E(**{"monitoring.grafana": {
        "instanceLabels": {"dashboards": "grafana"}, "allowCrossNamespaceImport": False}}), "kept"),
    "monitoring.grafana.datasource": ("full", E(**{"monitoring.grafana": {
        "instanceLabels": {"dashboards": "grafana"}, "datasource": "prometheus"}}), "kept"),
    "monitoring.grafana.folder": ("full", E(**{"monitoring.grafana": {
        "instanceLabels": {"dashboards": "grafana"}, "folder": "LiteMaaS"}}), "kept"),
    "monitoring.grafana.instanceLabels": ("full", E(**{"monitoring.grafana": {
        "instanceLabels": {"dashboards": "grafana"}}}), "kept"),
    "monitoring.enabled": ("full", False, "deleted"),
    "monitoring.initializeBudgetMetrics": ("full", False, "kept"),
    "monitoring.interval": ("full", "60s", "kept"),
    "monitoring.prometheusNamespaces": ("full", ["monitoring"], "kept"),
    "namespace": ("full", "litemaas-2", "refused"),
    # A platform stack cannot become a tenant: its platform settings are refused in a tenant (config.tenant).
    "platformStack": ("full", "organization/litemaas/prod", "refused"),
    "oauth.clientId": ("app", "litemaas-app-2", "kept"),
    "oauth.clientSecret": ("oidc", "oidc-secret-9999999999", "updated"),
    "oauth.enabled": ("app", E(**{"oauth.enabled": False, "frontend.enabled": False}), "deleted"),
    "oauth.grantMethod": ("app", "prompt", "kept"),
    "oauth.groupsClaim": ("oidc", "roles", "kept"),
    "oauth.insecureSkipTlsVerify": ("app", True, "kept"),
    "oauth.issuer": ("oidc", "https://sso-2.example.com", "kept"),
    "oauth.mode": ("app", E(**{"oauth.mode": "serviceaccount", "oauth.clientId": DELETE,
                                "oauth.grantMethod": DELETE}), "deleted"),
    "oauth.scopes": ("oidc", "openid email", "kept"),
    "platform": ("full", E(platform="kubernetes", hostname="litellm.example.com", ingressClassName="nginx",
                           ingress={"tlsSecretName": "litellm-tls"}), "rolled"),
    "postgres.acknowledgeNewDatabase": ("full", "litemaas/bundled", "kept"),
    "postgres.backup.resources": ("full", {**RESOURCES, "limits": {"cpu": "2", "memory": "2Gi"}}, "kept"),
    "postgres.backup.retain": ("full", 14, "kept"),
    "postgres.backup.schedule": ("full", "@daily", "kept"),
    "postgres.backup.storageClass": ("full", "other-sc", "updated"),
    "postgres.backup.storageSize": ("full", "40Gi", "updated"),
    "postgres.cloudnativepg.apiGroup": ("cnpg", "postgresql.k8s.enterprisedb.io", "refused"),
    "postgres.cloudnativepg.imageName": ("cnpg", "ghcr.io/cloudnative-pg/postgresql:16.11", "updated"),
    "postgres.cloudnativepg.instances": ("cnpg", 2, "updated"),
    "postgres.cloudnativepg.operatorNamespace": ("cnpg", "operators", "kept"),
    "postgres.deleteDataOnDestroy": ("full", True, "updated"),
    "postgres.externalDatabaseUrl": ("external", "postgresql://litellm:pw@db-2.example.com:5432/litellm", "updated"),
    "postgres.image": ("full", "docker.io/library/postgres:16.11-alpine", "rolled"),
    "postgres.maxConnections": ("full", 300, "rolled"),
    "postgres.mode": ("full", E(**{"postgres.mode": "cloudnativepg", "postgres.backup": DELETE,
                                   "postgres.password": DELETE}), "refused"),
    "postgres.password": ("full", "pg-password-9999999999", "rolled"),
    "postgres.resources": ("full", {**RESOURCES, "limits": {"cpu": "2", "memory": "2Gi"}}, "rolled"),
    "postgres.storageClass": ("full", "other-sc", "refused"),
    "postgres.storageSize": ("full", "20Gi", "updated"),
    "redis.enabled": ("full", E(redis={"enabled": False}, **{"litellm.allowReplicasWithoutRedis": True}), "deleted"),
    "redis.image": ("full", "docker.io/library/redis:7.2.8-alpine", "kept"),
    "redis.password": ("full", "redis-password-9999", "updated"),
    "redis.resources": ("full", {**RESOURCES, "limits": {"cpu": "1", "memory": "512Mi"}}, "updated"),
    "redis.url": ("external", "redis://:redis-pw@redis-2.example.com:6379/0", "updated"),
    "tags[].budgetDuration": ("gatewayless", "7d", "kept"),
    "tags[].description": ("gatewayless", "other", "kept"),
    "tags[].maxBudget": ("gatewayless", 60, "kept"),
    "tags[].maxParallelRequests": ("gatewayless", 8, "kept"),
    "tags[].models": ("gatewayless", ["granite", "mistral"], "kept"),
    "tags[].name": ("gatewayless", E(**{"tags[0].name": "science", "teams[0].tags": ["science"], "keys[0].tags": ["science"]}), "updated"),
    "tags[].rpmLimit": ("gatewayless", 120, "kept"),
    "tags[].softBudget": ("gatewayless", 45, "kept"),
    "tags[].tpmLimit": ("gatewayless", 2000, "kept"),
    "teams[].accessGroups": ("gatewayless", E(**{"teams[0].accessGroups": [], "keys[0].accessGroups": []}), "updated"),
    "teams[].alias": ("gatewayless", E(**{"teams[0].alias": "ds", "teams[0].previousAlias": "data-science",
                                   "keys[0].team": "ds", "mcpServers[0].teams": ["ds"]}), "updated"),
    "teams[].budgetDuration": ("gatewayless", "7d", "updated"),
    "teams[].guardrails": ("gatewayless", [], "updated"),
    "teams[].id": ("gatewayless", "team-ds-2", "replaced"),
    "teams[].maxBudget": ("gatewayless", 600, "updated"),
    "teams[].members[].maxBudgetInTeam": ("gatewayless", 20, "kept"),
    "teams[].members[].role": ("gatewayless", "admin", "kept"),
    "teams[].members[].user": ("gatewayless", "carol", "kept"),
    "teams[].metadata": ("gatewayless", {"cost_center": "43"}, "updated"),
    "teams[].models": ("gatewayless", ["granite", "mistral", "served"], "updated"),
    "teams[].previousAlias": ("gatewayless", "data-sci", "kept"),
    "teams[].rpmLimit": ("gatewayless", 1200, "updated"),
    "teams[].tags": ("gatewayless", [], "updated"),
    "teams[].tpmLimit": ("gatewayless", 200000, "updated"),
    "users[].budgetDuration": ("gatewayless", "7d", "updated"),
    "users[].email": ("gatewayless", "alice@example.org", "updated"),
    "users[].id": ("gatewayless", E(**{"users[0].id": "alice-2", "teams[0].members[0].user": "alice-2",
                                "keys[0].user": "alice-2"}), "deleted"),
    "users[].maxBudget": ("gatewayless", 40, "updated"),
    "users[].metadata": ("gatewayless", {"dept": "ai"}, "updated"),
    "users[].models": ("gatewayless", ["granite", "mistral"], "updated"),
    "users[].role": ("gatewayless", "proxy_admin_viewer", "updated"),
    # the credentials again, on a stack that generated them
    "masterKey (set, was generated)": ("generated", E(masterKey=MASTER), "deleted"),
    "litellm.saltKey (set, was generated)": ("generated", E(**{"litellm.saltKey": "salt-" + "k" * 40}), "refused"),
    "litellm.saltKey (removed: generated)": ("full", E(**{"litellm.saltKey": DELETE}), "refused"),
    "litellm.saltKey (acknowledged)": ("full", E(**{"litellm.saltKey": "salt-" + "z" * 40,
                                                    "litellm.acknowledgeNewSaltKey": True}), "updated"),
    "litellm.uiPassword (set, was generated)": ("generated", E(**{"litellm.uiPassword": "ui-password-0123"}), "deleted"),
    "postgres.password (set, was generated)": ("generated", E(**{"postgres.password": "pg-password-0123456789"}), "deleted"),
    "postgres.password (removed: generated)": ("full", E(**{"postgres.password": DELETE}), "rolled"),
    "redis.password (set, was generated)": ("generated", E(**{"redis.password": "redis-password-0123"}), "deleted"),
    "keys[].alias (without previousAlias)": ("full", E(**{"keys[0].alias": "alicia"}), "deleted"),
}
# The changes that replace or remove something that holds data, on purpose; README lists them with these reasons.
DOCUMENTED: dict[str, str] = {
    "deployGateway": "`false` takes the deployment out of the stack as `destroy` would (the database claim, the "
                     "backup claim and the namespace are kept unless `postgres.deleteDataOnDestroy`; a generated salt "
                     "key is protected, which stops the preview) and manages the catalog on `gatewayUrl`",
    "backend.databaseUrl": "the app moves to that database; the generated password of its own database in the "
                           "bundled PostgreSQL is dropped (the database `litemaas_db` stays; going back generates a "
                           "new password, which the app's database Job sets on its role)",
    "backend.enabled": "turning the app off drops what it generated (JWT secret, admin API key, OAuth client "
                       "secret, its database password); its database stays in PostgreSQL",
    "oauth.enabled": "the generated OAuth client secret goes with the OAuthClient",
    "oauth.mode": "leaving `oauthclient` drops its generated client secret",
    "monitoring.enabled": "turning metrics off revokes the scrape-only key and deletes its Secret",
    "redis.enabled": "Redis keeps no data (no persistence); its Secret goes with it",
    "keys[].alias (without previousAlias)": "a new alias is another key: the old value is revoked and a new one "
                                             "issued. Rename with `previousAlias` instead (updated in place)",
    "keys[].deliverTo.namespace": "the delivered Secret (a copy of the key) moves; the key keeps its value",
    "keys[].deliverTo.secretName": "the delivered Secret (a copy of the key) moves; the key keeps its value",
    "teams[].id": "a new id is a new LiteLLM team: `up` moves the team's keys to it (same values) before deleting "
                  "the old one",
    "users[].id": "a new id is a new LiteLLM user; a user that still holds keys is never deleted (move its keys "
                  "in the same change)",
    "masterKey (set, was generated)": "the documented master-key rotation: the generated key is dropped for yours",
    "litellm.uiPassword (set, was generated)": "the admin UI password becomes yours",
    "postgres.password (set, was generated)": "the database pod rolls and its start sets your password on the role",
    "redis.password (set, was generated)": "Redis rolls with your password (it keeps no data)",
}


def edits_for(key: str, change: object) -> dict:
    """`path -> value` of one case; a plain value is the key itself, in the first entry of each list."""
    if isinstance(change, dict) and change.get("__edits__"):
        return {k: v for k, v in change.items() if k != "__edits__"}
    return {key.replace("[]", "[0]"): change}


def base_config(name: str) -> dict:
    return without_deletes(BASES[name])


def without_deletes(value):
    if isinstance(value, dict):
        return {k: without_deletes(v) for k, v in value.items() if v is not DELETE}
    return [without_deletes(v) for v in value] if isinstance(value, list) else value


@pytest.fixture(scope="module")
def rendered_bases(tmp_path_factory, test_ca):
    keys_file = tmp_path_factory.mktemp("keys") / "keys.csv"
    keys_file.write_text("alias,models,maxBudget\ncarol,granite,5\n")
    resolved = {CA_PEM: test_ca.ca_pem, KEYS_FILE: str(keys_file)}
    bases = {name: render(resolve(base_config(name), resolved), SECRET_KEYS, CLUSTER.get) for name in BASES}
    for name, base in bases.items():
        assert base.refusal is None, (name, base.refusal)
    return bases, resolved


def resolve(value, resolved):
    if isinstance(value, dict):
        return {k: resolve(v, resolved) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, resolved) for v in value]
    return resolved.get(value, value) if value in (CA_PEM, KEYS_FILE) else value


def outcome(rendered_bases, key: str) -> tuple[str, dict[str, str], str]:
    bases, resolved = rendered_bases
    base_name, change, _ = CASES[key]
    before = bases[base_name]
    after = render(edited(base_config(base_name), resolve(edits_for(key, change), resolved)), SECRET_KEYS, CLUSTER.get)
    if after.refusal is not None:
        return REFUSED, {}, after.refusal
    refusals = check_failures(before, after)
    effects = classify(before, after)
    return (REFUSED if refusals else summary(effects)), effects, " ".join(refusals)


def leaf(case: str) -> str:
    return case.split(" (")[0]


def test_every_leaf_key_of_the_configuration_is_in_the_matrix():
    assert sorted(case for case in CASES if leaf(case) == case) == leaf_keys()


@pytest.mark.parametrize("key", sorted(CASES))
def test_a_change_does_to_data_what_the_matrix_says(rendered_bases, key):
    found, effects, reason = outcome(rendered_bases, key)
    expected = CASES[key][2]
    assert found == expected, f"{key}: {found} (expected {expected}); {effects} {reason[:600]}".replace("\n", " ")
    if found == REFUSED and reason:
        path = re.escape(leaf(key)).replace(r"\[\]", r"\[\d+\]")
        assert re.search(rf"litemaas:{path}\b", reason), reason[:600]
    assert found not in ("replaced", "deleted") or key in DOCUMENTED, f"{key} {found}: {effects}"


def test_documented_removals_are_the_ones_the_matrix_finds():
    assert {key for key, (_, _, expected) in CASES.items() if expected in ("replaced", "deleted")} == set(DOCUMENTED)


# What the objects' effect does not say: shown under the table.
CAVEATS: dict[str, str] = {
    "litellm.saltKey": "set, changed or removed (a generated one would replace it) on a stack that has one, it is "
                       "refused at preview by `litemaas:SaltKeyGuard`: the gateway could no longer read the model "
                       "credentials LiteLLM stored encrypted with the old salt key. Setting exactly the value the "
                       "stack generated is accepted (no change). See Troubleshooting",
    "litellm.saltKey (acknowledged)": "with `litellm.acknowledgeNewSaltKey: true` the Secret is updated in place "
                                      "and the pods roll, but every model and credential with a stored secret "
                                      "must be created again under the new salt key (Troubleshooting)",
}

HEADINGS = {
    "kept": "**Nothing** that holds data changes",
    "updated": "**Updated in place** (Secrets, claims, LiteLLM objects keep their identity and values)",
    "released": "**Released**: leaves the stack, stays in the cluster",
    "rolled": "**Rolls the PostgreSQL pod** on the same claim",
    "rotated": "**A new key value**, as asked (`rotation`)",
    REFUSED: "**Refused at preview**, with the safe path",
    "replaced": "**Replaces** something (below)",
    "deleted": "**Removes** something (below)",
}
README_START = "<!-- change-matrix: generated from tests/test_change_safety.py; do not edit by hand -->"
README_END = "<!-- /change-matrix -->"


def readme_table() -> str:
    rows = ["| What the change does to data | Keys |", "|---|---|"]
    for effect, heading in HEADINGS.items():
        keys = [f"`{key}`" for key, (_, _, expected) in sorted(CASES.items()) if expected == effect]
        if keys:
            rows.append(f"| {heading} | {', '.join(keys)} |")
    notes = [f"- `{key}`: {reason}." for key, reason in sorted({**DOCUMENTED, **CAVEATS}.items())]
    return "\n".join([README_START, "", *rows, "", *notes, "", README_END])


def test_the_readme_table_is_the_matrix():
    text = README.read_text()
    start, end = text.find(README_START), text.find(README_END)
    assert start >= 0 and end > start, f"README lacks the change table; put this in it:\n{readme_table()}"
    assert text[start:end + len(README_END)] == readme_table(), f"README's change table is stale; use:\n{readme_table()}"
