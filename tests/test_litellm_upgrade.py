"""Upgrading LiteLLM under a running stack, for real: a catalog of every kind is `up` on the old version, keys
spend through their models; then the database is migrated the way the gateway's migration Job does it for the new
image (`prisma migrate deploy` of the new version's litellm-proxy-extras), the old proxy stops and the new version's
proxy starts on the same database with the same master and salt keys (the rolling update). After that, `preview`
shows no change, `refresh` finds no drift, a second `up` makes no LiteLLM call, every key still authenticates with
its spend and budget, and models answer through their credentials.

Paths: the patch upgrade within the LTS line (DEFAULT_VERSION → COMPAT_VERSION, the same migrations) and the
minor upgrade from the newest 1.106 (MINOR_UPGRADE_FROM) to COMPAT_VERSION, whose migration Job really changes the
schema. No newer minor line can be installed with its own migrations here (README, "LiteLLM versions").
"""

from __future__ import annotations

import json
import time

import openai
import pytest

from litemaas_common.litellm_versions import COMPAT_VERSION, DEFAULT_VERSION, MINOR_UPGRADE_FROM
from tests.support.fault_proxy import FaultProxy
from tests.support.real_litellm import Installation, RealLiteLLM
from tests.support.json_http import serving
from tests.test_catalog_e2e import CATALOG, CREDENTIAL_KEY, admin_calls, catalog_project, litellm_resources
from tests.test_credential import _Upstream

pytestmark = [pytest.mark.e2e, pytest.mark.real_litellm, pytest.mark.upgrade]

PRICED = {"name": "upgrade-priced", "model": "openai/upgrade-priced", "extraParams": {"mock_response": "ok"},
          "inputCostPerToken": 0.001, "outputCostPerToken": 0.002}


def upgrade_catalog(upstream: str) -> dict:
    """Every kind (test_catalog_e2e's catalog), the credentialed model calling `upstream`, and a priced model
    with a key that spends."""
    models = [{**m, "apiBase": f"{upstream}/v1"} if m["name"] == "e2e-credentialed" else m for m in CATALOG["models"]]
    team = CATALOG["teams"][0]
    return {**CATALOG, "models": models + [PRICED],
            "teams": [{**team, "models": team["models"] + ["upgrade-priced", "e2e-credentialed"]}],
            "keys": CATALOG["keys"] + [
                {"alias": "upgrade-spender", "team": "e2e-team", "models": ["upgrade-priced", "e2e-credentialed"],
                 "maxBudget": 3, "budgetDuration": "30d"}]}


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


def state_of(project) -> dict[str, tuple]:
    """Every resource's inputs and outputs, secrets in plain text (their ciphertext changes at each write)."""
    resources = json.loads(project.run("stack", "export", "--show-secrets").stdout)["deployment"]["resources"]
    return {r["urn"]: (r.get("inputs"), r.get("outputs")) for r in resources}


def changed(before: dict[str, tuple], after: dict[str, tuple]) -> dict[str, tuple]:
    """The resources whose inputs or outputs differ, each with its old and new (inputs, outputs)."""
    return {urn: (before.get(urn), after.get(urn)) for urn in sorted(before.keys() | after.keys())
            if before.get(urn) != after.get(urn)}


def chat(base_url: str, key: str, model: str) -> str:
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key=key, max_retries=0, timeout=60)
    return client.chat.completions.create(model=model, messages=HELLO).choices[0].message.content


PATHS = pytest.mark.parametrize(("old", "new"), [(DEFAULT_VERSION, COMPAT_VERSION), (MINOR_UPGRADE_FROM, COMPAT_VERSION)],
                                ids=["patch", "minor"])


def new_migrations(old: str, new: str) -> list[str]:
    """What `prisma migrate deploy` of `new` applies to a database `old` migrated: the folders only `new` has."""
    have = {path.name for path in Installation.find(old).migrations.iterdir()}
    return sorted(path.name for path in Installation.find(new).migrations.iterdir()
                  if path.name not in have and (path / "migration.sql").is_file())


@PATHS
def test_a_stack_survives_the_litellm_upgrade(tmp_path, old, new):
    with RealLiteLLM(version=old) as before, FaultProxy(before.url) as api, serving(_Upstream) as upstream:
        project = catalog_project(tmp_path, api.url, before.master_key, upgrade_catalog(upstream), stack="upgrade")
        project.up()
        kinds = set(litellm_resources(project).values())
        keys = {alias: detail["key"] for alias, detail in project.outputs(show_secrets=True)["keys"].items()}
        assert chat(before.url, keys["upgrade-spender"], "upgrade-priced") == "ok"
        spent = spend_of(before, keys["upgrade-spender"], at_least=0.001)["spend"]
        assert spent > 0
        assert chat(before.url, keys["upgrade-spender"], "e2e-credentialed") == "hi"
        assert _Upstream.seen[-1] == f"Bearer {CREDENTIAL_KEY}"
        old_state = state_of(project)

        # The migration Job of the new image, then the rolling update: the old pods stop, the new ones start on the
        # same database with the same salt key (litellm-credentials is unchanged by an image bump).
        assert before.db.migrate(Installation.find(old)) == []  # the template was fully migrated
        assert before.db.migrate(Installation.find(new)) == new_migrations(old, new)
        assert before.db.migrate(Installation.find(new)) == []  # a rerun Job is harmless
        assert {row[0] for row in before.db.rows("SELECT migration_name FROM _prisma_migrations")} == {
            path.name for path in Installation.find(new).migrations.iterdir() if (path / "migration.sql").is_file()}
        before.stop_proxy()
        with RealLiteLLM(version=new, share_database_with=before) as after:
            assert after.admin_json("GET", "/health/readiness/details")["litellm_version"] == new
            api.upstream = after.url
            api.reset_calls()

            preview = project.preview("--expect-no-changes")
            assert set(preview["changeSummary"]) == {"same"}, preview["changeSummary"]
            assert admin_calls(api) == []  # a preview without changes asks LiteLLM nothing
            project.refresh("--expect-no-changes")
            api.reset_calls()
            project.up("--expect-no-changes")
            assert admin_calls(api) == []  # and neither does the second `up`
            assert set(litellm_resources(project).values()) == kinds
            # The refresh read everything back as it was: every resource's inputs and outputs are unchanged.
            assert changed(old_state, state_of(project)) == {}

            # Every key authenticates on the new version, with the spend and budget it had.
            for alias, key in keys.items():
                info = spend_of(after, key)
                assert info["key_alias"] == alias
            info = spend_of(after, keys["upgrade-spender"])
            assert info["spend"] == pytest.approx(spent) and info["max_budget"] == 3
            # Models answer through the new proxy, the credentialed one with its stored credential's key.
            assert chat(after.url, keys["upgrade-spender"], "upgrade-priced") == "ok"
            assert spend_of(after, keys["upgrade-spender"], at_least=spent + 0.001)["spend"] > spent
            _Upstream.seen.clear()
            assert chat(after.url, keys["upgrade-spender"], "e2e-credentialed") == "hi"
            assert _Upstream.seen == [f"Bearer {CREDENTIAL_KEY}"]
            project.destroy()
