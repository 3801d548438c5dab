"""Typed LiteMaaS stack configuration: the one place where `litemaas:*` config is read and validated.

Every other module takes the dataclasses below, never raw `pulumi.Config`. All problems found in the stack config
are collected and raised as a single `ConfigError` before any resource is declared, so `pulumi preview` fails fast
with messages that name the key path and the fix. One module per section; `config.stack` wires them together.
"""

from config.admin_api import AdminApiConfig
from config.catalog import DeliveryConfig, KeyConfig, ModelConfig, TeamConfig
from config.gateway import DEFAULT_INGRESS_TLS_SECRET, DEFAULT_LITELLM_IMAGE, IngressConfig, LiteLLMConfig, \
    managed_gateway_env
from config.postgres import DEFAULT_POSTGRES_IMAGE, BackupConfig, CloudNativePGConfig, PostgresConfig, \
    max_connections_needed
from config.reader import PROJECT, ConfigError, ResourcesConfig, parse_litellm_duration
from config.stack import StackConfig, load_stack_config, parse_stack_config

__all__ = [
    "AdminApiConfig", "BackupConfig", "CloudNativePGConfig", "ConfigError", "DeliveryConfig", "DEFAULT_INGRESS_TLS_SECRET", "DEFAULT_LITELLM_IMAGE", "DEFAULT_POSTGRES_IMAGE",
    "IngressConfig", "KeyConfig", "LiteLLMConfig", "ModelConfig", "PROJECT", "PostgresConfig", "ResourcesConfig",
    "StackConfig", "TeamConfig", "load_stack_config", "managed_gateway_env", "max_connections_needed",
    "parse_litellm_duration", "parse_stack_config",
]
