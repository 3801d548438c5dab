"""Upgrading LiteLLM under a running stack, for real: a catalog of every kind is `up` on the old version, keys
spend through their models; then the database is migrated the way the gateway's migration Job does it for the new
image (`prisma migrate deploy` of the new version's litellm-proxy-extras), the old proxy stops and the new version's
proxy starts on the same database with the same master and salt keys (the rolling update). After that, `preview`
shows no change, `refresh` finds no drift, a second `up` makes no LiteLLM call, every key still authenticates with
its spend and budget, and models answer through their credentials.

Paths: the patch upgrade within the LTS line (DEFAULT_VERSION → COMPAT_VERSION). No newer minor release can be
installed with its own schema migrations here (README, "LiteLLM versions"), so no minor path is run.
"""

from __future__ import annotations

import json
import time

import openai
import pytest

from dynamic_providers.litellm_versions import COMPAT_VERSION, DEFAULT_VERSION
from tests.support.fault_proxy import FaultProxy
from tests.support.real_litellm import Installation, RealLiteLLM
from tests.test_catalog_e2e import CATALOG, admin_calls, catalog_project, litellm_resources

pytestmark = [pytest.mark.e2e, pytest.mark.real_litellm, pytest.mark.upgrade]

PRICED = {"name": "upgrade-priced", "model": "openai/upgrade-priced", "extraParams": {"mock_response": "ok"},
          "inputCostPerToken": 0.001, "outputCostPerToken": 0.002}
UPGRADE_CATALOG = {
    **CATALOG,
    "models": CATALOG["models"] + [PRICED],
    "teams": [{**CATALOG["teams"][0], "models": CATALOG["teams"][0]["models"] + ["upgrade-priced"]}],
    "keys": CATALOG["keys"] + [
        {"alias": "upgrade-spender", "team": "e2e-team", "models": ["upgrade-priced", "e2e-chat"], "maxBudget": 3,
         "budgetDuration": "30d"},
    ],
}
HELLO = [{"role": "user", "content": "Hello"}]


def spend_of(litellm: RealLiteLLM, key: str, at_least: float = 0.0, timeout: float = 30) -> dict:
    """The key's own `/key/info` (the key as Bearer, as a user checks it) once its spend reached `at_least`."""
    deadline = time.monotonic() + timeout
    while True:
        answer = litellm.admin("GET", "/key/info", key=key)
        assert answer.status_code == 200, answer.text[:300]
        info = answer.json()["info"]
        if (info.get("spend") or 0) >= at_least or time.monotonic() > deadline:
            return info
        time.sleep(0.5)  # spend is written in batches (proxy_batch_write_at: 1 s)


def chat(base_url: str, key: str, model: str) -> str:
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key=key, max_retries=0, timeout=60)
    return client.chat.completions.create(model=model, messages=HELLO).choices[0].message.content


@pytest.mark.parametrize(("old", "new"), [(DEFAULT_VERSION, COMPAT_VERSION)], ids=["patch"])
def test_a_stack_survives_the_litellm_upgrade(tmp_path, old, new):
    with RealLiteLLM(version=old) as before, FaultProxy(before.url) as api:
        project = catalog_project(tmp_path, api.url, before.master_key, UPGRADE_CATALOG, stack="upgrade")
        project.up()
        kinds = set(litellm_resources(project).values())
        keys = {alias: detail["key"] for alias, detail in project.outputs(show_secrets=True)["keys"].items()}
        assert chat(before.url, keys["upgrade-spender"], "upgrade-priced") == "ok"
        spent = spend_of(before, keys["upgrade-spender"], at_least=0.001)["spend"]
        assert spent > 0
        old_state = json.dumps(project.export()["deployment"]["resources"], sort_keys=True)

        # The migration Job of the new image, then the rolling update: the old pods stop, the new ones start on the
        # same database with the same salt key (litellm-credentials is unchanged by an image bump).
        applied = before.db.migrate(Installation.find(new))
        expected = sorted({p.name for p in Installation.find(new).migrations.iterdir()}
                          - {p.name for p in Installation.find(old).migrations.iterdir()})
        assert applied == [name for name in expected if name != "migration_lock.toml"]
        before.stop_proxy()
        with RealLiteLLM(version=new, share_database_with=before) as after:
            assert after.admin_json("GET", "/health/readiness/details")["litellm_version"] == new
            api.upstream = after.url
            api.reset_calls()

            preview = project.preview("--expect-no-changes")
            assert set(preview["changeSummary"]) == {"same"}, preview["changeSummary"]
            project.refresh("--expect-no-changes")
            project.up("--expect-no-changes")
            assert [call for call in admin_calls(api) if call.split()[0] != "GET"] == []
            assert set(litellm_resources(project).values()) == kinds
            # The refresh read everything back as it was: the state's resources are unchanged.
            assert json.dumps(project.export()["deployment"]["resources"], sort_keys=True) == old_state

            # Every key authenticates on the new version, with the spend and budget it had.
            for alias, key in keys.items():
                info = spend_of(after, key)
                assert info["key_alias"] == alias
            info = spend_of(after, keys["upgrade-spender"])
            assert info["spend"] == pytest.approx(spent) and info["max_budget"] == 3
            # Models answer through the new proxy (the credentialed one through its stored credential: its
            # upstream is unreachable on purpose, so LiteLLM's error names the upstream call, not a missing key).
            assert chat(after.url, keys["upgrade-spender"], "upgrade-priced") == "ok"
            assert spend_of(after, keys["upgrade-spender"], at_least=spent + 0.001)["spend"] > spent
            stored = after.stored_model(next(m["model_info"]["id"] for m in after.models()
                                             if m["model_name"] == "e2e-credentialed"))
            assert stored is not None and stored["litellm_params"].get("litellm_credential_name") == "e2e-upstream"
            project.destroy()
