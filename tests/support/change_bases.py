"""The stacks the change-safety matrix changes one key of (tests/test_change_safety.py): a full stack with every
feature, its variants (generated credentials, autoscaling, the web app, OIDC, CloudNativePG, plain Kubernetes,
an external database) and a gatewayless catalog stack; and the cluster objects their models read."""

from __future__ import annotations

from tests.support.change_matrix import DELETE
from tests.support.fake_cluster import FakeCluster

CA_PEM, KEYS_FILE = object(), object()  # placeholders: tests/test_change_safety.py fills in the CA and the keys file
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
    "unifiedAccessGroups": [{"name": "research", "description": "research models and tools", "models": ["granite"],
                             "mcpServers": ["docs"]}],
    "users": [{"id": "alice", "email": "alice@example.com", "role": "internal_user", "maxBudget": 20,
               "budgetDuration": "30d", "models": ["granite"], "metadata": {"dept": "ml"}}],
    "teams": [{"alias": "data-science", "models": ["granite", "mistral"], "maxBudget": 500, "budgetDuration": "30d",
               "tpmLimit": 100000, "rpmLimit": 600, "metadata": {"cost_center": "42"}, "id": "team-ds",
               "accessGroups": ["chat"], "tags": ["research"], "guardrails": ["no-secrets"],
               "unifiedAccessGroups": ["research"], "members": [{"user": "alice", "role": "user", "maxBudgetInTeam": 10}]}],
    "keys": [{"alias": "alice", "team": "data-science", "user": "alice", "models": ["granite"], "maxBudget": 25,
              "softBudget": 20, "budgetDuration": "30d", "duration": "90d", "tpmLimit": 1000, "rpmLimit": 60,
              "maxParallelRequests": 2, "metadata": {"owner": "alice"}, "blocked": False, "rotation": "1",
              "rotateEvery": "90d", "rotationGracePeriod": "24h", "renew": False, "accessGroups": ["chat"],
              "tags": ["research"], "guardrails": ["no-secrets"], "mcpServers": ["docs"],
              "unifiedAccessGroups": ["research"], "deliverTo": {"namespace": "alice-ns", "secretName": "litellm-key"}},
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
