"""`platformStack`: a tenant stack's config, checked against the platform's model and access-group names."""

from __future__ import annotations

import pytest

from config import ConfigError, parse_stack_config
from config.access_groups import AccessGroupConfig
from config.tenant import PlatformConfig

PLATFORM = PlatformConfig("organization/litemaas/platform", models=frozenset({"granite", "mistral"}),
                          access_groups=(AccessGroupConfig("chat", ("granite",)),))


def tenant(**values):
    return parse_stack_config({"platformStack": PLATFORM.stack, **values}, tenant_of=PLATFORM)


def test_a_tenant_declares_teams_and_keys_on_the_platforms_models_and_groups():
    config = tenant(teams=[{"alias": "course", "models": ["granite"]}],
                    keys=[{"alias": "a1", "team": "course", "models": ["granite"]},
                          {"alias": "a2", "models": ["mistral"], "accessGroups": ["chat"]}])
    assert config.tenant_of is PLATFORM and not config.deploy_gateway
    assert [k.alias for k in config.keys] == ["a1", "a2"]
    assert config.access_groups.keys == {"a2": ("chat",)}
    assert config.models == () and config.gateway_url is None and config.master_key is None


@pytest.mark.parametrize("key, value", [("models", [{"name": "x", "model": "openai/x"}]), ("namespace", "ns"),
                                        ("gatewayUrl", "https://g.example.com"), ("monitoring", {"enabled": True}),
                                        ("accessGroups", [{"name": "g", "models": ["granite"]}])])
def test_a_platform_setting_in_a_tenant_is_refused_naming_the_key(key, value):
    with pytest.raises(ConfigError) as refused:
        tenant(**{key: value})
    assert f"litemaas:{key}: is a platform setting; a tenant stack (platformStack " \
           f"'organization/litemaas/platform')" in str(refused.value)
    assert f"`pulumi config rm {key}`" in str(refused.value)


def test_a_model_the_platform_does_not_serve_is_refused_with_the_key_path():
    with pytest.raises(ConfigError) as refused:
        tenant(keys=[{"alias": "a1", "models": ["granite"]}, {"alias": "a2", "models": ["llama"]}])
    message = str(refused.value)
    assert "litemaas:keys[1].models: names model(s) the stack does not declare: llama; declared models: " \
           "granite, mistral" in message
    assert "keys[0]" not in message


def test_an_access_group_the_platform_does_not_declare_is_refused():
    with pytest.raises(ConfigError) as refused:
        tenant(keys=[{"alias": "a1", "accessGroups": ["vision"]}])
    assert "litemaas:keys[0].accessGroups: names access group(s) the stack does not declare: vision; declared " \
           "access groups: chat" in str(refused.value)
