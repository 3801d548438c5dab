"""`models[].fallbacks`, `models[].contextWindowFallbacks`, `models[].contentPolicyFallbacks`: the models the
gateway tries, in order, when a model fails (any error after retries / context window exceeded / content policy)."""

from __future__ import annotations

from dataclasses import dataclass

from config.reader import MISSING, Reader, type_name
from kinds.declarations import FALLBACK_CONFIG_KEYS as FALLBACK_KEYS  # config key on models[] -> fallback_type


@dataclass(frozen=True)
class FallbackConfig:
    """One rule: when `model` fails (for `fallback_type`), try `targets` in order."""

    model: str
    fallback_type: str  # general | context_window | content_policy
    targets: tuple[str, ...]
    key_path: str  # models[N].fallbacks, for messages


def parse_fallbacks(top: Reader, declared_models: set[str]) -> tuple[FallbackConfig, ...]:
    """The fallback lists of `models[]` (whose other keys config.catalog reads); targets must be models of the stack."""
    models = top.raw("models")
    if not isinstance(models, list):
        return ()
    rules = []
    listed = ", ".join(sorted(declared_models)) or "none"
    for index, item in enumerate(models):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue  # config.catalog reports it
        model = Reader(top.problems, f"models[{index}]", item, list(item))
        for key, fallback_type in FALLBACK_KEYS.items():
            value = model.raw(key)
            if value is MISSING or value is None:
                continue
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
                model.fail_key(key, f"must be a non-empty list of model names, got {type_name(value)}; e.g. "
                               f"`pulumi config set --path '{model.key_path(key)}[0]' other-model`, or remove it")
                continue
            problems = []
            if item["name"] in value:
                problems.append(f"names the model itself ({item['name']!r}); a model cannot be its own fallback")
            unknown = [v for v in value if v not in declared_models]
            if unknown:
                problems.append(f"names model(s) the stack does not declare: {', '.join(unknown)}; declared "
                                f"models: {listed}")
            if len(set(value)) != len(value):
                problems.append("lists a model twice; list each fallback once, in the order to try them")
            for problem in problems:
                model.fail_key(key, problem)
            if not problems:
                rules.append(FallbackConfig(item["name"], fallback_type, tuple(value), model.key_path(key)))
    return tuple(rules)
