"""Benchmark tenant stacks: an estate of T tenant stacks of K keys each on one platform stack, with the real Pulumi
CLI (file backend) against the real LiteLLM proxy, beside the floor of the same admin API calls in the same run.

The platform stack is `deployGateway: false` with 2 models; each tenant stack (`platformStack`) holds 1 team and K
keys from a `keysFrom` CSV. Measured: `up` of the whole estate (tenants one after the other, or `--concurrent 2` at a
time), a no-op preview of one tenant (the pull-request case), one key changed in one tenant, and the destroy of one
tenant; then the floor: T×K keys created and deleted by a plain loop of admin API calls with `--workers` in flight.

    .venv/bin/python benchmarks/bench_tenants.py [--tenants 10] [--keys 200] [--concurrent 1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_real import MODELS, floor, print_markdown, timed  # noqa: E402
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain  # noqa: E402
from tests.support.real_litellm import RealLiteLLM, stop_on_sigterm  # noqa: E402

ADMIN_API = {"readinessTimeout": "60s", "requestTimeout": "60s"}


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


def measure(litellm: RealLiteLLM, bin_dir: Path, tenants: int, keys: int, concurrent: int,
            workers: int) -> dict[str, Any]:
    litellm.reset()
    row: dict[str, Any] = {"tenants": tenants, "keys per tenant": keys, "keys": tenants * keys,
                           "concurrent": concurrent}
    with tempfile.TemporaryDirectory() as workdir:
        platform = PulumiProject(Path(workdir), bin_dir, stack="platform")
        platform.set_plain({"deployGateway": False, "gatewayUrl": litellm.url, "adminApi": ADMIN_API,
                            "models": MODELS})
        platform.set_secret("masterKey", litellm.master_key)
        platform.up()
        stacks = [tenant_stack(platform, f"tenant-{i:03d}", keys) for i in range(tenants)]
        ups: list[float] = []

        def up(tenant: PulumiProject) -> None:
            ups.append(timed(tenant.up))
            print(f"  {tenant.stack} up in {ups[-1]:.1f} s", file=sys.stderr, flush=True)

        with ThreadPoolExecutor(concurrent) as pool:
            row["estate up"] = timed(lambda: list(pool.map(up, stacks)))
        row["tenant up (mean)"] = sum(ups) / len(ups)
        row["tenant up (max)"] = max(ups)
        last = stacks[-1]
        row["no-op preview"] = timed(lambda: last.run("preview", "--expect-no-changes"))
        write_tenant_keys(last.dir / f"{last.stack}.csv", last.stack, keys, first_budget=11)
        row["one change"] = timed(lambda: last.up())
        row["tenant destroy"] = timed(lambda: last.destroy("--skip-preview"))
        with ThreadPoolExecutor(concurrent) as pool:
            list(pool.map(lambda t: t.destroy("--skip-preview"), stacks[:-1]))
        platform.destroy("--skip-preview")
    row.update({f"floor {k}": v for k, v in floor(litellm, tenants * keys, workers).items()})
    return row


def print_table(rows: list[dict[str, Any]]) -> None:
    columns = ["keys", "tenants", "concurrent", "estate up", "floor create", "up/floor", "up ms/key",
               "tenant up (mean)", "tenant up (max)", "no-op preview", "one change", "tenant destroy", "floor delete"]
    for row in rows:
        row["up/floor"] = row["estate up"] / row["floor create"]
        row["up ms/key"] = 1000 * row["estate up"] / row["keys"]
    print_markdown(columns, rows, counts=lambda c: c in ("keys", "tenants", "concurrent"),
                   whole=lambda c: c == "up ms/key")

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, nargs="+", default=[10], help="estate sizes, in tenant stacks")
    parser.add_argument("--keys", type=int, default=200, help="keys per tenant stack")
    parser.add_argument("--concurrent", type=int, default=1, help="tenant stacks run at once")
    parser.add_argument("--workers", type=int, default=4, help="calls in flight in the floor loop")
    args = parser.parse_args()
    stop_on_sigterm()
    bin_dir = ensure_toolchain()
    rows = []
    with RealLiteLLM() as litellm:
        for tenants in args.tenants:
            started = time.monotonic()
            rows.append(measure(litellm, bin_dir, tenants, args.keys, args.concurrent, args.workers))
            print(f"measured {tenants}×{args.keys} keys in {time.monotonic() - started:.0f} s: {rows[-1]}",
                  file=sys.stderr, flush=True)
    print_table(rows)


if __name__ == "__main__":
    main()
