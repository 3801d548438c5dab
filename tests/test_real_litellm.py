"""The real-LiteLLM test tooling itself: the proxy on PostgreSQL through the query-engine stand-in, a clean
database per test, and the protocol details the stand-in must get right (docs/real-litellm.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.real_litellm import Installation

BIG_LIMIT = 2**53 + 1  # not representable as a double: proves numbers reach PostgreSQL as written


def test_ready_with_the_database_connected(real_litellm):
    assert real_litellm.admin_json("GET", "/health/readiness")["db"] == "connected"
    assert real_litellm.url.startswith("http://127.0.0.1:")


@pytest.mark.real_litellm  # no proxy fixture, but the installed tooling's engine stand-in
def test_the_stand_in_answers_as_the_engine_prisma_client_py_expects():
    engine = Installation.find().root / "bin" / "query-engine"
    version = subprocess.run([str(engine), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.strip() == "query-engine ac9d7041ed77bcc8a8dbd2ab6616b39013829574"


def test_json_and_bigint_columns_round_trip(real_litellm):
    team = real_litellm.admin_json("POST", "/team/new", json={
        "team_alias": "typed", "tpm_limit": BIG_LIMIT, "metadata": {"cost_center": "42", "tier": {"gold": True}}})
    stored = real_litellm.db.rows(
        f"""SELECT tpm_limit, jsonb_typeof(metadata::jsonb), metadata->>'cost_center'
            FROM "LiteLLM_TeamTable" WHERE team_id = '{team["team_id"]}'""")
    # Json stored as an object, not as a JSON string: `/key/info` and deletes fail on strings.
    assert stored == [[str(BIG_LIMIT), "object", "42"]]
    info = real_litellm.admin_json("GET", "/team/info", params={"team_id": team["team_id"]})["team_info"]
    assert info["tpm_limit"] == BIG_LIMIT and info["metadata"]["tier"] == {"gold": True}


def test_transactions_commit_key_and_budget_rows(real_litellm):
    key = real_litellm.admin_json("POST", "/key/generate", json={
        "key_alias": "budgeted", "max_budget": 1.0, "soft_budget": 0.5, "metadata": {"owner": "alice"}})
    info = real_litellm.admin_json("GET", "/key/info", params={"key": key["key"]})["info"]
    assert info["key_alias"] == "budgeted" and info["metadata"] == {"owner": "alice"}
    soft = real_litellm.db.rows('SELECT soft_budget FROM "LiteLLM_BudgetTable"')
    assert soft == [["0.5"]]


def test_each_test_starts_from_a_clean_database(real_litellm):
    # The previous tests created teams and keys in the same server; none of them is left.
    assert real_litellm.db.rows('SELECT count(*) FROM "LiteLLM_TeamTable"') == [["0"]]
    assert real_litellm.db.rows('SELECT count(*) FROM "LiteLLM_VerificationToken"') == [["0"]]
    assert real_litellm.admin_json("GET", "/team/list") == []


def test_raw_queries_read_catalog_types(real_litellm):
    # At start-up LiteLLM checks its spend views with raw SQL over pg_views (`name` and `name[]` columns),
    # which PostgreSQL's driver adapter cannot deserialize unless the stand-in presents them as text.
    views = real_litellm.db.rows("""SELECT count(*) FROM pg_views WHERE schemaname = 'public'
        AND viewname IN ('LiteLLM_VerificationTokenView', 'MonthlyGlobalSpend', 'Last30dKeysBySpend',
                         'Last30dModelsBySpend', 'MonthlyGlobalSpendPerKey', 'MonthlyGlobalSpendPerUserPerKey',
                         'Last30dTopEndUsersSpend', 'DailyTagSpend')""")
    assert views == [["8"]]
    assert "Failed to deserialize" not in real_litellm.log_tail(lines=100_000)
    assert real_litellm.admin("GET", "/global/spend").status_code == 200


def test_every_migration_of_litellm_is_applied(real_litellm):
    # Folder names carry spaces ("…_Add organization_id to spend logs"): none may be skipped.
    (site,) = (real_litellm.install.root / "venv" / "lib").glob("python3*/site-packages")
    shipped = sorted(p.parent.name for p in (site / "litellm_proxy_extras" / "migrations").glob("*/migration.sql"))
    applied = sorted(row[0] for row in real_litellm.db.rows("SELECT migration_name FROM _prisma_migrations"))
    assert applied == shipped
    assert real_litellm.db.rows("""SELECT count(*) FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'LiteLLM_SpendLogs' AND column_name = 'organization_id'""") == [["1"]]


def test_a_script_killed_with_sigterm_still_stops_its_servers():
    # Benchmarks run `with RealLiteLLM():`; a plain SIGTERM would end them without `__exit__`, leaving the proxy
    # and its PostgreSQL running.
    script = """
import os, signal, sys, time
sys.path.insert(0, os.getcwd())
from tests.support.real_litellm import stop_on_sigterm
class Servers:
    def __enter__(self): return self
    def __exit__(self, *exc): print("servers stopped", flush=True)
stop_on_sigterm()
with Servers():
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert "servers stopped" in done.stdout, done.stderr
