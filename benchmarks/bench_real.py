"""Benchmark the real engine against the real LiteLLM proxy, beside the floor of the same admin API calls.

For each N (default 10, 100, 500 keys, from a `keysFrom` CSV; 2 models, 1 team) on a `deployGateway: false` stack with the real Pulumi CLI
(file backend): wall time of `preview`, `up`, a no-op `up`, `refresh`, a one-budget-change `up` and `destroy`,
the LiteLLM calls each made (counted by a recording proxy in front of LiteLLM), and the state bytes per key.
In the same run, the floor: N keys created, read and deleted by a plain loop of admin API calls with
`--workers` in flight. The ratio column is engine time / floor time.

    .venv/bin/python benchmarks/bench_real.py [--keys 10 100 500] [--workers 4] [--parallel N]
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fault_proxy import FaultProxy  # noqa: E402
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain  # noqa: E402
from tests.support.real_litellm import RealLiteLLM, stop_on_sigterm  # noqa: E402

MODELS = [{"name": f"bench-model-{i}", "model": f"openai/bench-model-{i}",
           "extraParams": {"mock_response": "ok"}} for i in range(2)]
TEAMS = [{"alias": "bench-team", "models": [m["name"] for m in MODELS], "maxBudget": 1000}]


def keys_config(count: int) -> list[dict[str, Any]]:
    return [{"alias": f"user-{i:05d}", "team": "bench-team", "models": [MODELS[i % 2]["name"]], "maxBudget": 10,
             "budgetDuration": "30d"} for i in range(count)]


def write_keys_file(path: Path, count: int, first_budget: float = 10) -> None:
    """The same keys as a `keysFrom` CSV: past ~1,000 keys inline, `keys[]` no longer fits in the one environment
    variable (PULUMI_CONFIG, 128 KiB on Linux) the CLI starts the program with."""
    rows = ["alias,team,models,maxBudget,budgetDuration"]
    rows += [f"{k['alias']},{k['team']},{k['models'][0]},{first_budget if i == 0 else k['maxBudget']},"
             f"{k['budgetDuration']}" for i, k in enumerate(keys_config(count))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def floor(litellm: RealLiteLLM, count: int, workers: int) -> dict[str, float]:
    """The same N keys created, read and deleted by a plain loop, `workers` calls in flight."""
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Bearer {litellm.master_key}"
    values = [f"sk-{secrets.token_urlsafe(32)}" for _ in range(count)]

    def call(path: str, **kwargs: Any) -> None:
        session.request("GET" if path == "/key/info" else "POST", f"{litellm.url}{path}", timeout=120,
                        **kwargs).raise_for_status()

    def run(fn: Callable[[int], None]) -> float:
        with ThreadPoolExecutor(workers) as pool:
            return timed(lambda: list(pool.map(fn, range(count))))

    return {
        "create": run(lambda i: call("/key/generate", json={"key": values[i], "key_alias": f"floor-{i}",
                                                            "max_budget": 10, "budget_duration": "30d"})),
        "read": run(lambda i: call("/key/info", params={"key": values[i]})),
        "delete": run(lambda i: call("/key/delete", json={"keys": [values[i]]})),
    }


def measure(litellm: RealLiteLLM, bin_dir: Path, count: int, workers: int, parallel: int | None) -> dict[str, Any]:
    litellm.reset()
    extra = ("--parallel", str(parallel)) if parallel else ()
    with tempfile.TemporaryDirectory() as workdir, FaultProxy(litellm.url) as api:
        project = PulumiProject(Path(workdir), bin_dir, stack="bench")
        project.set_plain({"deployGateway": False, "gatewayUrl": api.url,
                           "adminApi": {"readinessTimeout": "60s", "requestTimeout": "60s"},
                           "models": MODELS, "teams": TEAMS, "keysFrom": "keys.csv"})
        write_keys_file(project.dir / "keys.csv", count)
        project.set_secret("masterKey", litellm.master_key)
        row: dict[str, Any] = {"keys": count}

        def step(name: str, action: Callable[[], Any]) -> None:
            api.reset_calls()
            row[name] = timed(action)
            row[f"{name} calls"] = len([c for c in api.calls if not c.path.startswith("/health")])

        step("preview", lambda: project.run("preview", *extra))
        step("up", lambda: project.up(*extra))
        state = json.dumps(project.export())
        row["state bytes/key"] = len(state) / max(count, 1)
        step("no-op preview", lambda: project.run("preview", "--expect-no-changes", *extra))
        step("no-op up", lambda: project.up("--expect-no-changes", *extra))
        step("refresh", lambda: project.refresh("--skip-preview", *extra))

        write_keys_file(project.dir / "keys.csv", count, first_budget=11)
        step("one change", lambda: project.up(*extra))
        step("destroy", lambda: project.destroy("--skip-preview", *extra))
    row.update({f"floor {k}": v for k, v in floor(litellm, count, workers).items()})
    return row


def print_table(rows: list[dict[str, Any]]) -> None:
    columns = ["keys", "preview", "up", "floor create", "up/floor", "up ms/key", "no-op preview", "no-op up",
               "refresh", "floor read", "one change", "destroy", "floor delete", "destroy/floor", "destroy ms/key",
               "state bytes/key", "up calls", "no-op up calls", "refresh calls", "one change calls", "destroy calls"]
    for row in rows:
        row["up/floor"] = row["up"] / row["floor create"]
        row["destroy/floor"] = row["destroy"] / row["floor delete"]
        row["up ms/key"] = 1000 * row["up"] / max(row["keys"], 1)
        row["destroy ms/key"] = 1000 * row["destroy"] / max(row["keys"], 1)
    print_markdown(columns, rows, counts=lambda c: c.endswith("calls") or c == "keys",
                   whole=lambda c: c == "state bytes/key" or c.endswith("ms/key"))


def print_markdown(columns: list[str], rows: list[dict[str, Any]], *, counts: Callable[[str], bool],
                   whole: Callable[[str], bool], text: Callable[[str], bool] = lambda column: False) -> None:
    """The README table: `text` and counts as they are, `…/floor` ratios, `whole` numbers rounded, the rest
    seconds."""
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---:" for _ in columns) + "|")
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            if text(column):
                cells.append(str(value))
            elif counts(column):
                cells.append(f"{value:,}")
            elif column.endswith("/floor"):
                cells.append(f"{value:.1f}×")
            elif whole(column):
                cells.append(f"{value:,.0f}")
            else:
                cells.append(f"{value:.1f} s")
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--workers", type=int, default=4, help="calls in flight in the floor loop")
    parser.add_argument("--parallel", type=int, default=None, help="pulumi --parallel (default: the CLI's)")
    args = parser.parse_args()
    stop_on_sigterm()
    bin_dir = ensure_toolchain()
    rows = []
    with RealLiteLLM() as litellm:
        for count in args.keys:
            rows.append(measure(litellm, bin_dir, count, args.workers, args.parallel))
            print(f"measured {count} keys: {rows[-1]}", file=sys.stderr, flush=True)
    print_table(rows)


if __name__ == "__main__":
    main()
