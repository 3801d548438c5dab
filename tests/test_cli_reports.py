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
