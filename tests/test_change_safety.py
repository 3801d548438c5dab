"""The change-safety matrix: for every leaf key of the configuration, the program is rendered before and after a
change of that key, and what the change does to everything that holds data is checked (tests/support/
change_matrix.py says what counts and how effects are told apart). Nothing that holds data is deleted or
replaced by an ordinary change; what would lose data is refused at preview. README's table "What a config change
does to your data" is this matrix, and is checked against it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.change_matrix import DELETE, EFFECTS, REFUSED, check_failures, classify, edited, leaf_keys, \
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


# leaf key -> (base, edits; None: the key itself at index 0 of its lists set to `value`), value, expected effect.
# A list key is changed in its first entry.
CASES: dict[str, tuple[str, object, str]] = {
    "accessGroups[].models": ("full", ["mistral", "granite"], "?"),
    "accessGroups[].name": ("full", E(**{"accessGroups[0].name": "chat-2", "teams[0].accessGroups": ["chat-2"],
                                         "keys[0].accessGroups": ["chat-2"]}), "?"),
    "adminApi.allowInsecureHttp": ("full", True, "?"),
    "adminApi.caBundle": ("full", CA_PEM, "?"),
    "adminApi.readinessTimeout": ("full", "5m", "?"),
    "adminApi.requestTimeout": ("full", "30s", "?"),
    "adminApi.verifyTls": ("full", False, "?"),
    "alerting.alertTypes": ("full", ["budget_alerts", "spend_reports"], "?"),
    "alerting.budgetAlertTtl": ("full", "12h", "?"),
    "alerting.email": ("full", {"to": ["ops@example.com"]}, "?"),
    "alerting.emailBranding": ("full", {"logo": "x"}, "?"),
    "alerting.slackWebhookUrl": ("full", "https://hooks.slack.com/services/T0/B0/y", "?"),
    "alerting.slowRequestThreshold": ("full", 600, "?"),
    "alerting.spendReportFrequency": ("full", "1d", "?"),
    "backend.databaseUrl": ("app", "postgresql://app:pw@db.example.com:5432/litemaas", "?"),
    "backend.defaultUser.maxBudget": ("app", 200, "?"),
    "backend.defaultUser.rpmLimit": ("app", 60, "?"),
    "backend.defaultUser.tpmLimit": ("app", 5000, "?"),
    "backend.enabled": ("app", E(**{"backend.enabled": False, "frontend.enabled": False, "oauth.enabled": False}), "?"),
    "backend.image": ("app", "quay.io/rh-aiservices-bu/litemaas-backend:0.4.1", "?"),
    "backend.initialAdminUsers": ("app", ["admin", "ops"], "?"),
    "backend.jwtExpiresIn": ("app", "12h", "?"),
    "backend.resources": ("app", {**RESOURCES, "limits": {"cpu": "2", "memory": "1Gi"}}, "?"),
    "budgets[].budgetDuration": ("full", "7d", "?"),
    "budgets[].maxBudget": ("full", 200, "?"),
    "budgets[].maxParallelRequests": ("full", 8, "?"),
    "budgets[].name": ("full", E(**{"budgets[0].name": "tier-2", "keys[1].budget": "tier-2"}), "?"),
    "budgets[].rpmLimit": ("full", 120, "?"),
    "budgets[].softBudget": ("full", 90, "?"),
    "budgets[].tpmLimit": ("full", 2000, "?"),
    "createNamespace": ("full", False, "?"),
    "credentials[].info": ("full", {"description": "another"}, "?"),
    "credentials[].name": ("full", E(**{"credentials[0].name": "shared-2", "models[1].credential": "shared-2"}), "?"),
    "credentials[].provider": ("full", "azure", "?"),
    "credentials[].values": ("full", {"api_key": "sk-upstream-shared-9999"}, "?"),
    "deployGateway": ("full", E(deployGateway=False, gatewayUrl="https://litellm.example.com"), "?"),
    "frontend.enabled": ("app", False, "?"),
    "frontend.hostname": ("app", "ai.apps.example.com", "?"),
    "frontend.image": ("app", "quay.io/rh-aiservices-bu/litemaas-frontend:0.4.1", "?"),
    "frontend.resources": ("app", {**RESOURCES, "limits": {"cpu": "2", "memory": "1Gi"}}, "?"),
    "frontend.routeTimeout": ("app", "300s", "?"),
    "frontend.tlsSecretName": ("kubernetes", E(**{"frontend": {"enabled": True, "hostname": "litemaas.example.com",
                                                               "tlsSecretName": "app-tls"},
                                                  "backend": {"enabled": True},
                                                  "oauth": {"enabled": True, "mode": "oidc",
                                                            "issuer": "https://sso.example.com", "clientId": "litemaas",
                                                            "clientSecret": "oidc-secret-0123456789"}}), "?"),
    "gatewayUrl": ("full", "https://gateway.example.com", "?"),
    "guardrails[].apiBase": ("full", "https://guard-2.example.com", "?"),
    "guardrails[].apiKey": ("full", "guard-key-9999", "?"),
    "guardrails[].defaultOn": ("full", True, "?"),
    "guardrails[].mode": ("full", "post_call", "?"),
    "guardrails[].name": ("full", E(**{"guardrails[0].name": "no-leaks", "teams[0].guardrails": ["no-leaks"],
                                       "keys[0].guardrails": ["no-leaks"]}), "?"),
    "guardrails[].params": ("full", {"blocked_words": [{"keyword": "secret", "action": "BLOCK"}]}, "?"),
    "guardrails[].provider": ("full", E(**{"guardrails[0].provider": "lakera_v2", "guardrails[0].params": DELETE}), "?"),
    "hostname": ("full", "ai.apps.example.com", "?"),
    "ingress.clusterIssuer": ("kubernetes", "letsencrypt", "?"),
    "ingress.tlsSecretName": ("kubernetes", "litellm-tls-2", "?"),
    "ingressClassName": ("kubernetes", "haproxy", "?"),
    "keysFrom": ("full", KEYS_FILE, "?"),
    "keys[].accessGroups": ("full", [], "?"),
    "keys[].adopt": ("full", E(**{"keys[1].adopt": True}), "?"),
    "keys[].alias": ("full", E(**{"keys[0].alias": "alicia", "keys[0].previousAlias": "alice"}), "?"),
    "keys[].blocked": ("full", True, "?"),
    "keys[].budget": ("full", E(**{"keys[1].budget": DELETE}), "?"),
    "keys[].budgetDuration": ("full", "7d", "?"),
    "keys[].deliverTo.namespace": ("full", "alice-2", "?"),
    "keys[].deliverTo.secretName": ("full", "litellm-key-2", "?"),
    "keys[].duration": ("full", "30d", "?"),
    "keys[].guardrails": ("full", [], "?"),
    "keys[].maxBudget": ("full", 40, "?"),
    "keys[].maxParallelRequests": ("full", 4, "?"),
    "keys[].mcpServers": ("full", [], "?"),
    "keys[].metadata": ("full", {"owner": "alice", "cost_center": "7"}, "?"),
    "keys[].models": ("full", ["granite", "mistral"], "?"),
    "keys[].previousAlias": ("full", "alic", "?"),
    "keys[].renew": ("full", True, "?"),
    "keys[].rotateEvery": ("full", "30d", "?"),
    "keys[].rotation": ("full", "2", "?"),
    "keys[].rotationGracePeriod": ("full", "0", "?"),
    "keys[].rpmLimit": ("full", 120, "?"),
    "keys[].softBudget": ("full", 10, "?"),
    "keys[].tags": ("full", [], "?"),
    "keys[].team": ("full", E(**{"keys[0].team": DELETE}), "?"),
    "keys[].tokenHash": ("full", E(**{"keys[1].tokenHash": "a" * 64}), "?"),
    "keys[].tpmLimit": ("full", 2000, "?"),
    "keys[].user": ("full", E(**{"keys[0].user": DELETE}), "?"),
    "keys[].userId": ("full", E(**{"keys[1].userId": "bob-2"}), "?"),
    "litellm.allowReplicasWithoutRedis": ("full", True, "?"),
    "litellm.autoscaling.maxReplicas": ("autoscaling", 6, "?"),
    "litellm.autoscaling.minReplicas": ("autoscaling", 3, "?"),
    "litellm.autoscaling.targetCPUUtilization": ("autoscaling", 60, "?"),
    "litellm.extraEnv": ("full", {"LITELLM_NUM_WORKERS": "4"}, "?"),
    "litellm.image": ("full", "ghcr.io/berriai/litellm-non_root:main-v1.108.8-stable", "?"),
    "litellm.ingressNamespaces": ("kubernetes", ["ingress-nginx", "haproxy"], "?"),
    "litellm.logLevel": ("full", "DEBUG", "?"),
    "litellm.replicas": ("full", 3, "?"),
    "litellm.resources": ("full", {**RESOURCES, "limits": {"cpu": "2", "memory": "2Gi"}}, "?"),
    "litellm.routeTimeout": ("full", "900s", "?"),
    "litellm.saltKey": ("full", "salt-" + "z" * 40, "?"),
    "litellm.uiPassword": ("full", "ui-password-9999", "?"),
    "litellm.uiUsername": ("full", "root", "?"),
    "litellmEnterprise": ("gatewayless", E(litellmEnterprise=False, **{"keys[0].tags": DELETE, "keys[0].guardrails": DELETE,
                                                                    "teams[0].tags": DELETE, "teams[0].guardrails": DELETE}), "?"),
    "masterKey": ("full", "sk-master-matrix-9999999999", "?"),
    "mcpServers[].alias": ("full", "docs2", "?"),
    "mcpServers[].authType": ("full", "api_key", "?"),
    "mcpServers[].authValue": ("full", "mcp-token-9999", "?"),
    "mcpServers[].description": ("full", "another", "?"),
    "mcpServers[].id": ("full", "docs-id-2", "?"),
    "mcpServers[].name": ("full", E(**{"mcpServers[0].name": "wiki", "keys[0].mcpServers": ["wiki"]}), "?"),
    "mcpServers[].teams": ("full", [], "?"),
    "mcpServers[].transport": ("full", "http", "?"),
    "mcpServers[].url": ("full", "https://mcp-2.example.com/sse", "?"),
    "models[].apiBase": ("full", "https://granite-2.example.com/v1", "?"),
    "models[].apiKey": ("full", "sk-upstream-granite-9999", "?"),
    "models[].apiVersion": ("full", "2025-01-01", "?"),
    "models[].contentPolicyFallbacks": ("full", DELETE, "?"),
    "models[].contextWindowFallbacks": ("full", DELETE, "?"),
    "models[].credential": ("full", E(**{"models[1].credential": DELETE, "models[1].apiKey": "sk-upstream-m-0123"}), "?"),
    "models[].extraParams": ("full", {"temperature": 0.5}, "?"),
    "models[].fallbacks": ("full", DELETE, "?"),
    "models[].id": ("full", "granite-id-2", "?"),
    "models[].inferenceService.name": ("full", E(**{"models[2].inferenceService.name": "granite-9b"}), "?"),
    "models[].inferenceService.namespace": ("full", E(**{"models[2].inferenceService.namespace": "models-2",
                                                          "models[2].inferenceService.tokenSecret": DELETE,
                                                          "models[2].inferenceService.token": "sa-token-0123"}), "?"),
    "models[].inferenceService.token": ("full", E(**{"models[2].inferenceService.tokenSecret": DELETE,
                                                      "models[2].inferenceService.token": "sa-token-0123"}), "?"),
    "models[].inferenceService.tokenSecret.key": ("full", E(**{"models[2].inferenceService.tokenSecret.key": "other"}), "?"),
    "models[].inferenceService.tokenSecret.name": ("full", E(**{"models[2].inferenceService.tokenSecret.name": "other-sa"}), "?"),
    "models[].inputCostPerToken": ("full", 3e-7, "?"),
    "models[].maxRetries": ("full", 5, "?"),
    "models[].model": ("full", "openai/granite-3", "?"),
    "models[].modelInfo": ("full", {"mode": "completion"}, "?"),
    "models[].name": ("full", E(**{"models[1].name": "mistral-2", "models[0].fallbacks": ["mistral-2"],
                                   "models[0].contextWindowFallbacks": ["mistral-2"],
                                   "models[0].contentPolicyFallbacks": ["mistral-2"],
                                   "accessGroups[0].models": ["mistral-2"], "teams[0].models": ["granite", "mistral-2"],
                                   "keys[1].models": ["mistral-2"]}), "?"),
    "models[].outputCostPerToken": ("full", 3e-7, "?"),
    "models[].rpm": ("full", 120, "?"),
    "models[].timeout": ("full", 120, "?"),
    "models[].tpm": ("full", 20000, "?"),
    "monitoring.enabled": ("full", False, "?"),
    "monitoring.initializeBudgetMetrics": ("full", False, "?"),
    "monitoring.interval": ("full", "60s", "?"),
    "monitoring.prometheusNamespaces": ("full", ["monitoring"], "?"),
    "namespace": ("full", "litemaas-2", "?"),
    "oauth.clientId": ("app", "litemaas-app-2", "?"),
    "oauth.clientSecret": ("oidc", "oidc-secret-9999999999", "?"),
    "oauth.enabled": ("app", E(**{"oauth.enabled": False, "frontend.enabled": False}), "?"),
    "oauth.grantMethod": ("app", "prompt", "?"),
    "oauth.groupsClaim": ("oidc", "roles", "?"),
    "oauth.insecureSkipTlsVerify": ("app", True, "?"),
    "oauth.issuer": ("oidc", "https://sso-2.example.com", "?"),
    "oauth.mode": ("app", E(**{"oauth.mode": "serviceaccount", "oauth.clientId": DELETE,
                                "oauth.grantMethod": DELETE}), "?"),
    "oauth.scopes": ("oidc", "openid email", "?"),
    "platform": ("full", E(platform="kubernetes", hostname="litellm.example.com", ingressClassName="nginx",
                           ingress={"tlsSecretName": "litellm-tls"}), "?"),
    "postgres.acknowledgeNewDatabase": ("full", "litemaas/bundled", "?"),
    "postgres.backup.resources": ("full", {**RESOURCES, "limits": {"cpu": "2", "memory": "2Gi"}}, "?"),
    "postgres.backup.retain": ("full", 14, "?"),
    "postgres.backup.schedule": ("full", "@daily", "?"),
    "postgres.backup.storageClass": ("full", "other-sc", "?"),
    "postgres.backup.storageSize": ("full", "40Gi", "?"),
    "postgres.cloudnativepg.apiGroup": ("cnpg", "postgresql.k8s.enterprisedb.io", "?"),
    "postgres.cloudnativepg.imageName": ("cnpg", "ghcr.io/cloudnative-pg/postgresql:16.11", "?"),
    "postgres.cloudnativepg.instances": ("cnpg", 2, "?"),
    "postgres.cloudnativepg.operatorNamespace": ("cnpg", "operators", "?"),
    "postgres.deleteDataOnDestroy": ("full", True, "?"),
    "postgres.externalDatabaseUrl": ("external", "postgresql://litellm:pw@db-2.example.com:5432/litellm", "?"),
    "postgres.image": ("full", "docker.io/library/postgres:16.11-alpine", "?"),
    "postgres.maxConnections": ("full", 300, "?"),
    "postgres.mode": ("full", E(**{"postgres.mode": "cloudnativepg", "postgres.backup": DELETE,
                                   "postgres.password": DELETE}), "?"),
    "postgres.password": ("full", "pg-password-9999999999", "?"),
    "postgres.resources": ("full", {**RESOURCES, "limits": {"cpu": "2", "memory": "2Gi"}}, "?"),
    "postgres.storageClass": ("full", "other-sc", "?"),
    "postgres.storageSize": ("full", "20Gi", "?"),
    "redis.enabled": ("full", E(redis={"enabled": False}, **{"litellm.allowReplicasWithoutRedis": True}), "?"),
    "redis.image": ("full", "docker.io/library/redis:7.2.8-alpine", "?"),
    "redis.password": ("full", "redis-password-9999", "?"),
    "redis.resources": ("full", {**RESOURCES, "limits": {"cpu": "1", "memory": "512Mi"}}, "?"),
    "redis.url": ("external", "redis://:redis-pw@redis-2.example.com:6379/0", "?"),
    "tags[].budgetDuration": ("full", "7d", "?"),
    "tags[].description": ("full", "other", "?"),
    "tags[].maxBudget": ("full", 60, "?"),
    "tags[].maxParallelRequests": ("full", 8, "?"),
    "tags[].models": ("full", ["granite", "mistral"], "?"),
    "tags[].name": ("full", E(**{"tags[0].name": "science", "teams[0].tags": ["science"], "keys[0].tags": ["science"]}), "?"),
    "tags[].rpmLimit": ("full", 120, "?"),
    "tags[].softBudget": ("full", 45, "?"),
    "tags[].tpmLimit": ("full", 2000, "?"),
    "teams[].accessGroups": ("full", E(**{"teams[0].accessGroups": [], "keys[0].accessGroups": []}), "?"),
    "teams[].alias": ("full", E(**{"teams[0].alias": "ds", "teams[0].previousAlias": "data-science",
                                   "keys[0].team": "ds", "mcpServers[0].teams": ["ds"]}), "?"),
    "teams[].budgetDuration": ("full", "7d", "?"),
    "teams[].guardrails": ("full", [], "?"),
    "teams[].id": ("full", "team-ds-2", "?"),
    "teams[].maxBudget": ("full", 600, "?"),
    "teams[].members[].maxBudgetInTeam": ("full", 20, "?"),
    "teams[].members[].role": ("full", "admin", "?"),
    "teams[].members[].user": ("full", "carol", "?"),
    "teams[].metadata": ("full", {"cost_center": "43"}, "?"),
    "teams[].models": ("full", ["granite", "mistral", "served"], "?"),
    "teams[].previousAlias": ("full", "data-sci", "?"),
    "teams[].rpmLimit": ("full", 1200, "?"),
    "teams[].tags": ("full", [], "?"),
    "teams[].tpmLimit": ("full", 200000, "?"),
    "users[].budgetDuration": ("full", "7d", "?"),
    "users[].email": ("full", "alice@example.org", "?"),
    "users[].id": ("full", E(**{"users[0].id": "alice-2", "teams[0].members[0].user": "alice-2",
                                "keys[0].user": "alice-2"}), "?"),
    "users[].maxBudget": ("full", 40, "?"),
    "users[].metadata": ("full", {"dept": "ai"}, "?"),
    "users[].models": ("full", ["granite", "mistral"], "?"),
    "users[].role": ("full", "proxy_admin_viewer", "?"),
}
# The changes that replace what holds data, on purpose and documented (README, "What a config change does").
DESTRUCTIVE: dict[str, str] = {}


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


def test_every_leaf_key_of_the_configuration_is_in_the_matrix():
    assert sorted(CASES) == leaf_keys()


@pytest.mark.parametrize("key", sorted(CASES))
def test_a_change_does_to_data_what_the_matrix_says(rendered_bases, key):
    found, effects, reason = outcome(rendered_bases, key)
    expected = CASES[key][2]
    assert found == expected, f"{key}: {found} (expected {expected}); {effects} {reason[:600]}".replace("\n", " ")
    if found == REFUSED:
        path = re.escape(key).replace(r"\[\]", r"\[\d+\]")
        assert re.search(rf"litemaas:{path}\b", reason) or f"litemaas:{key.split('.')[0]}" in reason, reason[:600]
    assert found not in ("replaced", "deleted") or key in DESTRUCTIVE, f"{key} {found}: {effects}"
