"""The rules of `litemaas` on LiteLLM's JSON (litemaas_cli/reports.py, handoff.py, render.py): no gateway needed."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from litemaas_cli import render, reports
from litemaas_common.handoff import KEY_HELD_BY_USER, handoff_message, money

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def test_drift_names_both_directions_per_kind():
    declared = reports.Declared(models=["a", "b"], teams={"t1": "id1"}, keys=["k1", "k2"])
    drift = reports.drift(declared, [{"model_name": "a"}, {"model_name": "hand"}],
                          [{"team_alias": "t1"}], [{"key_alias": "k1"}, {"key_alias": None}])
    assert drift == {"model": {"missing": ["b"], "undeclared": ["hand"]},
                     "team": {"missing": [], "undeclared": []},
                     "key": {"missing": ["k2"], "undeclared": []}}


def test_key_problems_filters_and_defaults():
    key = {"key_alias": "k", "blocked": True, "spend": 3.0, "max_budget": 10, "soft_budget": 2,
           "expires": (NOW + timedelta(days=20)).isoformat()}
    assert reports.key_problems(key, NOW) == ["blocked", "over soft budget (3 of soft 2)"]  # 20 d > 14 d default
    assert reports.key_problems(key, NOW, expiring=timedelta(days=30)) == [
        f"expires {(NOW + timedelta(days=20)).date()}"]
    assert reports.key_problems({**key, "spend": 10}, NOW, over_soft_budget=True) == ["budget spent (10 of 10)"]
    expired = {"expires": (NOW - timedelta(days=1)).isoformat().replace("+00:00", "Z")}
    assert reports.key_problems(expired, NOW) == [f"expired {(NOW - timedelta(days=1)).date()}"]
    assert reports.key_problems({"litellm_budget_table": {"soft_budget": 1}, "spend": 1}, NOW,
                                over_soft_budget=True) == ["over soft budget (1 of soft 1)"]


def test_config_path_uses_the_entry_index_when_the_stack_config_is_known():
    keys = [{"alias": "a"}, {"alias": "b"}]
    assert reports.config_path("keys", keys, "b", "maxBudget") == "litemaas:keys[1].maxBudget"
    assert reports.config_path("keys", None, "b", "blocked") == "litemaas:keys[<alias b>].blocked"
    assert reports.config_path("models", [{"name": "m"}], "m", "apiBase") == "litemaas:models[0].apiBase"


def test_spend_rows_name_owners_gone_from_the_gateway():
    logs = [{"api_key": "ab" * 32, "spend": 0.5, "metadata": {"user_api_key_alias": "old-alias"}},
            {"api_key": "cd" * 32, "spend": 0.25, "metadata": {}},
            {"team_id": "", "spend": 1.0}, {"api_key": "99" * 32, "spend": 0.75}]
    by_key = reports.spend_rows("key", logs=logs, keys=[{"token": "ef" * 32, "key_alias": "live", "spend": 2.0,
                                                        "max_budget": 4.0}], master_token="99" * 32)
    assert [(r.name, r.spend) for r in by_key] == [("(no key)", 1.0), ("(master key)", 0.75), ("old-alias", 0.5),
                                                   ("(deleted key cdcdcdcd)", 0.25), ("live", 0.0)]
    assert by_key[-1].used_pct == 50.0 and not by_key[-1].over_budget
    by_team = reports.spend_rows("team", logs=logs, teams=[])
    assert {r.name for r in by_team} == {"(no team)"}


def test_spend_table_totals_and_csv():
    rows = [reports.SpendRow("a", spend=1.5, requests=3, budget_spend=1.5, max_budget=2.0, soft_budget=1.0),
            reports.SpendRow("b", spend=0.25, requests=1)]
    totals = reports.spend_totals(rows)
    assert totals == {"spend": 1.75, "requests": 4, "budget_spend": 1.5, "max_budget": 2.0}
    text = render.spend_table("key", "7d", rows, totals)
    assert text.splitlines()[1].split() == ["a", "1.5", "3", "1.5", "2", "75.0%", "1", "crossed", "-"]
    assert text.splitlines()[-1].split() == ["TOTAL", "1.75", "4", "1.5", "2"]
    assert render.spend_csv(rows).splitlines()[1].startswith("a,,1.5,3,1.5,2.0,75.0,1.0,True,False")


def test_handoff_message_with_and_without_the_key():
    detail = {"key": "sk-user-key-value", "models": ["granite"], "maxBudget": 25, "budgetDuration": None,
              "expires": "2027-03-01T12:00:00.000000Z"}
    message = handoff_message("alice", "https://gw.example.com/", detail)
    assert "Base URL:  https://gw.example.com/v1" in message
    assert "API key:   sk-user-key-value" in message
    assert "Budget:    25 USD in total" in message and "Expires:   2027-03-01" in message
    assert 'OpenAI(base_url="https://gw.example.com/v1", api_key="sk-user-key-value")' in message
    assert 'curl -H "Authorization: Bearer sk-user-key-value" https://gw.example.com/key/info' in message
    held = handoff_message("bob", "https://gw.example.com", {"models": [], "maxBudget": None})
    assert f"API key:   {KEY_HELD_BY_USER}" in held and "no budget limit" in held
    assert "every model of the gateway" in held and 'api_key="<your key>"' in held


def test_money_has_no_float_noise():
    assert [money(v) for v in (25, 0.048, 0.1 + 0.2, 0.00001, None)] == ["25", "0.048", "0.3", "0", "-"]


def test_spend_by_stack_groups_keys_and_requests_by_the_ownership_stamp():
    stamp = lambda stack: {"litemaas_stack": f"organization/litemaas/{stack}"}  # noqa: E731
    keys = [{"token": "t1", "key_alias": "a1", "spend": 1.5, "max_budget": 5, "metadata": stamp("tenant-a")},
            {"token": "t2", "key_alias": "a2", "spend": 0.5, "max_budget": 5, "metadata": stamp("tenant-a")},
            {"token": "t3", "key_alias": "b1", "spend": 2.0, "metadata": stamp("tenant-b")},
            {"token": "t4", "key_alias": "by-hand", "spend": 0.0}]
    logs = [{"api_key": "t1", "spend": 1.0}, {"api_key": "t3", "spend": 2.0}, {"api_key": "t3", "spend": 0.5},
            {"api_key": "gone", "spend": 0.25}]
    rows = {r.name: r for r in reports.spend_rows("stack", logs=logs, keys=keys)}
    assert set(rows) == {"organization/litemaas/tenant-a", "organization/litemaas/tenant-b", reports.NO_STACK}
    tenant_a, tenant_b = rows["organization/litemaas/tenant-a"], rows["organization/litemaas/tenant-b"]
    assert (tenant_a.spend, tenant_a.requests, tenant_a.budget_spend, tenant_a.max_budget) == (1.0, 1, 2.0, 10)
    assert (tenant_b.spend, tenant_b.requests, tenant_b.max_budget) == (2.5, 2, None)
    assert (rows[reports.NO_STACK].spend, rows[reports.NO_STACK].requests) == (0.25, 1)  # by hand, or deleted
    assert reports.spend_totals(list(rows.values()))["spend"] == 3.75


def test_owned_by_matches_the_full_or_the_short_stack_name_only():
    key = {"metadata": {"litemaas_stack": "organization/litemaas/tenant-a"}}
    assert reports.owned_by("tenant-a", key) and reports.owned_by("organization/litemaas/tenant-a", key)
    assert not reports.owned_by("a", key) and not reports.owned_by("organization/other/tenant-b", key)
    assert not reports.owned_by("tenant-a", {"metadata": {}}) and reports.owner({}) is None
