"""Typed LiteMaaS stack configuration: the one place where `litemaas:*` config is read and validated.

Every other module takes the dataclasses below, never raw `pulumi.Config`. All problems found in the stack config
are collected and raised as a single `ConfigError` before any resource is declared, so `pulumi preview` fails fast
with messages that name the key path and the fix. One module per section; `config.stack` wires them together.
"""

from config.admin_api import AdminApiConfig
from config.app import DEFAULT_BACKEND_IMAGE, DEFAULT_FRONTEND_IMAGE, BackendConfig, DefaultUserLimits, \
    FrontendConfig, OAuthConfig
from config.catalog import DeliveryConfig, KeyConfig, ModelConfig, TeamConfig
from config.fallbacks import FallbackConfig
from config.access_groups import AccessGroupConfig, AccessGroupsConfig
from config.credential import CredentialConfig
from config.budget import BudgetConfig
from config.customers import CustomerConfig
from config.vector_stores import VectorStoreConfig
from config.search_tools import SearchToolConfig
from config.prompts import PromptConfig
from config.existing import ExistingConfig, ExistingRef
from config.gateway import DEFAULT_INGRESS_TLS_SECRET, DEFAULT_LITELLM_IMAGE, IngressConfig, LiteLLMConfig, \
    managed_gateway_env
from config.gateway import AutoscalingConfig
from config.mcp_servers import McpServerConfig
from config.mcp_toolsets import McpToolConfig, McpToolsetConfig
from config.monitoring import AlertingConfig, AlertsConfig, GrafanaConfig, MonitoringConfig
from config.postgres import DEFAULT_POSTGRES_IMAGE, BackupConfig, CloudNativePGConfig, PostgresConfig, \
    max_connections_needed
from config.redis import DEFAULT_REDIS_IMAGE, RedisConfig
from config.reader import PROJECT, ConfigError, ResourcesConfig, parse_litellm_duration
from config.stack import StackConfig, parse_stack_config
from config.users import UserConfig
from config.team_members import MemberConfig
from config.tag import TagConfig
from config.guardrail import GuardrailConfig
from config.agents import AgentConfig
from config.unified_access_groups import UnifiedAccessGroupConfig

__all__ = [
    "AdminApiConfig", "AlertingConfig", "AlertsConfig", "AutoscalingConfig", "BackendConfig", "BackupConfig",
    "CloudNativePGConfig", "GrafanaConfig",
    "ConfigError", "DEFAULT_BACKEND_IMAGE", "DEFAULT_FRONTEND_IMAGE", "DEFAULT_INGRESS_TLS_SECRET",
    "DEFAULT_LITELLM_IMAGE", "DEFAULT_POSTGRES_IMAGE", "DEFAULT_REDIS_IMAGE", "DefaultUserLimits", "DeliveryConfig",
    "FallbackConfig",
    "AccessGroupConfig", "AccessGroupsConfig",
    "FrontendConfig", "MonitoringConfig", "OAuthConfig", "RedisConfig",
    "IngressConfig", "KeyConfig", "McpServerConfig", "LiteLLMConfig", "ModelConfig", "PROJECT", "PostgresConfig",
    "ResourcesConfig", "StackConfig", "TeamConfig", "UserConfig", "MemberConfig",
    "managed_gateway_env", "max_connections_needed",
    "parse_litellm_duration", "parse_stack_config",
    "BudgetConfig", "CredentialConfig", "CustomerConfig", "PromptConfig", "TagConfig", "GuardrailConfig",
    "VectorStoreConfig", "McpToolConfig", "McpToolsetConfig", "SearchToolConfig", "AgentConfig",
    "UnifiedAccessGroupConfig", "ExistingConfig", "ExistingRef",
]
