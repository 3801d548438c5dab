"""The reads that complete a parsed stack config before any resource is declared.

`config` parses and validates without I/O; the components declare resources from the values they are given. Between
them, this step reads what the config only names: each `models[].inferenceService` (and its token Secret) through
the Kubernetes API with the deploy credentials. Every problem is one ConfigError naming the key.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

from config import StackConfig
from resolve.inference_service import Read, resolve_models


def resolve_stack_config(config: StackConfig, kube_read: Optional[Read] = None) -> StackConfig:
    """`config` with every model's InferenceService read; `kube_read` GETs Kubernetes objects (default: the
    credentials `pulumi up` deploys with, read only when a model names an InferenceService)."""
    models = resolve_models(config.models, kube_read)
    return config if models == config.models else dataclasses.replace(config, models=models)
