"""Benchmark tenant stacks: estates of T tenant stacks of K keys each on one platform stack, with the real Pulumi
CLI (file backend) against the real LiteLLM proxy, beside the floor of the same admin API calls in the same run.

The platform stack is `deployGateway: false` with 2 models; each tenant stack (`platformStack`) holds 1 team and K
keys from a `keysFrom` CSV. For each size and mode: `up` of the whole estate (tenants one after the other, or N at
a time), a no-op preview of one tenant (the pull-request case), one key changed in one tenant, and the destroy of
one tenant; the rest of the estate is dropped with the proxy's database (not timed). Once per size, the floor:
T×K keys created and deleted by a plain loop of admin API calls with `--workers` in flight. The machine's load
average at the start and end of each run (and its peak, sampled) is printed beside the figures: on a shared
machine the reader must know what else ran. The CPU seconds per key of the estate `up` (the Pulumi CLI runs with
their plugins; the proxy with PostgreSQL) are printed too: load stretches wall time, far less the work done, so
they show whether a stack's cost grows with the estate even when the machine is shared.

    .venv/bin/python benchmarks/bench_tenants.py [--sizes 10x200,50x200] [--concurrent 1,2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_real import MODELS, floor, print_markdown, timed  # noqa: E402
from benchmarks.cpu_clock import CpuClock  # noqa: E402
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain  # noqa: E402
from tests.support.real_litellm import RealLiteLLM, stop_on_sigterm  # noqa: E402

ADMIN_API = {"readinessTimeout": "60s", "requestTimeout": "60s"}
GROWTH_WINDOW = 10  # stacks averaged at each end of the estate `up`, to show whether a stack slows as the estate grows


def write_tenant_keys(path: Path, tenant: str, count: int, first_budget: float = 10) -> None:
    rows = ["alias,team,models,maxBudget,duration"]
    rows += [f"{tenant}-user-{i:05d},{tenant}-team,{MODELS[i % 2]['name']},{first_budget if i == 0 else 10},5d"
             for i in range(count)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def tenant_stack(platform: PulumiProject, name: str, keys: int) -> PulumiProject:
    tenant = platform.another_stack(name)
    write_tenant_keys(tenant.dir / f"{name}.csv", name, keys)
    tenant.set_plain({"platformStack": "organization/litemaas/platform", "adminApi": ADMIN_API,
                      "teams": [{"alias": f"{name}-team", "models": [m["name"] for m in MODELS]}],
                      "keysFrom": f"{name}.csv"})
    return tenant


class LoadAverage:
    """The 1-minute load average at the start and end of a run, and its peak sampled every few seconds."""

    def __init__(self, every: float = 5) -> None:
        self.every, self.start, self.peak = every, os.getloadavg()[0], os.getloadavg()[0]
        self.end = self.start
        self._stopped = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stopped.wait(self.every):
            self.peak = max(self.peak, os.getloadavg()[0])

    def __enter__(self) -> "LoadAverage":
        self._sampler.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        self._sampler.join()
        self.end = os.getloadavg()[0]
        self.peak = max(self.peak, self.end)

    def describe(self) -> str:
        return f"{self.start:.1f} → {self.end:.1f} (peak {self.peak:.1f})"


def measure_estate(litellm: RealLiteLLM, bin_dir: Path, tenants: int, keys: int, concurrent: int) -> dict[str, Any]:
    litellm.reset()
    row: dict[str, Any] = {"estate": f"{tenants} × {keys}", "keys": tenants * keys,
                           "mode": "sequential" if concurrent == 1 else f"{concurrent} at a time"}
    with tempfile.TemporaryDirectory() as workdir:
        platform = PulumiProject(Path(workdir), bin_dir, stack="platform")
        platform.set_plain({"deployGateway": False, "gatewayUrl": litellm.url, "adminApi": ADMIN_API,
                            "models": MODELS})
        platform.set_secret("masterKey", litellm.master_key)
        platform.up()
        stacks = [tenant_stack(platform, f"tenant-{i:03d}", keys) for i in range(tenants)]
        ups: list[float] = []
        estate_started = time.monotonic()

        def up(tenant: PulumiProject) -> None:
            ups.append(timed(tenant.up))
            print(f"  {tenant.stack} up in {ups[-1]:.1f} s ({len(ups) * keys:,} keys up after"
                  f" {time.monotonic() - estate_started:.0f} s)", file=sys.stderr, flush=True)

        with CpuClock(litellm.server_pids()) as cpu, ThreadPoolExecutor(concurrent) as pool:
            row["estate up"] = timed(lambda: list(pool.map(up, stacks)))
        row["CLI CPU ms/key"] = 1000 * cpu.cli / row["keys"]
        row["proxy+db CPU ms/key"] = 1000 * cpu.servers / row["keys"]
        row["stack up (mean)"] = sum(ups) / len(ups)
        row["stack up (max)"] = max(ups)
        window = min(GROWTH_WINDOW, len(ups))
        row["first stacks up (mean)"] = sum(ups[:window]) / window
        row["last stacks up (mean)"] = sum(ups[-window:]) / window
        last = stacks[-1]
        row["no-op preview"] = timed(lambda: last.run("preview", "--expect-no-changes"))
        write_tenant_keys(last.dir / f"{last.stack}.csv", last.stack, keys, first_budget=11)
        row["one change"] = timed(lambda: last.up())
        row["stack destroy"] = timed(lambda: last.destroy("--skip-preview"))
    litellm.reset()  # the other tenants and the platform go with the database: their destroy is not measured here
    return row


def measure(litellm: RealLiteLLM, bin_dir: Path, tenants: int, keys: int, concurrent: int,
            floors: dict[int, dict[str, float]], workers: int) -> dict[str, Any]:
    """One estate `up` and its tenant figures, with the floor of the same number of keys (measured once per size)."""
    with LoadAverage() as load:
        row = measure_estate(litellm, bin_dir, tenants, keys, concurrent)
        if row["keys"] not in floors:
            floors[row["keys"]] = floor(litellm, row["keys"], workers)
            litellm.reset()
    row.update({f"floor {k}": v for k, v in floors[row["keys"]].items()})
    row["load average"] = load.describe()
    return row


def parse_size(text: str) -> tuple[int, int]:
    tenants, _, keys = text.lower().partition("x")
    return int(tenants), int(keys)


def print_table(rows: list[dict[str, Any]]) -> None:
    columns = ["estate", "keys", "mode", "estate up", "up ms/key", "CLI CPU ms/key", "proxy+db CPU ms/key", "floor create", "floor ms/key", "up/floor",
               "stack up (mean)", "stack up (max)", "first stacks up (mean)", "last stacks up (mean)",
               "no-op preview", "one change", "stack destroy", "floor delete", "load average"]
    for row in rows:
        row["up/floor"] = row["estate up"] / row["floor create"]
        row["up ms/key"] = 1000 * row["estate up"] / row["keys"]
        row["floor ms/key"] = 1000 * row["floor create"] / row["keys"]
    print_markdown(columns, rows, counts=lambda c: c == "keys",
                   whole=lambda c: c.endswith("ms/key"), text=lambda c: c in ("estate", "mode", "load average"))
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=lambda s: [parse_size(x) for x in s.split(",")], default=[(10, 200)],
                        help="estates as TENANTSxKEYS, comma-separated (e.g. 10x200,50x200)")
    parser.add_argument("--concurrent", type=lambda s: [int(x) for x in s.split(",")], default=[1],
                        help="tenant stacks run at once, comma-separated modes (e.g. 1,2); every size runs in each")
    parser.add_argument("--workers", type=int, default=4, help="calls in flight in the floor loop")
    args = parser.parse_args()
    stop_on_sigterm()
    bin_dir = ensure_toolchain()
    rows: list[dict[str, Any]] = []
    floors: dict[int, dict[str, float]] = {}
    with RealLiteLLM() as litellm:
        for concurrent in args.concurrent:
            for tenants, keys in args.sizes:
                started = time.monotonic()
                rows.append(measure(litellm, bin_dir, tenants, keys, concurrent, floors, args.workers))
                print(f"measured {tenants}×{keys} keys, {rows[-1]['mode']}, in {time.monotonic() - started:.0f} s:"
                      f" {rows[-1]}", file=sys.stderr, flush=True)
                print_table(rows)  # the table so far: a run cut short still leaves its figures


if __name__ == "__main__":
    main()
