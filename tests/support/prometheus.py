"""Debian's Prometheus for the tests (installed by `scripts/prometheus`): `promtool`, and a server on 127.0.0.1
with a throwaway data directory that scrapes given targets and evaluates given rules."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Optional

import requests
import yaml

from tests.support.real_litellm import LocalServer, free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = REPO_ROOT / ".tools" / "prometheus" / "bin"


class PrometheusError(RuntimeError):
    pass


def binary(name: str) -> str:
    """`prometheus` or `promtool` as scripts/prometheus linked them (or from PATH)."""
    linked = BIN / name
    found = str(linked) if linked.exists() else shutil.which(name)
    if not found:
        raise PrometheusError(f"{name} is not installed: run scripts/prometheus (make tools does)")
    return found


def promtool(*args: str, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    return subprocess.run([binary("promtool"), *args], capture_output=True, text=True, cwd=cwd)


class Prometheus(LocalServer):
    """`with Prometheus(scrape_configs, rule_groups) as prom:`; `prom.query(...)`, `prom.alerts()`."""

    log_name = "prometheus.log"

    def __init__(self, scrape_configs: list[dict], rule_groups: list[dict], *, interval: str = "2s"):
        self.scrape_configs = scrape_configs
        self.rule_groups = rule_groups
        self.interval = interval
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.make_workdir("litemaas-prometheus-")
        (self.workdir / "rules.yaml").write_text(yaml.safe_dump({"groups": self.rule_groups}, sort_keys=False))
        (self.workdir / "prometheus.yaml").write_text(yaml.safe_dump({
            "global": {"scrape_interval": self.interval, "evaluation_interval": self.interval},
            "rule_files": ["rules.yaml"],
            "scrape_configs": self.scrape_configs,
        }, sort_keys=False))
        process = self.spawn([binary("prometheus"), f"--config.file={self.workdir / 'prometheus.yaml'}",
                              f"--storage.tsdb.path={self.workdir / 'data'}",
                              f"--web.listen-address=127.0.0.1:{self.port}"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise PrometheusError(f"prometheus exited with {process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/-/ready", timeout=2).ok:
                    return
            time.sleep(0.3)
        raise PrometheusError(f"prometheus was not ready after 60 s:\n{self.log_tail()}")

    def api(self, path: str, **params: Any) -> Any:
        answer = requests.get(f"{self.url}/api/v1/{path}", params=params, timeout=30)
        body = answer.json()
        if body.get("status") != "success":
            raise PrometheusError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        return self.api("query", query=expr)["result"]

    def query_range(self, expr: str, start: float, end: float, step: str) -> list[dict]:
        return self.api("query_range", query=expr, start=start, end=end, step=step)["result"]

    def alerts(self) -> list[dict]:
        return self.api("alerts")["alerts"]

    def targets(self) -> list[dict]:
        return self.api("targets")["activeTargets"]
