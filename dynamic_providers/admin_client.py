"""The one LiteLLM admin API client shared by the Model, VirtualKey and Team providers.

Design rules (see docs/dynamic-providers.md):
- Nothing here is captured by a pickled provider: a client (and its `requests` Session) lives for one
  provider call (`with AdminClient(conn) as api: ...`). Connection settings arrive as resource inputs.
- Retries use urllib3's `Retry` with jittered exponential backoff on connection errors, 429 (Retry-After
  honoured, capped), 502, 503 and 504; never on other 4xx. Requests that are not idempotent are only
  retried when nothing reached the server (connect errors); the create paths of the providers probe
  the server themselves before trying again.
- Every call has a timeout. Before the first call of a process to a gateway, `/health/readiness` must
  report the database connected (bounded by `readiness_timeout`).
- One exception type, `LiteLLMAdminError`, carries method, endpoint, status and the server's message
  parsed from LiteLLM's three error envelopes (or a non-JSON body). Secrets are redacted from every
  message and log line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

import pulumi
import requests
from pulumi.dynamic import CheckFailure, CheckResult, DiffResult, ResourceProvider
from pulumi.output import Unknown
from pulumi.runtime import rpc
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger("litemaas.litellm_admin")


class _RedactingFilter(logging.Filter):
    """Last line of defence: whatever a log call formats, `sk-...` values and api_key fields are masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


log.addFilter(_RedactingFilter())

# Resource inputs that describe how to reach the admin API. Changing only these never touches LiteLLM.
CONNECTION_FIELDS = ("admin_url", "master_key", "request_timeout", "readiness_timeout", "verify_tls")

RETRY_STATUSES = frozenset({429, 502, 503, 504})
REDACTED = "***"


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff tuning. Tests swap the module-level `RETRY_POLICY` for a faster one."""

    attempts: int = 6  # retries after the first try, per failure class
    backoff_factor: float = 0.5  # seconds; urllib3 doubles it per retry (first retry is immediate)
    backoff_max: float = 30.0
    retry_after_max: int = 60  # a server asking for longer than this is not waited for in full
    poll_initial: float = 0.5  # readiness / confirmation polling
    poll_max: float = 15.0


RETRY_POLICY = RetryPolicy()


@dataclass(frozen=True)
class Connection:
    """How to reach one LiteLLM admin API. Built from resource inputs, never pickled with a provider."""

    admin_url: str
    master_key: str
    request_timeout: float = 60.0
    readiness_timeout: float = 600.0
    verify_tls: bool = True

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> "Connection":
        return cls(
            admin_url=str(props["admin_url"]).rstrip("/"),
            master_key=str(props["master_key"]),
            request_timeout=float(props.get("request_timeout") or 60.0),
            readiness_timeout=float(props.get("readiness_timeout") if props.get("readiness_timeout") is not None else 600.0),
            verify_tls=bool(props.get("verify_tls", True) if props.get("verify_tls") is not None else True),
        )

    def __repr__(self) -> str:  # the master key never reaches a repr, log line or traceback
        return f"Connection(admin_url={self.admin_url!r}, master_key={REDACTED!r})"


# --- redaction ---------------------------------------------------------------------------------------

_SK_VALUE = re.compile(r"sk-[A-Za-z0-9_\-]{4,}")
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',}]+", re.IGNORECASE)
_SECRET_FIELD = re.compile(
    r"""(["']?(?:api_key|master_key|key|new_key|authorization|password|secret|client_secret|aws_secret_access_key)["']?"""
    r"""\s*[:=]\s*)(["'])(.*?)\2""",
    re.IGNORECASE,
)


def redact(text: Any, secrets: Iterable[Optional[str]] = ()) -> str:
    """`text` with known secrets, `sk-...` values, bearer tokens and api_key-like fields replaced by ***."""
    result = str(text)
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        result = result.replace(secret, REDACTED)
    result = _SECRET_FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", result)
    result = _BEARER.sub(lambda m: m.group(1) + REDACTED, result)
    return _SK_VALUE.sub("sk-" + REDACTED, result)


# --- errors ------------------------------------------------------------------------------------------


class LiteLLMAdminError(Exception):
    """A failed admin API call: method, endpoint, HTTP status (None: no response) and the server's message."""

    def __init__(self, method: str, endpoint: str, status: Optional[int], message: str,
                 *, error_type: Optional[str] = None, hint: Optional[str] = None,
                 secrets: Iterable[Optional[str]] = ()):
        secrets = tuple(secrets)
        self.method = method
        self.endpoint = redact(endpoint, secrets)
        self.status = status
        self.message = redact(message, secrets)
        self.error_type = error_type
        self.hint = redact(hint, secrets) if hint else None
        super().__init__(self.__str__())

    def __str__(self) -> str:
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        kind = f" [{self.error_type}]" if self.error_type else ""
        text = f"LiteLLM admin API {self.method} {self.endpoint} failed ({status}{kind}): {self.message}"
        return f"{text}. {self.hint}" if self.hint else text

    def __reduce__(self):  # keep the attributes when pickled across processes
        return (_rebuild_error, (self.method, self.endpoint, self.status, self.message, self.error_type, self.hint))

    @property
    def no_response(self) -> bool:
        """No HTTP answer (connection reset, timeout): the server may or may not have applied the write."""
        return self.status is None

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500

    @property
    def outcome_unknown(self) -> bool:
        """The write may have been committed: no response, a 5xx or a 429 after retries."""
        return self.no_response or self.server_error or self.status == 429

    def mentions(self, *fragments: str) -> bool:
        lowered = self.message.lower()
        return all(f.lower() in lowered for f in fragments)


def _rebuild_error(method, endpoint, status, message, error_type, hint):
    return LiteLLMAdminError(method, endpoint, status, message, error_type=error_type, hint=hint)


_REPR_DICT = re.compile(r"""^\{\s*['"](?:error|message|detail)['"]\s*:\s*(['"])(.*)\1\s*\}$""", re.DOTALL)


def _unwrap_repr(message: str) -> str:
    """LiteLLM often puts the Python repr of {'error': '...'} in `message`; keep the inner text."""
    match = _REPR_DICT.match(message.strip())
    return match.group(2) if match else message


def parse_error_body(response: requests.Response) -> tuple[str, Optional[str]]:
    """(message, error type) from a ProxyException, a FastAPI `detail` (str, dict or 422 list) or a non-JSON body."""
    try:
        body = response.json()
    except ValueError:
        text = (response.text or "").strip()
        return (text[:500] if text else (response.reason or "empty response body")), None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = error.get("message")
            return _unwrap_repr(str(message if message is not None else error)), error.get("type")
        if isinstance(error, str):
            return _unwrap_repr(error), None
        if "detail" in body:
            detail = body["detail"]
            if isinstance(detail, str):
                return _unwrap_repr(detail), None
            if isinstance(detail, dict):
                inner = detail.get("error") or detail.get("message") or detail
                return _unwrap_repr(str(inner)), None
            if isinstance(detail, list):
                parts = []
                for item in detail:
                    if isinstance(item, dict):
                        where = ".".join(str(p) for p in item.get("loc", []) if p != "body")
                        parts.append(f"{where}: {item.get('msg', item)}" if where else str(item.get("msg", item)))
                    else:
                        parts.append(str(item))
                return "; ".join(parts) or "request validation failed", "validation_error"
        if isinstance(body.get("message"), str):
            return _unwrap_repr(body["message"]), body.get("type")
    return json.dumps(body)[:500], None


# --- readiness ---------------------------------------------------------------------------------------

# Gateways that passed the readiness + auth preflight in this process (the provider host lives for one
# `pulumi` operation). Keyed by URL and a hash of the master key, never the key itself.
_READY: dict[tuple[str, str], str] = {}
_PROBING: dict[tuple[str, str], threading.Lock] = {}
_READY_LOCK = threading.Lock()


def reset_readiness_cache() -> None:
    with _READY_LOCK:
        _READY.clear()


def _ready_key(conn: Connection) -> tuple[str, str]:
    return conn.admin_url, hashlib.sha256(conn.master_key.encode()).hexdigest()


def hash_key(raw_key: str) -> str:
    """LiteLLM's id for a virtual key: sha256 of the raw `sk-...` value, hex."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


# --- client ------------------------------------------------------------------------------------------


class _Retry(Retry):
    """urllib3 Retry with full jitter on the exponential part (spreads many providers' retries apart)."""

    def get_backoff_time(self) -> float:
        base = super().get_backoff_time()
        return random.uniform(base / 2, base) if base > 0 else 0.0


def _retry(policy: RetryPolicy, *, idempotent: bool) -> Retry:
    if idempotent:
        return _Retry(
            total=policy.attempts * 2, connect=policy.attempts, read=policy.attempts,
            status=policy.attempts, other=0, redirect=0,
            allowed_methods=None,  # the caller vouched for this request being safe to repeat
            status_forcelist=RETRY_STATUSES, backoff_factor=policy.backoff_factor,
            backoff_max=policy.backoff_max, retry_after_max=policy.retry_after_max,
            respect_retry_after_header=True, raise_on_status=False, raise_on_redirect=False,
        )
    # Not idempotent: only connect errors (the request never left) are retried. Read errors, resets and
    # 5xx come back to the caller, which confirms on the server before trying again.
    return _Retry(
        total=policy.attempts, connect=policy.attempts, read=0, status=0, other=0, redirect=0,
        # (an empty collection would mean "every verb" to urllib3 2.x)
        allowed_methods=frozenset({"GET", "HEAD"}), respect_retry_after_header=False,
        backoff_factor=policy.backoff_factor, backoff_max=policy.backoff_max,
        raise_on_status=False, raise_on_redirect=False,
    )


_KNOWN_REASONS = (
    "Connection refused", "Connection reset by peer", "Remote end closed connection without response",
    "Name or service not known", "Temporary failure in name resolution", "No route to host",
    "Network is unreachable", "certificate verify failed", "wrong version number", "Read timed out",
    "Connection aborted", "timed out",
)


def _describe_exception(exc: BaseException) -> str:
    """A short reason for a requests/urllib3 failure, without the nested reprs."""
    text = str(exc)
    for reason in _KNOWN_REASONS:
        if reason.lower() in text.lower():
            return reason
    for marker in ("Caused by ", "caused by "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text.strip(" ()'\"")[:300] or type(exc).__name__


class AdminClient:
    """One scope of admin API calls: `with AdminClient(conn) as api: api.get(...)`."""

    def __init__(self, conn: Connection, *, policy: Optional[RetryPolicy] = None, wait_ready: bool = True):
        self.conn = conn
        self.policy = policy or RETRY_POLICY
        self._wait_ready = wait_ready
        self._secrets: list[str] = [conn.master_key]
        self._session: Optional[requests.Session] = None
        self._retrying: Optional[HTTPAdapter] = None
        self._once: Optional[HTTPAdapter] = None
        self._plain: Optional[HTTPAdapter] = None

    # session scope --------------------------------------------------------------------------------
    def __enter__(self) -> "AdminClient":
        session = requests.Session()
        session.headers.update({
            "Authorization": f"Bearer {self.conn.master_key}",
            "Accept": "application/json",
            "User-Agent": "litemaas-pulumi-dynamic-provider",
            "litellm-changed-by": "pulumi",
        })
        session.verify = self.conn.verify_tls
        session.trust_env = True  # honour HTTPS_PROXY / REQUESTS_CA_BUNDLE like other tools on the host
        self._retrying = HTTPAdapter(max_retries=_retry(self.policy, idempotent=True))
        self._once = HTTPAdapter(max_retries=_retry(self.policy, idempotent=False))
        # Readiness polling has its own loop and deadline; no hidden retries underneath it.
        self._plain = HTTPAdapter(max_retries=Retry(total=0, redirect=0, raise_on_redirect=False, raise_on_status=False))
        self._session = session
        return self

    def __exit__(self, *exc_info) -> None:
        for closable in (self._retrying, self._once, self._plain, self._session):
            if closable is not None:
                closable.close()
        self._session = self._retrying = self._once = self._plain = None

    def add_secret(self, value: Optional[str]) -> None:
        """Register a value (model api_key, virtual key) that must never appear in messages."""
        if value:
            self._secrets.append(value)

    def redact(self, text: Any) -> str:
        return redact(text, self._secrets)

    def error(self, method: str, endpoint: str, status: Optional[int], message: str, **kw) -> LiteLLMAdminError:
        return LiteLLMAdminError(method, endpoint, status, message, secrets=self._secrets, **kw)

    # requests -------------------------------------------------------------------------------------
    def get(self, path: str, params: Optional[Mapping[str, Any]] = None, **kw) -> Any:
        return self.request("GET", path, params=params, **kw)

    def post(self, path: str, body: Any, *, idempotent: bool, **kw) -> Any:
        return self.request("POST", path, json=body, idempotent=idempotent, **kw)

    def patch(self, path: str, body: Any, **kw) -> Any:
        return self.request("PATCH", path, json=body, idempotent=True, **kw)

    def request(self, method: str, path: str, *, params: Optional[Mapping[str, Any]] = None,
                json: Any = None, idempotent: bool = True, ok: Iterable[int] = (200, 201)) -> Any:
        """Send one request (with retries per policy) and return the parsed JSON body, or raise."""
        if self._session is None:
            raise RuntimeError("AdminClient must be used as a context manager")
        if self._wait_ready:
            self.ensure_ready()
        response = self._send(method, path, params=params, json=json, idempotent=idempotent)
        if response.status_code not in tuple(ok):
            raise self._http_error(method, path, response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise self.error(method, path, response.status_code,
                             f"expected JSON, got {response.headers.get('Content-Type', 'no content type')}: "
                             f"{response.text.strip()[:200]}",
                             hint="is admin_url the LiteLLM proxy itself (not a login page or another service)?") from None

    def _send(self, method: str, path: str, *, params=None, json=None, idempotent: bool,
              timeout: Optional[float] = None, authenticated: bool = True, retries: bool = True) -> requests.Response:
        url = self.conn.admin_url + path
        prepared = self._session.prepare_request(requests.Request(method, url, params=params, json=json))
        if not authenticated:
            prepared.headers.pop("Authorization", None)
        adapter = (self._retrying if idempotent else self._once) if retries else self._plain
        limit = timeout if timeout is not None else self.conn.request_timeout
        try:
            response = adapter.send(prepared, timeout=(min(limit, 30.0), limit), verify=self.conn.verify_tls)
        except requests.exceptions.SSLError as exc:
            raise self.error(method, path, None, f"TLS error: {_describe_exception(exc)}",
                             hint="the gateway certificate is not trusted; install its CA (REQUESTS_CA_BUNDLE) "
                                  "or set adminApi.verifyTls false for a self-signed route") from None
        except requests.exceptions.RetryError as exc:
            raise self.error(method, path, None, f"gave up after retries: {_describe_exception(exc)}") from None
        except requests.exceptions.Timeout as exc:
            phase = "connecting" if isinstance(exc, requests.exceptions.ConnectTimeout) else "waiting for the answer"
            raise self.error(method, path, None, f"timed out after {limit:g}s {phase}",
                             hint="raise adminApi.requestTimeout if the gateway is just slow") from None
        except requests.exceptions.ConnectionError as exc:
            raise self.error(method, path, None, f"connection failed: {_describe_exception(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise self.error(method, path, None, _describe_exception(exc)) from None
        if response.is_redirect or response.status_code in (301, 302, 303, 307, 308):
            raise self.error(method, path, response.status_code,
                             f"redirected to {response.headers.get('Location', '?')}",
                             hint="use the final URL (often https://) as the admin URL")
        return response

    def _http_error(self, method: str, path: str, response: requests.Response) -> LiteLLMAdminError:
        message, error_type = parse_error_body(response)
        hint = None
        lowered = message.lower()
        if response.status_code == 401:
            hint = "the master key was rejected; check the masterKey config / gateway secret"
        elif "store_model_in_db" in lowered or "db-stored models" in lowered:
            hint = "the gateway runs with STORE_MODEL_IN_DB off; set STORE_MODEL_IN_DB=True on the LiteLLM deployment"
        elif "db" in lowered and "connect" in lowered:
            hint = "LiteLLM has no working database connection (DATABASE_URL)"
        return self.error(method, path, response.status_code, message, error_type=error_type, hint=hint)

    # readiness ------------------------------------------------------------------------------------
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
                if exc.message.startswith("TLS error"):
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

    # polling helper ---------------------------------------------------------------------------------
    def poll(self, probe, *, timeout: float, what: str):
        """Call `probe()` with jittered exponential backoff until it returns non-None or `timeout` passes."""
        deadline = time.monotonic() + timeout
        delay = self.policy.poll_initial
        while True:
            result = probe()
            if result is not None:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            log.info("waiting for %s", what)
            time.sleep(min(remaining, random.uniform(delay / 2, delay)))
            delay = min(delay * 2, self.policy.poll_max)



# --- program side: connection inputs -----------------------------------------------------------------


@dataclass(frozen=True)
class AdminConnection:
    """Connection inputs shared by every LiteLLM resource (admin URL, master key, timeouts, TLS)."""

    admin_url: Any  # pulumi.Input[str]
    master_key: Any  # pulumi.Input[str]; always sent as a secret
    request_timeout: float = 60.0
    readiness_timeout: float = 600.0
    verify_tls: bool = True

    @classmethod
    def from_admin_api(cls, admin_url: Any, master_key: Any, admin_api: Any) -> "AdminConnection":
        """From the stack config's AdminApiConfig (readiness_timeout, request_timeout, verify_tls)."""
        return cls(admin_url=admin_url, master_key=master_key, request_timeout=admin_api.request_timeout,
                   readiness_timeout=admin_api.readiness_timeout, verify_tls=admin_api.verify_tls)

    def props(self) -> dict[str, Any]:
        return {
            "admin_url": self.admin_url,
            "master_key": pulumi.Output.secret(self.master_key),
            "request_timeout": self.request_timeout,
            "readiness_timeout": self.readiness_timeout,
            "verify_tls": self.verify_tls,
        }

    def __repr__(self) -> str:
        return f"AdminConnection(admin_url={self.admin_url!r}, master_key={REDACTED!r})"


# --- provider plumbing shared by Model, VirtualKey and Team --------------------------------------------
#
# Providers are pickled BY REFERENCE (module path + class name) into every resource's state and loaded
# again by the provider host for read/update/delete. Their module paths and class names are API: never
# rename or move them. They hold no attributes: everything a call needs arrives in its inputs.


def is_unknown(value: Any) -> bool:
    """A value not known yet (preview): the SDK's Unknown object or the wire sentinel string."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def has_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_unknown(v) for v in value)
    return False


def plain(value: Any) -> Any:
    """Drop secret envelopes (the host sends plaintext, but direct callers and tests may not)."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return plain(value.get("value"))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, (list, dict)) and not value)


def same(a: Any, b: Any) -> bool:
    """Equality as LiteLLM means it: 1 == 1.0, 1e-06 == 0.000001, and None == [] == {} == False (unset).

    0 is a real value (a zero budget), never the same as unset.
    """
    if is_unknown(a) or is_unknown(b):
        return False
    if _empty(a) and _empty(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@dataclass(frozen=True)
class Field:
    """One declared input. kind: str | int | number | bool | list | dict."""

    name: str
    kind: str
    required: bool = False
    minimum: Optional[float] = None  # numbers: inclusive lower bound
    exclusive_minimum: Optional[float] = None
    duration: bool = False  # a LiteLLM duration string (30d, 1mo, ...)


def _duration_problem(value: str) -> Optional[str]:
    from stack_config import parse_litellm_duration  # the one parser of LiteLLM durations

    try:
        parse_litellm_duration(value)
    except ValueError as exc:
        return str(exc)
    return None


def normalise_field(inputs: dict[str, Any], spec: Field, failures: list[CheckFailure]) -> None:
    """Validate one input in place; whole-number floats (everything crosses gRPC as float) become ints."""
    name, value = spec.name, inputs.get(spec.name)
    if is_unknown(value) or has_unknown(value):
        return
    if value is None:
        if spec.required:
            failures.append(CheckFailure(name, f"{name} is required"))
        elif spec.kind == "list":
            inputs[name] = []
        elif spec.kind == "dict":
            inputs[name] = {}
        return
    if spec.kind == "str":
        if not isinstance(value, str):
            failures.append(CheckFailure(name, f"{name} must be a string, got {type(value).__name__}"))
        elif not value.strip():
            failures.append(CheckFailure(name, f"{name} must not be empty (omit it instead)"))
        elif spec.duration:
            problem = _duration_problem(value)
            if problem:
                failures.append(CheckFailure(name, f"{name}: {problem}"))
    elif spec.kind in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)):
            failures.append(CheckFailure(name, f"{name} must be a finite number, got {value!r}"))
            return
        if spec.kind == "int":
            if isinstance(value, float) and not value.is_integer():
                failures.append(CheckFailure(name, f"{name} must be a whole number, got {value!r}"))
                return
            inputs[name] = value = int(value)
        if spec.minimum is not None and value < spec.minimum:
            failures.append(CheckFailure(name, f"{name} must be {spec.minimum:g} or more, got {value:g}"))
        if spec.exclusive_minimum is not None and value <= spec.exclusive_minimum:
            failures.append(CheckFailure(name, f"{name} must be greater than {spec.exclusive_minimum:g}, got {value:g}"))
    elif spec.kind == "bool":
        if not isinstance(value, bool):
            failures.append(CheckFailure(name, f"{name} must be true or false, got {value!r}"))
    elif spec.kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            failures.append(CheckFailure(name, f"{name} must be a list of non-empty strings"))
        elif len(set(value)) != len(value):
            failures.append(CheckFailure(name, f"{name} lists a value twice: {sorted({v for v in value if value.count(v) > 1})}"))
    elif spec.kind == "dict":
        if not isinstance(value, dict):
            failures.append(CheckFailure(name, f"{name} must be an object (map), got {type(value).__name__}"))
        else:
            inputs[name] = {str(k): _int_floats(v) for k, v in value.items()}


def _int_floats(value: Any) -> Any:
    """Maps cross gRPC with every number as float; keep whole numbers whole so LiteLLM sees 3, not 3.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _int_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_int_floats(v) for v in value]
    return value


CONNECTION_SPECS = (
    Field("admin_url", "str", required=True),
    Field("master_key", "str", required=True),
    Field("request_timeout", "number", exclusive_minimum=0),
    Field("readiness_timeout", "number", minimum=0),
    Field("verify_tls", "bool"),
)


def check_connection(inputs: dict[str, Any], failures: list[CheckFailure]) -> None:
    for spec in CONNECTION_SPECS:
        before = len(failures)
        normalise_field(inputs, spec, failures)
        if spec.name == "master_key" and len(failures) > before:
            # Never echo the value of the master key back, even in a type error.
            failures[before:] = [CheckFailure("master_key", "master_key must be a non-empty string (the LiteLLM master key)")]
    url = inputs.get("admin_url")
    if isinstance(url, str) and not is_unknown(url):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            failures.append(CheckFailure("admin_url", f"admin_url {url!r} is not an http(s) URL; use e.g. "
                                         "https://litellm.apps.example.com or http://127.0.0.1:4000"))
        elif parts.query or parts.fragment:
            failures.append(CheckFailure("admin_url", f"admin_url {url!r} must not carry a query or fragment"))
        else:
            inputs["admin_url"] = url.rstrip("/")
    connection_defaults(inputs)


def connection_defaults(props: dict[str, Any]) -> dict[str, Any]:
    """Fill the optional connection inputs (also for state built by an import from the id alone)."""
    for name, default in (("request_timeout", 60.0), ("readiness_timeout", 600.0), ("verify_tls", True)):
        if props.get(name) is None:
            props[name] = default
    return props


class LiteLLMProvider(ResourceProvider):
    """Check/diff plumbing shared by the three providers; subclasses add the HTTP calls."""

    fields: tuple[Field, ...] = ()
    # Inputs that exist only to keep an id stable (e.g. a generated model id); compared like any other.
    internal_inputs: tuple[str, ...] = ()

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields) + self.internal_inputs

    def normalised(self, props: Optional[Mapping[str, Any]]) -> dict[str, Any]:
        """Props as the CRUD methods want them: no secret envelopes, whole numbers as ints again.

        Every number crosses gRPC as a float, including the ones check() already made ints.
        """
        props = plain(dict(props or {}))
        for spec in self.fields:
            value = props.get(spec.name)
            if spec.kind == "int" and isinstance(value, float) and value.is_integer():
                props[spec.name] = int(value)
            elif spec.kind == "dict" and isinstance(value, dict):
                props[spec.name] = _int_floats(value)
        return props

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        olds, inputs = plain(dict(olds or {})), plain(dict(news or {}))
        failures: list[CheckFailure] = []
        check_connection(inputs, failures)
        for spec in self.fields:
            normalise_field(inputs, spec, failures)
        if not failures:
            self.check_resource(olds, inputs, failures)
        return CheckResult(inputs, failures)

    def check_resource(self, olds: dict[str, Any], inputs: dict[str, Any], failures: list[CheckFailure]) -> None:
        """Resource-specific validation and defaulting (ids); append failures, edit inputs in place."""

    def changed_fields(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        return [name for name in self.input_names if not same(olds.get(name), news.get(name))]

    def replacements(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Inputs whose change LiteLLM cannot apply in place."""
        return []

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # `olds` are the stored outputs; only the input names are compared, never server-filled values.
        olds, news = plain(dict(olds or {})), plain(dict(news or {}))
        changed = self.changed_fields(olds, news)
        connection = [n for n in CONNECTION_FIELDS if not same(olds.get(n), news.get(n))]
        replaces = self.replacements(olds, news)
        if not changed and not connection:
            return DiffResult(changes=False, replaces=[], delete_before_replace=False)
        return DiffResult(changes=True, replaces=replaces,
                          delete_before_replace=bool(replaces) and self.delete_before_replace(olds, news))

    def delete_before_replace(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        return False

    @staticmethod
    def client(props: Mapping[str, Any], *secrets: Optional[str]) -> AdminClient:
        api = AdminClient(Connection.from_props(props))
        for secret in secrets:
            api.add_secret(secret)
        return api

    def only_connection_changed(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        return not self.changed_fields(olds, news)


def declared(props: Mapping[str, Any], name: str) -> bool:
    value = props.get(name)
    return value is not None and value != [] and value != {}
