"""Loading the stack config: the reads around parsing it, so `config` parses and validates without I/O and the
components declare resources from the values they are given.

Before parsing, a tenant stack's platform outputs (`platformStack`, through a StackReference); after it, each
`models[].inferenceService` (and its token Secret) through the Kubernetes API with the deploy credentials. Every
problem is one ConfigError naming the key, raised before any resource is declared.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

from config import StackConfig
from config.keys_file import project_directory
from config.stack import parse_stack_config, raw_stack_config
from config.tenant import PLATFORM_STACK
from resolve.inference_service import Read, resolve_models
from resolve.platform import read_platform


def load_stack_config(kube_read: Optional[Read] = None) -> StackConfig:
    """The current stack's `litemaas:*` config, read, validated and resolved (`kube_read`: see
    `resolve_stack_config`); one ConfigError listing every problem."""
    values, secret_keys = raw_stack_config()
    platform = values.get(PLATFORM_STACK)
    tenant_of = read_platform(platform) if isinstance(platform, str) and platform else None
    return resolve_stack_config(parse_stack_config(values, secret_keys, project_directory(), tenant_of=tenant_of),
                                kube_read)


def resolve_stack_config(config: StackConfig, kube_read: Optional[Read] = None) -> StackConfig:
    """`config` with every model's InferenceService read; `kube_read` GETs Kubernetes objects (default: the
    credentials `pulumi up` deploys with, used only when a model names an InferenceService)."""
    models = resolve_models(config.models, kube_read)
    return config if models == config.models else dataclasses.replace(config, models=models)
