"""The engine floor: N keys as dynamic resources that call nothing, shaped like the catalog's (a component, a
team, keys that depend on it), so the engine's checkpoints and steps can be measured without LiteLLM. The two
program-side settings of the stack program apply here too (one stack frame per resource, the linear wait)."""

import pulumi

from dynamic_providers.null_key import NullKey
from litemaas_common import sdk_patches

sdk_patches.install()

config = pulumi.Config()
count = config.require_int("keys")
parent = pulumi.ComponentResource("litemaas:index:LiteLLMCatalog", "catalog")
team = NullKey("catalog-team-bench-team", {"team_alias": "bench-team", "models": ["bench-model-0", "bench-model-1"]},
               pulumi.ResourceOptions(parent=parent))
for i in range(count):
    budget = config.get_int("budget") if i == 0 else 10  # `budget` is the one change
    NullKey(f"catalog-key-user-{i:05d}", {"key_alias": f"user-{i:05d}", "team_id": team.id, "models": ["bench-model-0"],
                                          "max_budget": budget, "budget_duration": "30d"},
            pulumi.ResourceOptions(parent=parent))
