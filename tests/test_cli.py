"""`litemaas` (litemaas_cli/) against the real LiteLLM proxy, with spend from real completions.

One gateway for the module (the command only reads): a `mock_response` model priced so one call costs 0.048,
a team, and keys that each need attention for another reason. The stack lookup is in tests/test_cli_target.py.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from dataclasses import dataclass

import pytest
import requests

from litemaas_cli import cli
from tests.support import browser
from tests.support.fault_proxy import FaultProxy
from tests.support.real_litellm import RealLiteLLM, free_port

# The admin command is part of the compatibility suite: every test runs on each tested LiteLLM version.
pytestmark = pytest.mark.every_litellm_version

CALL_COST = 0.048  # 8 prompt tokens at 0.001 and 20 completion tokens at 0.002 (mock answer "hi")


@dataclass
class World:
    litellm: RealLiteLLM
    model: str
    other_model: str
    team: str
    team_id: str
    keys: dict[str, str]  # short name -> raw key
    aliases: dict[str, str]  # short name -> alias on the gateway
    tag: str
    calls_at: float  # time.time() of the last completion


def chat(litellm: RealLiteLLM, key: str, model: str) -> requests.Response:
    return requests.post(f"{litellm.url}/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                         json={"model": model, "messages": [{"role": "user", "content": "Hello"}]}, timeout=60)


def wait_for(probe, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.5)  # LiteLLM writes spend in batches (proxy_batch_write_at: 1 s)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def world(litellm_server) -> World:
    litellm = litellm_server
    litellm.reset()
    tag = uuid.uuid4().hex[:6]  # the proxy's router and key caches outlive the database reset
    model, other = f"mock-{tag}", f"other-{tag}"
    for name in (model, other):
        litellm.admin_json("POST", "/model/new", json={"model_name": name, "litellm_params": {
            "model": "openai/x", "mock_response": "hi", "input_cost_per_token": 0.001,
            "output_cost_per_token": 0.002}})
    team = f"science-{tag}"
    team_id = litellm.admin_json("POST", "/team/new", json={"team_alias": team, "models": [model, other],
                                                             "max_budget": 1, "budget_duration": "30d"})["team_id"]
    aliases = {name: f"{name}-{tag}" for name in ("alice", "bob", "carol", "dave")}
    specs = {
        "alice": {"team_id": team_id, "models": [model], "max_budget": 0.1, "soft_budget": 0.04,
                  "budget_duration": "30d", "user_id": f"alice-{tag}@example.com"},
        "bob": {"team_id": team_id, "models": [model], "max_budget": 0.04},  # one call spends it
        "carol": {"models": [model], "blocked": True, "max_budget": 5},
        "dave": {"models": [model, other], "duration": "2d"},
    }
    keys = {name: litellm.admin_json("POST", "/key/generate", json={"key_alias": aliases[name], **spec})["key"]
            for name, spec in specs.items()}
    for name in ("alice", "bob"):
        assert chat(litellm, keys[name], model).status_code == 200
    calls_at = time.time()
    for name in ("alice", "bob"):
        wait_for(lambda: litellm.admin_json("GET", "/key/info", params={"key": keys[name]})["info"]["spend"],
                 f"the spend of {name}")
    # At least: under load, the proxy's batch writer can land a previous test's row after the database reset.
    wait_for(lambda: len(litellm.db.rows('SELECT 1 FROM "LiteLLM_SpendLogs"')) >= 2, "two spend log rows")
    return World(litellm, model, other, team, team_id, keys, aliases, tag, calls_at)


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def litemaas(world, monkeypatch):
    """`litemaas --url <proxy> ARGS` in-process, master key from LITELLM_MASTER_KEY; it never shows the key."""
    monkeypatch.setenv("LITELLM_MASTER_KEY", world.litellm.master_key)

    def run(*argv: str, url: str | None = None) -> Run:
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(["--url", url or world.litellm.url, *argv], out=out, err=err)
        result = Run(code, out.getvalue(), err.getvalue())
        assert world.litellm.master_key not in result.out + result.err
        return result

    return run


def lines_of(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(name))


# --- status -----------------------------------------------------------------------------------------


def test_status_reports_health_version_database_and_counts(litemaas, world):
    result = litemaas("status")
    assert result.code == 0, result.err
    assert f"health:    healthy, LiteLLM {world.litellm.version}" in result.out
    assert "warning:" not in result.out  # a tested version
    assert "database:  connected" in result.out
    assert "models:    2 live" in result.out and "teams:     1 live" in result.out and "keys:      4 live" in result.out
    assert "not compared (no stack" in result.out
    document = json.loads(litemaas("status", "--json").out)
    assert document["live"] == {"models": 2, "teams": 1, "keys": 4}
    assert document["version"] == world.litellm.version and document["database"] == "connected"
    assert document["version_warning"] is None


def test_status_warns_about_a_version_outside_the_tested_range(litemaas, world):
    """A gateway reporting LiteLLM 1.110.2 (the answer of the real proxy, version replaced, through the fault proxy)."""
    details = world.litellm.admin_json("GET", "/health/readiness/details")
    with FaultProxy(world.litellm.url) as proxy:
        proxy.fail("GET", "/health/readiness/details", status=200, times=-1,
                   body={**details, "litellm_version": "1.110.2"})
        result = litemaas("status", url=proxy.url)
        document = json.loads(litemaas("status", "--json", url=proxy.url).out)
    assert result.code == 0, result.err  # a warning, not a failure: the admin may be mid-upgrade
    assert "health:    healthy, LiteLLM 1.110.2" in result.out
    assert lines_of(result.out, "warning:") == (
        "warning:   LiteLLM 1.110.2 is newer than the tested range (1.108.7, 1.108.14): upgrade tested only within it "
        "(README: LiteLLM versions)")
    assert document["version_warning"].startswith("LiteLLM 1.110.2 is newer than the tested range")


# --- spend ------------------------------------------------------------------------------------------


def test_spend_by_key_shows_spend_against_budget_sorted_with_totals(litemaas, world):
    result = litemaas("spend", "--by", "key", "--period", "30d")
    assert result.code == 0, result.err
    rows = result.out.splitlines()
    assert rows[0].split()[:3] == ["KEY", "SPEND", "30d"]
    assert {rows[1].split()[0], rows[2].split()[0]} == {world.aliases["alice"], world.aliases["bob"]}
    alice = lines_of(result.out, world.aliases["alice"]).split()
    assert alice[1:6] == ["0.048", "1", "0.048", "0.1", "48.0%"], alice
    assert "0.04 crossed" in lines_of(result.out, world.aliases["alice"])
    bob = lines_of(result.out, world.aliases["bob"]).split()
    assert bob[1:6] == ["0.048", "1", "0.048", "0.04", "120.0%"], bob
    assert lines_of(result.out, world.aliases["carol"]).split()[1:3] == ["0", "0"]
    assert lines_of(result.out, "TOTAL").split()[1:3] == ["0.096", "2"]
    assert "reading request logs" in result.err  # progress goes to stderr


def test_spend_as_json_and_csv(litemaas, world):
    document = json.loads(litemaas("spend", "--json").out)
    rows = {r["name"]: r for r in document["rows"]}
    assert rows[world.aliases["alice"]]["spend"] == pytest.approx(CALL_COST)
    assert rows[world.aliases["alice"]]["soft_crossed"] is True
    assert rows[world.aliases["bob"]]["over_budget"] is True
    assert rows[world.aliases["alice"]]["budget_reset_at"]  # a budget_duration gives a reset date
    assert document["totals"]["spend"] == pytest.approx(2 * CALL_COST)
    assert document["totals"]["max_budget"] == pytest.approx(0.1 + 0.04 + 5)
    table = list(csv.DictReader(io.StringIO(litemaas("spend", "--csv").out)))
    assert [r["name"] for r in table][:2] == [r["name"] for r in document["rows"]][:2]
    assert float(next(r for r in table if r["name"] == world.aliases["bob"])["used_pct"]) == pytest.approx(120.0)


def test_spend_by_team_user_and_model(litemaas, world):
    team = json.loads(litemaas("spend", "--by", "team", "--json").out)["rows"]
    assert team[0]["name"] == world.team and team[0]["spend"] == pytest.approx(2 * CALL_COST)
    assert team[0]["used_pct"] == pytest.approx(9.6) and team[0]["requests"] == 2
    users = {r["name"]: r for r in json.loads(litemaas("spend", "--by", "user", "--json").out)["rows"]}
    assert users[f"alice-{world.tag}@example.com"]["spend"] == pytest.approx(CALL_COST)
    assert users["(no user)"]["spend"] == pytest.approx(CALL_COST)  # bob's key names no user
    models = {r["name"]: r for r in json.loads(litemaas("spend", "--by", "model", "--json").out)["rows"]}
    assert models[world.model]["spend"] == pytest.approx(2 * CALL_COST) and world.other_model not in models


def test_spend_outside_the_period_is_not_counted(litemaas, world):
    time.sleep(max(0.0, world.calls_at + 3 - time.time()))
    result = json.loads(litemaas("spend", "--period", "2s", "--json").out)  # the calls are older than that
    assert result["totals"]["spend"] == 0 and result["totals"]["budget_spend"] == pytest.approx(2 * CALL_COST)


def test_spend_html_report_renders_bars_of_spend_against_budget_in_chromium(litemaas, world, tmp_path):
    report = tmp_path / "spend.html"
    result = litemaas("spend", "--html", str(report))
    assert result.code == 0 and result.out == "", result.err
    page = report.read_text()
    assert "<script" not in page and "<link" not in page and "src=" not in page  # opens from disk, alone
    bars = browser.measure(report, """[...document.querySelectorAll('g.row')].map(g => ({
        name: g.dataset.name,
        bar: g.querySelector('rect.bar').getBoundingClientRect().width,
        track: g.querySelector('rect.track').getBoundingClientRect().width,
        kind: g.querySelector('rect.bar').getAttribute('class'),
        label: g.querySelector('text.label').textContent,
        labelWidth: g.querySelector('text.label').getBoundingClientRect().width}))""")
    rendered = {bar["name"]: bar for bar in bars}
    alice, bob, carol = (rendered[world.aliases[n]] for n in ("alice", "bob", "carol"))
    assert alice["track"] == pytest.approx(400, abs=0.5)
    assert alice["bar"] == pytest.approx(0.48 * 400, abs=0.5) and alice["kind"] == "bar soft"
    assert bob["bar"] == pytest.approx(400, abs=0.5) and bob["kind"] == "bar over"  # 120 %: capped, red
    assert carol["bar"] == 0 and carol["kind"] == "bar ok"
    assert alice["label"] == "0.048 of 0.1 USD (48.0%)" and alice["labelWidth"] > 0
    assert rendered[world.aliases["dave"]]["label"] == "0 USD, no budget"
    assert [b["name"] for b in bars][:2] == [r["name"] for r in json.loads(litemaas("spend", "--json").out)["rows"]][:2]


# --- keys -------------------------------------------------------------------------------------------


def flagged(result: Run) -> dict[str, list[str]]:
    return {k["alias"]: k["problems"] for k in json.loads(result.out)}


def test_keys_lists_each_key_that_needs_attention_and_why(litemaas, world):
    result = litemaas("keys")
    assert result.code == cli.EXIT_FINDINGS
    for name in ("alice", "bob", "carol", "dave"):
        assert world.aliases[name] in result.out
    problems = flagged(litemaas("keys", "--json"))
    assert problems[world.aliases["alice"]] == ["over soft budget (0.048 of soft 0.04)"]
    assert problems[world.aliases["bob"]] == ["budget spent (0.048 of 0.04)"]
    assert problems[world.aliases["carol"]] == ["blocked"]
    assert problems[world.aliases["dave"]][0].startswith("expires ")


def test_keys_filters(litemaas, world):
    assert list(flagged(litemaas("keys", "--blocked", "--json"))) == [world.aliases["carol"]]
    assert list(flagged(litemaas("keys", "--expiring", "3d", "--json"))) == [world.aliases["dave"]]
    assert flagged(litemaas("keys", "--expiring", "1d", "--json")) == {}
    assert sorted(flagged(litemaas("keys", "--over-soft-budget", "--json"))) == sorted(
        [world.aliases["alice"], world.aliases["bob"]])
    nothing = litemaas("keys", "--expiring", "1d")
    assert nothing.code == 0 and "no key needs attention (4 keys checked)" in nothing.out


# --- diagnose ---------------------------------------------------------------------------------------


def test_diagnose_a_working_key_passes_every_check(litemaas, world):
    result = litemaas("diagnose", world.aliases["alice"], "--model", world.model)
    assert result.code == 0, result.out
    assert "[FAIL]" not in result.out
    for check in ("the gateway answers", "the key exists", "the key is not blocked", "the key has not expired",
                  "the key is under its budget", f"its team {world.team}", f"{world.model} is in the key's list",
                  f"{world.model} is healthy: 1 healthy, 0 unhealthy"):
        assert f"[ok  ] {check}" in result.out, result.out
    assert "soft budget 0.04 crossed" in result.out
    assert "health-checking" in result.err


@pytest.mark.parametrize("name, model, failed, fix", [
    ("bob", None, "the key is under its budget: spent 0.048 of 0.04", "litemaas:keys[<alias {alias}>].maxBudget"),
    ("carol", None, "the key is not blocked: blocked", "litemaas:keys[<alias {alias}>].blocked"),
    ("alice", "other", "{other} is in the key's list: the key allows {model}", "add {other} to"),
    ("alice", "nonexistent", "nonexistent is in the key's list", "add nonexistent to"),
])
def test_diagnose_names_the_failed_check_and_its_fix(litemaas, world, name, model, failed, fix):
    alias = world.aliases[name]
    model = {"other": world.other_model, None: None}.get(model, model)
    result = litemaas("diagnose", alias, *(["--model", model] if model else []))
    assert result.code == cli.EXIT_FINDINGS
    values = {"alias": alias, "other": world.other_model, "model": world.model}
    assert f"[FAIL] {failed.format(**values)}" in result.out, result.out
    assert fix.format(**values) in result.out.replace("`", ""), result.out


def test_diagnose_an_unknown_alias(litemaas):
    result = litemaas("diagnose", "nobody")
    assert result.code == cli.EXIT_FINDINGS
    assert "[FAIL] the key exists: no live key with alias nobody" in result.out


# --- handoff ----------------------------------------------------------------------------------------


def test_handoff_without_a_stack_says_the_user_keeps_their_key(litemaas, world):
    result = litemaas("handoff", world.aliases["alice"])
    assert result.code == 0, result.err
    assert f"Base URL:  {world.litellm.url}/v1" in result.out
    assert "API key:   unchanged, held by the user" in result.out
    assert world.keys["alice"] not in result.out
    assert f"Models:    {world.model}" in result.out
    assert "Budget:    0.1 USD per 30d, next reset " in result.out
    assert "Expires:   never" in result.out
    assert f"{world.litellm.url}/key/info" in result.out


# --- errors -----------------------------------------------------------------------------------------


def test_a_rejected_master_key_is_named(world, monkeypatch):
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-not-the-master-key")
    err = io.StringIO()
    assert cli.main(["--url", world.litellm.url, "status"], out=io.StringIO(), err=err) == cli.EXIT_AUTH
    assert "rejected the master key (HTTP 401)" in err.getvalue()
    assert "sk-not-the-master-key" not in err.getvalue()


def test_an_unreachable_gateway_is_named(monkeypatch):
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-some-master-key")
    err = io.StringIO()
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    assert cli.main(["--url", url, "spend"], out=io.StringIO(), err=err) == cli.EXIT_UNREACHABLE
    assert f"cannot reach the gateway at {url}: connection failed: Connection refused" in err.getvalue()
    assert time.monotonic() - started < 10  # two quick retries, not the providers' patient backoff


def test_url_without_master_key_and_plain_http_off_host_are_refused(monkeypatch):
    monkeypatch.delenv("LITELLM_MASTER_KEY", raising=False)
    err = io.StringIO()
    assert cli.main(["--url", "http://127.0.0.1:1", "status"], out=io.StringIO(), err=err) == cli.EXIT_USAGE
    assert "--url needs the master key in LITELLM_MASTER_KEY" in err.getvalue()
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-some-master-key")
    err = io.StringIO()
    assert cli.main(["--url", "http://gateway.example.com", "status"], out=io.StringIO(), err=err) == cli.EXIT_USAGE
    assert "refusing to send the master key over plain HTTP to gateway.example.com" in err.getvalue()
    assert "sk-some-master-key" not in err.getvalue()
