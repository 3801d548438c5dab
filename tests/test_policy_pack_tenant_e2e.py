"""The policy pack on a tenant stack (`platformStack`), run by the real CLI: `pulumi preview --policy-pack policy`.

One platform stack (`deployGateway: false` on the real LiteLLM proxy) is brought up, as in tests/test_tenants.py;
the tenant stack beside it is only previewed. A tenant declares teams, users, budgets and keys (inline or
`keysFrom`), so the key, limit and ceiling rules apply to it with messages naming its own config keys; it deploys no
Kubernetes object, so the production rules (replicas, backups, monitoring) find nothing to report there.
"""

from __future__ import annotations

import pytest

from tests.support.pulumi_cli import PulumiProject, deployed_platform, ensure_policy_pack
from tests.test_policy_pack_e2e import assert_reported, reported
from tests.test_tenants import ADMIN_API, GRANITE, PLATFORM

pytestmark = pytest.mark.e2e

COMPLIANT = {
    "platformStack": PLATFORM, "adminApi": ADMIN_API,
    "teams": [{"alias": "course-p", "models": ["granite-mock"], "maxBudget": 50}],
    "users": [{"id": "pat", "maxBudget": 10}],
    "budgets": [{"name": "tier-p", "maxBudget": 5, "budgetDuration": "30d"}],
    "keys": [{"alias": "p1", "team": "course-p", "models": ["granite-mock"], "duration": "30d"},
             {"alias": "p2", "budget": "tier-p", "models": ["granite-mock"], "duration": "7d"}],
    "keysFrom": "keys.csv",
}
CSV = "alias,models,duration,maxBudget\np3,granite-mock,7d,2\n"


@pytest.fixture(scope="module")
def tenant(tmp_path_factory, real_litellm_server):
    """A compliant tenant stack on a deployed platform stack; tests change and restore the tenant's config."""
    real_litellm_server.reset()
    ensure_policy_pack()
    platform = deployed_platform(tmp_path_factory.mktemp("policy-tenant"), real_litellm_server,
                                 {"adminApi": ADMIN_API, "models": [GRANITE]})
    tenant = platform.another_stack("tenant-p")
    (tenant.dir / "keys.csv").write_text(CSV)
    tenant.set_plain(COMPLIANT)
    yield tenant
    platform.run("destroy", "--yes", check=False)


def preview(project: PulumiProject):
    return project.run("preview", "--policy-pack", str(ensure_policy_pack()), check=False)


def test_a_compliant_tenant_stack_previews_clean(tenant):
    result = preview(tenant)
    assert result.returncode == 0, result.output[-6000:]
    assert f"litemaas@v0.0.1 (local: {ensure_policy_pack()})" in result.output  # the pack ran
    assert reported(result.output) == []


def test_a_tenant_violation_fails_the_preview_naming_the_tenants_config_key(tenant):
    saved = tenant.stack_file.read_text()
    (tenant.dir / "keys.csv").write_text(CSV + "p4,granite-mock,,3\n")
    tenant.set_plain({
        "teams": [{"alias": "course-p", "models": ["granite-mock"], "maxBudget": 20000}],
        "users": [{"id": "pat", "maxBudget": 2000}],
        "budgets": [{"name": "tier-p", "maxBudget": 1500}],
        "keys": [*COMPLIANT["keys"], {"alias": "p5", "models": ["granite-mock"]}],
    })
    try:
        result = preview(tenant)
    finally:
        tenant.stack_file.write_text(saved)
        (tenant.dir / "keys.csv").write_text(CSV)
    assert result.returncode != 0
    assert_reported(result.output, [
        ("mandatory", "litemaas-key-expiry", "key 'p5' never expires: set litemaas:keys[2].duration"),
        ("mandatory", "litemaas-key-spending-limit", "key 'p5' has no spending limit: no maxBudget of its own, of a "
         "budget tier or of its team, so its spend is never stopped. Set litemaas:keys[2].maxBudget"),
        ("mandatory", "litemaas-key-expiry", "key 'p4' never expires: set litemaas:keysFrom keys.csv (p4): duration"),
        ("mandatory", "litemaas-limit-ceilings", "team 'course-p': maxBudget 20000 is above the organisation's "
         "ceiling 10000: lower litemaas:teams[0].maxBudget"),
        ("mandatory", "litemaas-limit-ceilings", "user 'pat': maxBudget 2000 is above the organisation's ceiling "
         "1000: lower litemaas:users[0].maxBudget"),
        ("mandatory", "litemaas-limit-ceilings", "budget tier 'tier-p': maxBudget 1500 is above the organisation's "
         "ceiling 1000: lower litemaas:budgets[0].maxBudget"),
    ])
    assert {level for level, _ in reported(result.output)} == {"mandatory"}  # no production rule on a tenant
