"""Debian's Prometheus for the tests (installed by `scripts/prometheus`): `promtool`, and a server on 127.0.0.1
with a throwaway data directory that scrapes given targets and evaluates given rules."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

import requests
import yaml

from tests.support.real_litellm import StartedService, free_port

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


class Prometheus(StartedService):
    """`with Prometheus(scrape_configs, rule_groups) as prom:`; `prom.query(...)`, `prom.alerts()`."""

    def __init__(self, scrape_configs: list[dict], rule_groups: list[dict], *, interval: str = "2s"):
        self.scrape_configs = scrape_configs
        self.rule_groups = rule_groups
        self.interval = interval
        self.port = free_port()
        self.workdir: Optional[Path] = None
        self._process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="litemaas-prometheus-"))
        (self.workdir / "rules.yaml").write_text(yaml.safe_dump({"groups": self.rule_groups}, sort_keys=False))
        (self.workdir / "prometheus.yaml").write_text(yaml.safe_dump({
            "global": {"scrape_interval": self.interval, "evaluation_interval": self.interval},
            "rule_files": ["rules.yaml"],
            "scrape_configs": self.scrape_configs,
        }, sort_keys=False))
        self._log = open(self.workdir / "prometheus.log", "wb")
        self._process = subprocess.Popen(
            [binary("prometheus"), f"--config.file={self.workdir / 'prometheus.yaml'}",
             f"--storage.tsdb.path={self.workdir / 'data'}", f"--web.listen-address=127.0.0.1:{self.port}"],
            cwd=self.workdir, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise PrometheusError(f"prometheus exited with {self._process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/-/ready", timeout=2).ok:
                    return
            time.sleep(0.3)
        raise PrometheusError(f"prometheus was not ready after 60 s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        log = self.workdir / "prometheus.log" if self.workdir else None
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log and log.exists() else ""

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
            self._process = None
            self._log.close()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

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
