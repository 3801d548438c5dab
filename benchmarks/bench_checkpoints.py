"""Where `pulumi up` of many keys spends its time: the same `up` and `destroy` of N keys against the real LiteLLM
proxy with the DIY (file) backend's checkpoint settings varied, beside the floor of plain admin API calls.

    .venv/bin/python benchmarks/bench_checkpoints.py [--keys 500]

Rows: default (a checkpoint of the whole state after every step), `PULUMI_DIY_BACKEND_ZSTD=true` (the same
checkpoints, zstd-compressed), and `PULUMI_SKIP_CHECKPOINTS=true` (no checkpoint until the end: NOT crash safe,
shown only to measure what checkpoints cost).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_real import MODELS, TEAMS, floor, timed, write_keys_file  # noqa: E402
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain  # noqa: E402
from tests.support.real_litellm import RealLiteLLM, stop_on_sigterm  # noqa: E402

SETTINGS = {
    "default": {},
    "PULUMI_DIY_BACKEND_ZSTD=true": {"PULUMI_DIY_BACKEND_ZSTD": "true"},
    "PULUMI_SKIP_CHECKPOINTS=true (not crash safe)": {"PULUMI_SKIP_CHECKPOINTS": "true"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=500)
    args = parser.parse_args()
    stop_on_sigterm()
    bin_dir = ensure_toolchain()
    rows = []
    with RealLiteLLM() as litellm:
        for label, env in SETTINGS.items():
            litellm.reset()
            with tempfile.TemporaryDirectory() as workdir:
                project = PulumiProject(Path(workdir), bin_dir, stack="bench", extra_env=env)
                project.set_plain({"deployGateway": False, "gatewayUrl": litellm.url,
                                   "adminApi": {"readinessTimeout": "60s", "requestTimeout": "60s"},
                                   "models": MODELS, "teams": TEAMS, "keysFrom": "keys.csv"})
                write_keys_file(project.dir / "keys.csv", args.keys)
                project.set_secret("masterKey", litellm.master_key)
                up = timed(project.up)
                state = len(json.dumps(project.export()))
                destroy = timed(lambda: project.destroy("--skip-preview"))
            rows.append((label, up, destroy, state))
            print(f"measured {label}", file=sys.stderr, flush=True)
        base = floor(litellm, args.keys, 4)
    print(f"| {args.keys} keys | `up` | `destroy` | state |")
    print("|---|---:|---:|---:|")
    for label, up, destroy, state in rows:
        print(f"| {label} | {up:.1f} s | {destroy:.1f} s | {state / 1e6:.2f} MB |")
    print(f"| floor: plain admin API calls, 4 in flight | {base['create']:.1f} s | {base['delete']:.1f} s | |")


if __name__ == "__main__":
    main()
