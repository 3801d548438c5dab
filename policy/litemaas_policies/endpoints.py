"""Rules over models and the endpoints of models, credentials, guardrails and MCP servers: token costs, plain
HTTP outside the cluster, credentials in plain inputs."""

from __future__ import annotations

import ipaddress
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

from .model import (
    CREDENTIAL, CREDENTIAL_NAME, ENV_REFERENCE, GUARDRAIL, MCP_SERVER, MODEL, PROJECT, Resource, StackPaths,
    Violation, config_path, describe, is_set,
)


PAID_PROVIDERS = ["openai", "azure", "azure_ai", "anthropic", "bedrock", "vertex_ai", "gemini", "deepseek", "mistral",
                  "cohere", "groq", "together_ai", "fireworks_ai", "xai", "perplexity", "openrouter", "deepinfra",
                  "replicate", "ai21", "databricks", "sagemaker", "watsonx", "cerebras", "text-completion-openai"]
OPENAI_API_HOST = "api.openai.com"


def _provider(model: Any) -> str:
    return model.split("/", 1)[0] if isinstance(model, str) and "/" in model else ""


def model_costs(model: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """A paid provider's model declares what a token costs, or its spend goes untracked and budgets never trip."""
    if model.type != MODEL:
        return
    provider = _provider(model.get("model"))
    api_base = model.get("api_base")
    if provider not in settings["paidProviders"]:
        return
    # `openai/…` with another api_base is an OpenAI-compatible server (vLLM, OpenShift AI), not OpenAI's.
    if provider == "openai" and isinstance(api_base, str) and urlsplit(api_base).hostname != OPENAI_API_HOST:
        return
    extra = model.get("extra_params", {})
    per_second = isinstance(extra, dict) and all(is_set(extra.get(k)) for k in
                                                 ("input_cost_per_second", "output_cost_per_second"))
    missing = [config for name, config in (("input_cost_per_token", "inputCostPerToken"),
                                           ("output_cost_per_token", "outputCostPerToken"))
               if not is_set(model.get(name))]
    if not missing or per_second:
        return
    yield Violation(
        f"{describe(model)} ({model.get('model')}) is served by the paid provider {provider!r} but declares no "
        f"{' or '.join(missing)}, so its spend is not counted and no budget ever trips: set "
        f"{' and '.join(config_path(model, paths, k) for k in missing)} (USD per token, from the provider's "
        f"price list)", model.urn)


def _internal_host(host: str, settings: Mapping[str, Any]) -> bool:
    if host == "localhost" or "." not in host and ":" not in host:
        return True  # a Service of the gateway's own namespace, or the pod itself
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return any(host.endswith(suffix) for suffix in settings["internalHostSuffixes"])


def _endpoints(resource: Resource, paths: StackPaths) -> list[tuple[str, Any]]:
    """(config key path, URL) of each endpoint a resource sends prompts or credentials to."""
    if resource.type == MODEL:
        _, item = paths.item("models", "name", resource.get("model_name"))
        key = "inferenceService" if item is not None and "apiBase" not in item and "inferenceService" in item \
            else "apiBase"
        return [(config_path(resource, paths, key), resource.get("api_base"))]
    if resource.type == CREDENTIAL:
        values = resource.get("credential_values", {})
        return [(config_path(resource, paths, "values.api_base"), values.get("api_base"))] \
            if isinstance(values, dict) else []
    if resource.type == GUARDRAIL:
        return [(config_path(resource, paths, "apiBase"), resource.get("api_base"))]
    if resource.type == MCP_SERVER:
        return [(config_path(resource, paths, "url"), resource.get("url"))]
    return []


def plain_http(resource: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """No prompt or provider key leaves the cluster over plain HTTP."""
    for path, url in _endpoints(resource, paths):
        if not isinstance(url, str) or not url.lower().startswith("http://"):
            continue
        host = (urlsplit(url).hostname or "").lower()
        if _internal_host(host, settings):
            continue
        yield Violation(
            f"{describe(resource)} sends prompts and its provider key to {host} over plain HTTP, outside the "
            f"cluster: use https:// in {path}, or an in-cluster Service address (*.svc) if the server runs in the "
            f"cluster", resource.urn)


def _set_secret(resource: Resource, paths: StackPaths, key: str) -> str:
    """The command that stores `key` of the resource's config item encrypted."""
    return f"`pulumi config set --secret --path '{config_path(resource, paths, key)[len(PROJECT) + 1:]}' …`"


def plain_credentials(resource: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """No guardrail or MCP server credential in an input stored in plain text (the state and the preview show it)."""
    if resource.type == GUARDRAIL:
        params = resource.get("params", {})
        for name, value in sorted(params.items()) if isinstance(params, dict) else ():
            if CREDENTIAL_NAME.search(str(name)) and isinstance(value, str) and value \
                    and not value.startswith(ENV_REFERENCE):
                yield Violation(
                    f"{describe(resource)} has a credential in plain text in "
                    f"{config_path(resource, paths, 'params.' + name)} (params are stored and shown unencrypted): "
                    f"move it to {_set_secret(resource, paths, 'apiKey')} if it is the provider's key, or to an "
                    f"environment variable of the gateway (litellm.extraEnv from a Secret) named as "
                    f"`{ENV_REFERENCE}<VAR>`", resource.urn)
    for path, url in _endpoints(resource, paths) if resource.type in (GUARDRAIL, MCP_SERVER) else ():
        if not isinstance(url, str):
            continue
        parts = urlsplit(url)
        secret_query = [k for k, _ in parse_qsl(parts.query) if CREDENTIAL_NAME.search(k)]
        if parts.password or secret_query:
            where = "a password in the URL" if parts.password else f"the query parameter {secret_query[0]!r}"
            fix = (f"use authType (e.g. bearer_token) and set authValue with "
                   f"{_set_secret(resource, paths, 'authValue')}"
                   if resource.type == MCP_SERVER else "use apiKey (a secret) instead")
            yield Violation(f"{describe(resource)} carries a credential in plain text in {path} ({where}): "
                            f"drop it from the URL and {fix}", resource.urn)
