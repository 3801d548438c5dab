"""The real LiteLLM proxy with the gateway's monitoring settings, scraped by a real Prometheus that evaluates the
PrometheusRule's alerts, after real traffic: `mock_response` completions with token costs through keys with small
budgets, a rate-limited key, a failing model group and a failing fallback.

The scrape is the ServiceMonitor's: `/metrics/` with a bearer token of a key limited to `/metrics`
(`allowed_routes`), and the target labels the prometheus-operator sets (`namespace`, `job` = the Service's name).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import requests

from components.alert_rules import rule_groups
from components.litellm_gateway import COMPONENT as GATEWAY_SERVICE, METRICS_PATH, proxy_config
from config import AlertingConfig, AlertsConfig, MonitoringConfig
from tests.support.prometheus import Prometheus
from tests.support.real_litellm import RealLiteLLM, StartedService

NAMESPACE = "litemaas"
SCRAPE_INTERVAL = "2s"
# What `$__rate_interval` becomes: a few scrapes, and short enough that the traffic fills it.
RATE_INTERVAL = "20s"
# Alerts fire after one evaluation instead of their production `for`.
PENDING_FOR = "2s"
# A completion of the mock model (8 prompt and 20 completion tokens) costs 0.048 USD at these prices.
PRICES = {"input_cost_per_token": 0.001, "output_cost_per_token": 0.002}


@dataclass
class Traffic:
    keys: dict[str, str] = field(default_factory=dict)  # alias -> key value
    hashes: dict[str, str] = field(default_factory=dict)  # alias -> hashed key (the metrics' label)
    answers: dict[str, list[int]] = field(default_factory=dict)  # alias -> status codes
    started: float = 0.0
    ended: float = 0.0


class ScrapedGateway(StartedService):
    """`with ScrapedGateway() as world:` `world.litellm`, `world.prometheus`, `world.traffic`, `world.metrics_text`."""

    def __init__(self) -> None:
        self.litellm: Optional[RealLiteLLM] = None
        self.prometheus: Optional[Prometheus] = None
        self.traffic = Traffic()
        self.metrics_text = ""
        self.workdir: Optional[Path] = None

    def start(self) -> None:
        settings = proxy_config(False, MonitoringConfig(enabled=True), AlertingConfig())["litellm_settings"]
        self.litellm = RealLiteLLM(
            litellm_settings=settings,
            # A failing fallback, and deployments cooled down after their first failure.
            router_settings={"fallbacks": [{"fallback-source": ["flaky"]}], "allowed_fails": 0,
                             "cooldown_time": 5})
        self.litellm.start()
        scrape_key = self._setup()
        self.prometheus = Prometheus([{
            "job_name": GATEWAY_SERVICE,
            "metrics_path": METRICS_PATH,
            "scrape_interval": SCRAPE_INTERVAL,
            "authorization": {"type": "Bearer", "credentials_file": str(self._token_file(scrape_key))},
            "static_configs": [{"targets": [self.litellm.url.removeprefix("http://")],
                                "labels": {"namespace": NAMESPACE}}],
        }], rule_groups(AlertsConfig(pending_for=PENDING_FOR), NAMESPACE, backups=False), interval=SCRAPE_INTERVAL)
        self.prometheus.start()
        self._drive()
        self.metrics_text = requests.get(f"{self.litellm.url}{METRICS_PATH}", timeout=30,
                                         headers={"Authorization": f"Bearer {scrape_key}"}).text

    def stop(self) -> None:
        if self.prometheus is not None:
            self.prometheus.stop()
        if self.litellm is not None:
            self.litellm.stop()

    def _token_file(self, key: str) -> Path:
        assert self.litellm is not None and self.litellm.workdir is not None
        path = self.litellm.workdir / "scrape-token"
        path.write_text(key)
        path.chmod(0o600)
        return path

    def _setup(self) -> str:
        litellm = self.litellm
        assert litellm is not None
        for name, answer in (("mock", "hi"), ("flaky", "litellm.RateLimitError"),
                             ("flaky", "litellm.InternalServerError"),
                             ("fallback-source", "litellm.InternalServerError")):
            litellm.admin_json("POST", "/model/new", json={"model_name": name, "litellm_params": {
                "model": "openai/gpt-4o", "api_key": "sk-unused", "mock_response": answer, **PRICES}})
        team = litellm.admin_json("POST", "/team/new", json={"team_alias": "science", "max_budget": 1})["team_id"]
        litellm.admin_json("POST", "/user/new", json={"user_id": "alice@example.com", "max_budget": 0.5})
        specs = {
            # one call leaves 0.002 of 0.05 (4 %): under the 20 % of LiteLLMKeyBudgetLow
            "pushed": {"max_budget": 0.05, "team_id": team, "user_id": "alice@example.com"},
            # one call overspends it (0.048 of 0.04): LiteLLMKeyBudgetExhausted, and refused afterwards
            "spent": {"max_budget": 0.04, "team_id": team},
            "roomy": {"max_budget": 5},
            "limited": {"rpm_limit": 1, "max_budget": 5},
            "unbudgeted": {},
        }
        for alias, spec in specs.items():
            answer = litellm.admin_json("POST", "/key/generate", json={"key_alias": alias, **spec})
            self.traffic.keys[alias] = answer["key"]
            self.traffic.hashes[alias] = answer["token"]
        return litellm.admin_json("POST", "/key/generate", json={"key_alias": "scrape",
                                                                 "allowed_routes": ["/metrics"]})["key"]

    def chat(self, alias: str, model: str) -> int:
        assert self.litellm is not None
        answer = requests.post(f"{self.litellm.url}/v1/chat/completions", timeout=60,
                               headers={"Authorization": f"Bearer {self.traffic.keys[alias]}"},
                               json={"model": model, "messages": [{"role": "user", "content": "hello"}]})
        self.traffic.answers.setdefault(alias, []).append(answer.status_code)
        return answer.status_code

    def _drive(self) -> None:
        """A few rounds a few seconds apart, so that every rate over RATE_INTERVAL has samples to work with."""
        self.traffic.started = time.time()
        for round_ in range(5):
            if round_ == 0:
                self.chat("pushed", "mock")
                self.chat("spent", "mock")
            self.chat("spent", "mock")  # refused once spent (422)
            self.chat("roomy", "mock")
            self.chat("unbudgeted", "mock")
            self.chat("limited", "mock")  # 1 rpm: refused with 429 after the first
            self.chat("roomy", "flaky")
            self.chat("unbudgeted", "fallback-source")
            time.sleep(3)
        self.traffic.ended = time.time()
        time.sleep(2 * int(SCRAPE_INTERVAL[:-1]) + 1)  # the last scrape and rule evaluation after the traffic
