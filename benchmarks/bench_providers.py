"""Benchmark the LiteLLM dynamic providers through the real provider host against the real LiteLLM proxy.

For 10, 100 and 1000 keys (plus 20 models and 5 teams; `--mcp-servers N` adds N MCP servers, each team granted
one: the mixed catalog) it measures, the way `pulumi up` drives them
(Check, then Create / Diff / Read / Update over gRPC, 4 calls in flight like the host's 4 workers):
wall time and the provider host's peak memory to create everything, HTTP calls for a no-op `up`
(Check + Diff of every resource), for a refresh (Read of every resource) and for changing one key's
budget, and the state bytes one key adds. The real LiteLLM 1.108.7 proxy with its PostgreSQL runs in its own
processes; the calls are counted by the fault proxy in front of it (tests/support/fault_proxy.py, in this process).

    .venv/bin/python benchmarks/bench_providers.py [--keys 10 100 1000] [--workers 4] [--mcp-servers 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable


ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dynamic_providers.mcp_server import McpServerProvider  # noqa: E402
from dynamic_providers.model import ModelProvider  # noqa: E402
from dynamic_providers.team import TeamProvider  # noqa: E402
from dynamic_providers.virtual_key import VirtualKeyProvider  # noqa: E402
from tests.support.fault_proxy import FaultProxy  # noqa: E402
from tests.support.provider_host import ProviderHost, engine_provider, urn_for  # noqa: E402
from tests.support.real_litellm import RealLiteLLM, stop_on_sigterm  # noqa: E402

MODELS, TEAMS = 20, 5
PROVIDERS = {"Model": engine_provider(ModelProvider()), "Team": engine_provider(TeamProvider()),
             "VirtualKey": engine_provider(VirtualKeyProvider()), "McpServer": engine_provider(McpServerProvider())}
# Creation waves: what a resource references exists first (a team's granted MCP servers, a key's team).
WAVES = (("McpServer",), ("Model", "Team"), ("VirtualKey",))


class Gateway:
    """The real proxy (and PostgreSQL), with a call-recording proxy in front of it."""

    def __init__(self) -> None:
        self.litellm = RealLiteLLM().__enter__()
        self.proxy = FaultProxy(self.litellm.url).start()
        self.url = self.proxy.url
        self.master_key = self.litellm.master_key

    def calls(self) -> list[dict[str, Any]]:
        return [{"method": c.method, "path": c.path} for c in self.proxy.calls]

    def reset_calls(self) -> None:
        self.proxy.reset_calls()

    def close(self) -> None:
        self.proxy.stop()
        self.litellm.stop()


def count(calls: list[dict[str, Any]]) -> dict[str, int]:
    api = [c for c in calls if not c["path"].startswith("/health")]
    return {"health": len(calls) - len(api), "reads": sum(1 for c in api if c["method"] == "GET"),
            "writes": sum(1 for c in api if c["method"] != "GET")}


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def declared(url: str, master_key: str, keys: int, mcp_servers: int = 0) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, name, program inputs) for 20 models, 5 teams, `keys` keys and `mcp_servers` MCP servers."""
    connection = {"admin_url": url, "master_key": master_key, "request_timeout": 30, "readiness_timeout": 60}
    resources = []
    # The mixed catalog: MCP servers (unreachable URLs: LiteLLM creates them anyway), each team granted one.
    for i in range(mcp_servers):
        resources.append(("McpServer", f"mcp-{i}", {**connection, "server_name": f"tools_{i}",
                                                    "url": f"http://127.0.0.1:9/mcp/{i}", "transport": "http",
                                                    "auth_type": "bearer_token", "auth_value": f"mcp-secret-{i:04d}"}))
    for i in range(MODELS):
        resources.append(("Model", f"model-{i}", {**connection, "model_name": f"model-{i}", "model": f"openai/m{i}",
                                                  "api_base": "https://llm.example.com/v1",
                                                  "api_key": f"upstream-secret-{i:04d}", "rpm": 600}))
    for i in range(TEAMS):
        resources.append(("Team", f"team-{i}", {**connection, "team_alias": f"team-{i}",
                                                "models": [f"model-{i}", f"model-{i + 5}"], "max_budget": 1000.0}))
    for i in range(keys):
        resources.append(("VirtualKey", f"key-{i}", {**connection, "key_alias": f"user-{i}",
                                                     "models": [f"model-{i % MODELS}"], "max_budget": 10.0,
                                                     "budget_duration": "30d", "duration": "90d",
                                                     "metadata": {"owner": f"user-{i}"}}))
    return resources


def run(keys: int, workers: int, mcp_servers: int = 0) -> dict[str, Any]:
    gateway = Gateway()
    host = ProviderHost()
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        resources = declared(gateway.url, gateway.master_key, keys, mcp_servers)
        state: dict[str, dict[str, Any]] = {}
        team_ids: dict[str, str] = {}
        server_ids: dict[str, str] = {}

        def urn(kind: str, name: str) -> str:
            return urn_for(f"dynamic/litellm:{kind}", name)

        def program(kind: str, name: str, news: dict[str, Any]) -> dict[str, Any]:
            news = {**news, "__provider": PROVIDERS[kind]}
            if kind == "VirtualKey":
                news["team_id"] = team_ids[f"team-{int(name.split('-')[1]) % TEAMS}"]
            if kind == "Team" and server_ids:
                news["mcp_servers"] = [server_ids[f"mcp-{int(name.split('-')[1]) % len(server_ids)}"]]
            return news

        def create(item: tuple[str, str, dict[str, Any]]) -> None:
            kind, name, news = item
            inputs, failures = host.check(urn(kind, name), {}, program(kind, name, news))
            assert not failures, failures
            id_, outs = host.create(urn(kind, name), inputs)
            state[name] = {"kind": kind, "id": id_, "inputs": inputs, "outputs": outs}
            if kind == "Team":
                team_ids[name] = id_
            if kind == "McpServer":
                server_ids[name] = id_

        def each(fn: Callable, items) -> None:
            for _ in pool.map(fn, items):
                pass

        started = time.perf_counter()
        for wave in WAVES:
            each(create, [r for r in resources if r[0] in wave])
        create_seconds = time.perf_counter() - started
        create_calls = count(gateway.calls())

        def no_op(item) -> None:
            kind, name, news = item
            old = state[name]
            inputs, _ = host.check(urn(kind, name), old["inputs"], program(kind, name, news))
            diff = host.diff(old["id"], urn(kind, name), old["outputs"], inputs)
            assert diff.changes == 1, (name, diff)  # DIFF_NONE

        gateway.reset_calls()
        each(no_op, resources)
        no_op_calls = count(gateway.calls())

        def refresh(item) -> None:
            kind, name, _ = item
            old = state[name]
            read_id, _, _ = host.read(old["id"], urn(kind, name), old["outputs"])
            assert read_id == old["id"], name

        gateway.reset_calls()
        started = time.perf_counter()
        each(refresh, resources)
        refresh_seconds = time.perf_counter() - started
        refresh_calls = count(gateway.calls())

        target = next(r for r in resources if r[1] == "key-0")
        changed = (target[0], target[1], {**target[2], "max_budget": 20.0})

        def up_one_budget(item) -> None:
            kind, name, news = changed if item[1] == "key-0" else item
            old = state[name]
            inputs, _ = host.check(urn(kind, name), old["inputs"], program(kind, name, news))
            diff = host.diff(old["id"], urn(kind, name), old["outputs"], inputs)
            if diff.changes == 2:  # DIFF_SOME
                host.update(old["id"], urn(kind, name), old["outputs"], inputs)

        gateway.reset_calls()
        each(up_one_budget, resources)
        budget_calls = count(gateway.calls())

        key_state = [s for s in state.values() if s["kind"] == "VirtualKey"]
        state_bytes = sum(len(json.dumps(s["inputs"])) + len(json.dumps(s["outputs"])) for s in key_state)
        return {"keys": keys, "mcp_servers": mcp_servers, "resources": len(resources), "create_s": create_seconds,
                "host_peak_mib": peak_rss_mib(host.proc.pid), "create": create_calls, "no_op": no_op_calls,
                "refresh": refresh_calls, "refresh_s": refresh_seconds, "budget": budget_calls,
                "state_bytes_per_key": state_bytes / len(key_state)}
    finally:
        pool.shutdown()
        host.close()
        gateway.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--mcp-servers", type=int, default=0, help="a mixed catalog: also N MCP servers, each "
                        "team granted one")
    args = parser.parse_args()
    stop_on_sigterm()
    rows = [run(n, args.workers, args.mcp_servers) for n in args.keys]
    print("| keys | MCP servers | resources | create all: wall s | host peak RSS MiB | create: HTTP writes / reads / health "
          "| no-op up: HTTP calls | refresh: reads (per resource) / wall s | one budget change: writes / reads "
          "| state bytes per key |")
    print("|---:|---:|---:|---:|---:|---|---:|---|---|---:|")
    for r in rows:
        c, n, f, b = r["create"], r["no_op"], r["refresh"], r["budget"]
        print(f"| {r['keys']} | {r['mcp_servers']} | {r['resources']} | {r['create_s']:.1f} | {r['host_peak_mib']:.0f} "
              f"| {c['writes']} / {c['reads']} / {c['health']} | {n['reads'] + n['writes'] + n['health']} "
              f"| {f['reads']} ({f['reads'] / r['resources']:.2f}) / {r['refresh_s']:.1f} "
              f"| {b['writes']} / {b['reads']} | {r['state_bytes_per_key']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
