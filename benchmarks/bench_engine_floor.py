"""The engine floor: what one dynamic resource per key costs the Pulumi CLI and SDK alone, with no LiteLLM call.

The same CLI and file backend as `bench_real.py`, on `benchmarks/engine_floor` (a component, a team and N keys
shaped like the catalog's, whose provider calls nothing): `preview`, `up`, no-op `preview`, no-op `up`, `refresh`, one
change and `destroy`. Whatever this costs, no program with one resource per key can beat on this CLI and backend.

    .venv/bin/python benchmarks/bench_engine_floor.py [--keys 200 2000] [--env PULUMI_DIY_BACKEND_ZSTD=true]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_real import timed  # noqa: E402
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain  # noqa: E402

PROGRAM = Path(__file__).resolve().parent / "engine_floor"
COLUMNS = ["keys", "preview", "up", "up ms/key", "no-op preview", "no-op up", "refresh", "one change", "destroy",
           "destroy ms/key", "state bytes/key"]


def measure(bin_dir: Path, count: int, env: dict[str, str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as workdir:
        project = PulumiProject(Path(workdir), bin_dir, stack="floor", extra_env=env, source=PROGRAM)
        # the stack program's own trimming of the recorded stack traces, so each resource's state is alike
        shutil.copytree(ROOT / "litemaas_common", project.dir / "litemaas_common")
        project.set_plain({"keys": count, "budget": 10})
        row: dict[str, Any] = {"keys": count}

        def step(name: str, action: Callable[[], Any]) -> None:
            row[name] = timed(action)
            print(f"  {count} keys: {name} {row[name]:.1f} s", file=sys.stderr, flush=True)

        step("preview", lambda: project.run("preview"))
        step("up", project.up)
        row["state bytes/key"] = len(json.dumps(project.export())) / count
        step("no-op preview", lambda: project.run("preview", "--expect-no-changes"))
        step("no-op up", lambda: project.up("--expect-no-changes"))
        step("refresh", lambda: project.refresh("--skip-preview"))
        project.set_plain({"budget": 11})
        step("one change", project.up)
        step("destroy", lambda: project.destroy("--skip-preview"))
    row["up ms/key"] = 1000 * row["up"] / count
    row["destroy ms/key"] = 1000 * row["destroy"] / count
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra CLI environment")
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    bin_dir = ensure_toolchain()
    rows = [measure(bin_dir, count, env) for count in args.keys]
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "|".join("---:" for _ in COLUMNS) + "|")
    for row in rows:
        print("| " + " | ".join(str(row[c]) if c == "keys" else f"{row[c]:,.0f}" if c.endswith("/key")
                                else f"{row[c]:.1f} s" for c in COLUMNS) + " |")


if __name__ == "__main__":
    main()
