"""Readiness of a gateway before the first call of a process, and the bounded waits providers share.

Before the first call of a process to a gateway, `/health/readiness` must report the database connected (bounded
by `readiness_timeout`), then the master key is checked once. Verdicts are kept per gateway for the process (the
provider host lives for one `pulumi` operation), keyed by URL and a hash of the master key, never the key itself.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from typing import Optional

import requests

from dynamic_providers.admin.errors import LiteLLMAdminError, log, parse_error_body
from litemaas_common.admin_settings import PLAIN_HTTP_REFUSED

# Gateways that passed the readiness + auth preflight in this process (the provider host lives for one
# `pulumi` operation). Keyed by URL and a hash of the master key, never the key itself.
_READY: dict[tuple[str, str], str] = {}
_PROBING: dict[tuple[str, str], threading.Lock] = {}
_READY_LOCK = threading.Lock()
# Waits that many calls of one operation may need (e.g. for the router to load models): one deadline per
# gateway and purpose for the whole process, so N lookups share one bounded wait instead of N of them.
_SHARED_DEADLINES: dict[tuple[str, str, str], float] = {}


def reset_readiness_cache() -> None:
    """Forget readiness verdicts and shared wait deadlines (a new operation; tests)."""
    with _READY_LOCK:
        _READY.clear()
        _SHARED_DEADLINES.clear()


def _ready_key(conn) -> tuple[str, str]:
    return conn.admin_url, hashlib.sha256(conn.master_key.encode()).hexdigest()


class Readiness:
    """The readiness gate and polling of a Transport (which supplies `conn`, `policy`, `_send`, `_http_error`,
    `error` and `redact`)."""

    def ensure_ready(self) -> None:
        """Wait (once per process and gateway) until /health/readiness reports the database connected."""
        key = _ready_key(self.conn)
        with _READY_LOCK:
            if key in _READY:
                return
            gate = _PROBING.setdefault(key, threading.Lock())
        with gate:  # the host runs 4 calls at once: one of them probes, the others wait for its verdict
            with _READY_LOCK:
                if key in _READY:
                    return
            version = self._wait_for_readiness()
            with _READY_LOCK:
                _READY[key] = version

    def _wait_for_readiness(self) -> str:
        conn = self.conn
        deadline = time.monotonic() + conn.readiness_timeout
        delay = self.policy.poll_initial
        problem = "no answer yet"
        last_status: Optional[int] = None
        next_report = time.monotonic()
        while True:
            remaining = deadline - time.monotonic()
            try:
                response = self._send("GET", "/health/readiness", idempotent=True, authenticated=False, retries=False,
                                      timeout=max(1.0, min(conn.request_timeout, remaining)))
                last_status = response.status_code
                problem = self._readiness_problem(response)
            except LiteLLMAdminError as exc:
                if exc.message.startswith(("TLS error", PLAIN_HTTP_REFUSED)):  # waiting cannot fix these
                    raise
                last_status = None
                problem = f"unreachable ({exc.message})"
            if problem is None:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self.error("GET", "/health/readiness", last_status,
                                 f"LiteLLM at {conn.admin_url} was not ready within {conn.readiness_timeout:g}s: {problem}",
                                 hint="check the gateway pods and their logs, or raise adminApi.readinessTimeout")
            if time.monotonic() >= next_report:  # the host shows WARNING+ on stderr; say it now and then
                log.warning("waiting up to %.0fs more for LiteLLM at %s: %s", remaining, conn.admin_url,
                            self.redact(problem))
                next_report = time.monotonic() + 30
            time.sleep(min(remaining, random.uniform(delay / 2, delay)))
            delay = min(delay * 2, self.policy.poll_max)
        return self._check_auth()

    @staticmethod
    def _readiness_problem(response: requests.Response) -> Optional[str]:
        try:
            body = response.json()
        except ValueError:
            body = None
        db = body.get("db") if isinstance(body, dict) else None
        if response.status_code == 200 and db == "connected":
            return None
        if response.status_code == 200 and isinstance(db, str) and db.lower() == "not connected":
            return ("no database configured (readiness reports db='Not connected'); keys, teams and DB models "
                    "need DATABASE_URL on the gateway")
        if db:
            return f"database {db} (HTTP {response.status_code})"
        if isinstance(body, dict) and body.get("status"):
            return f"status {body.get('status')} (HTTP {response.status_code})"
        if response.status_code == 404:
            return "HTTP 404 for /health/readiness; is admin_url the LiteLLM proxy (route admitted yet)?"
        message, _ = parse_error_body(response)
        return f"HTTP {response.status_code}: {message[:200]}"

    def _check_auth(self) -> str:
        """Verify the master key once; returns the LiteLLM version when the details endpoint reports it."""
        response = self._send("GET", "/health/readiness/details", idempotent=True)
        if response.status_code == 200:
            try:
                return str(response.json().get("litellm_version") or "unknown")
            except (ValueError, AttributeError):
                return "unknown"
        error = self._http_error("GET", "/health/readiness/details", response)
        if response.status_code in (401, 403) or (response.status_code == 400 and error.mentions("db")):
            raise error
        # Older proxies without the details route: the key is verified by the first real call instead.
        if response.status_code == 404:
            return "unknown"
        raise error

    def shared_deadline(self, purpose: str, budget: float) -> float:
        """The monotonic deadline of `purpose` on this gateway, set by its first caller in this process."""
        key = (*_ready_key(self.conn), purpose)
        with _READY_LOCK:
            return _SHARED_DEADLINES.setdefault(key, time.monotonic() + budget)

    def poll(self, probe, *, what: str, timeout: Optional[float] = None, deadline: Optional[float] = None):
        """Call `probe()` with jittered exponential backoff until it returns non-None or the time is up.

        `deadline` (monotonic) or `timeout` bound it. The progress goes to the log at WARNING, which the
        provider host shows on the CLI: what it waits for, first and then every 30 s.
        """
        if deadline is None:
            deadline = time.monotonic() + (timeout or 0.0)
        delay = self.policy.poll_initial
        next_report = time.monotonic()
        while True:
            result = probe()
            if result is not None:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            if time.monotonic() >= next_report:
                log.warning("waiting up to %.1fs more for %s", remaining, self.redact(what))
                next_report = time.monotonic() + 30
            time.sleep(min(remaining, random.uniform(delay / 2, delay)))
            delay = min(delay * 2, self.policy.poll_max)
