"""The one LiteLLM admin API client shared by the Model, VirtualKey and Team providers (provider_base.py
holds their shared check/diff plumbing).

Design rules (see docs/dynamic-providers.md):
- Nothing here is captured by a pickled provider: a client (and its `requests` Session) lives for one
  provider call (`with AdminClient(conn) as api: ...`). Connection settings arrive as resource inputs.
- Retries use urllib3's `Retry` with jittered exponential backoff on connection errors, 429 (Retry-After
  honoured, capped), 502, 503 and 504; never on other 4xx. Requests that are not idempotent are only
  retried when nothing reached the server (connect errors); the create paths of the providers probe
  the server themselves before trying again.
- Every call has a timeout. Before the first call of a process to a gateway, `/health/readiness` must
  report the database connected (bounded by `readiness_timeout`).
- The master key never travels in clear: plain `http://` only to loopback or in-cluster addresses,
  unless the connection allows it explicitly (`allow_insecure_http`). Proxies and CA bundles come from
  the environment like any `requests` program (HTTP(S)_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE,
  CURL_CA_BUNDLE), plus SSL_CERT_FILE / SSL_CERT_DIR and the connection's own `ca_bundle`, which wins.
- One exception type, `LiteLLMAdminError`, carries method, endpoint, status and the server's message
  parsed from LiteLLM's three error envelopes (or a non-JSON body). Secrets are redacted from every
  message and log line.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# Re-exported: the providers and the command import these from here.
from litemaas_common.connection_rules import (  # noqa: F401
    PEM_CERTIFICATE, PLAIN_HTTP_REFUSED, ca_bundle_problem, insecure_transport_problem, is_header_token)
from litemaas_common.redaction import REDACTED, redact

log = logging.getLogger("litemaas.litellm_admin")


class _RedactingFilter(logging.Filter):
    """Last line of defence: whatever a log call formats, `sk-...` values and api_key fields are masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


log.addFilter(_RedactingFilter())

# Resource inputs that describe how to reach the admin API. Changing only these never touches LiteLLM.
CONNECTION_FIELDS = ("admin_url", "master_key", "request_timeout", "readiness_timeout", "verify_tls",
                     "allow_insecure_http", "ca_bundle")

RETRY_STATUSES = frozenset({429, 502, 503, 504})


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
    allow_insecure_http: bool = False  # send the master key over plain http:// to any host
    ca_bundle: Optional[str] = None  # PEM text or a file path: the CA(s) of the gateway's certificate

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> "Connection":
        return cls(
            admin_url=str(props["admin_url"]).rstrip("/"),
            master_key=str(props["master_key"]),
            request_timeout=float(props.get("request_timeout") or 60.0),
            readiness_timeout=float(props.get("readiness_timeout") if props.get("readiness_timeout") is not None else 600.0),
            verify_tls=bool(props.get("verify_tls", True) if props.get("verify_tls") is not None else True),
            allow_insecure_http=props.get("allow_insecure_http") is True,
            ca_bundle=props.get("ca_bundle") or None,
        )

    def __repr__(self) -> str:  # the master key never reaches a repr, log line or traceback
        return f"Connection(admin_url={self.admin_url!r}, master_key={REDACTED!r})"


# --- transport rules ---------------------------------------------------------------------------------

def _environment_ca() -> Optional[str]:
    """OpenSSL's own variables, which `requests` ignores (it reads REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE)."""
    cert_file, cert_dir = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cert_file and os.path.isfile(cert_file):
        return cert_file
    if cert_dir and os.path.isdir(cert_dir):
        return cert_dir
    return None


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

    # LiteLLM's answers, classified once: every provider asks these instead of reading status codes.
    @property
    def not_found(self) -> bool:
        """The object does not exist. LiteLLM says so with 404, or with 400 and "not found"/"doesn't exist"."""
        return self.status == 404 or (self.status == 400 and any(
            self.mentions(text) for text in ("not found", "does not exist", "doesn't exist")))

    @property
    def no_database(self) -> bool:
        """The proxy has no working database: nothing the caller retries or changes can fix this call."""
        return (self.mentions("db") and self.mentions("connect")) or self.mentions("no db connected") or \
            self.mentions("database not connected") or self.mentions("store_model_in_db")

    @property
    def enterprise_only(self) -> bool:
        """Refused for want of a LiteLLM Enterprise licence."""
        return self.mentions("enterprise") and (self.status in (400, 401, 403) or self.mentions("premium"))

    @property
    def already_exists(self) -> bool:
        return self.status in (400, 409) and (self.mentions("already exists") or self.mentions("unique constraint"))

    @property
    def settled(self) -> bool:
        """The answer decides the call: a 4xx other than 429, or a server that cannot work (no database)."""
        return (self.status is not None and self.status < 500 and self.status != 429) or self.no_database


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
# Waits that many calls of one operation may need (e.g. for the router to load models): one deadline per
# gateway and purpose for the whole process, so N lookups share one bounded wait instead of N of them.
_SHARED_DEADLINES: dict[tuple[str, str, str], float] = {}


def reset_readiness_cache() -> None:
    """Forget readiness verdicts and shared wait deadlines (a new operation; tests)."""
    with _READY_LOCK:
        _READY.clear()
        _SHARED_DEADLINES.clear()


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
        self._ca_file: Optional[str] = None  # inline PEM written out for this scope

    # session scope --------------------------------------------------------------------------------
    def __enter__(self) -> "AdminClient":
        session = requests.Session()
        session.headers.update({
            "Authorization": f"Bearer {self.conn.master_key}",
            "Accept": "application/json",
            "User-Agent": "litemaas-pulumi-dynamic-provider",
            "litellm-changed-by": "pulumi",
        })
        session.verify = self._verify_setting()
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
        if self._ca_file is not None:
            os.unlink(self._ca_file)
            self._ca_file = None

    def _verify_setting(self) -> bool | str:
        """False, True (the environment's or the default CAs), or the connection's own CA bundle path."""
        bundle = self.conn.ca_bundle
        if not self.conn.verify_tls or not bundle:
            return self.conn.verify_tls
        if PEM_CERTIFICATE not in bundle:
            return bundle
        # requests takes CA paths only; certificates are public, a private temp file is enough.
        with tempfile.NamedTemporaryFile("w", prefix="litemaas-ca-", suffix=".pem", delete=False) as handle:
            handle.write(bundle)
        self._ca_file = handle.name
        return handle.name

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
        refusal = insecure_transport_problem(url, self.conn.allow_insecure_http)
        if refusal:
            raise self.error(method, path, None, refusal)
        if authenticated and not is_header_token(self.conn.master_key):
            raise self.error(method, path, None, "the master key holds whitespace or a control character (a "
                             "trailing newline from a file or `echo`?), which no HTTP header can carry",
                             hint="set it again without them: `pulumi config set --secret masterKey sk-…`")
        try:
            prepared = self._session.prepare_request(requests.Request(method, url, params=params, json=json))
        except (requests.exceptions.RequestException, ValueError) as exc:  # e.g. InvalidHeader, with the value
            raise self.error(method, path, None, f"cannot build the request: {_describe_exception(exc)}") from None
        if not authenticated:
            prepared.headers.pop("Authorization", None)
        adapter = (self._retrying if idempotent else self._once) if retries else self._plain
        limit = timeout if timeout is not None else self.conn.request_timeout
        # The adapter alone knows nothing of the environment: merge proxies and CA bundles like Session.send.
        settings = self._session.merge_environment_settings(prepared.url, {}, None, self._session.verify, None)
        verify = settings["verify"]
        if verify is True:
            verify = _environment_ca() or True
        try:
            response = adapter.send(prepared, timeout=(min(limit, 30.0), limit), verify=verify,
                                    proxies=settings["proxies"], cert=settings["cert"])
        except requests.exceptions.SSLError as exc:
            raise self.error(method, path, None, f"TLS error: {_describe_exception(exc)}",
                             hint="the gateway certificate is not trusted; give its CA as adminApi.caBundle "
                                  "(or REQUESTS_CA_BUNDLE / SSL_CERT_FILE), or set adminApi.verifyTls false for "
                                  "a self-signed route") from None
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
        except OSError as exc:  # requests checks the CA path itself, outside its own exception types
            raise self.error(method, path, None, f"TLS error: {exc}",
                             hint="point adminApi.caBundle (or REQUESTS_CA_BUNDLE / SSL_CERT_FILE) at an existing "
                                  "PEM file, or give the PEM text inline") from None
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

    # polling helpers --------------------------------------------------------------------------------
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

    # typed calls of the providers, one per endpoint (free LiteLLM 1.108.7 endpoints only) -------------
    # Lookups answer None for an object LiteLLM does not have; deletes answer False when it was already gone.
    def absent_as_none(self, call):
        try:
            return call()
        except LiteLLMAdminError as exc:
            if exc.not_found:
                return None
            raise

    def team_new(self, body: Mapping[str, Any]) -> Any:
        return self.post("/team/new", body, idempotent=False)

    def team_info(self, team_id: str) -> Optional[dict[str, Any]]:
        found = self.absent_as_none(lambda: self.get("/team/info", {"team_id": team_id}))
        return None if found is None else (found.get("team_info") or {})

    def team_update(self, team_id: str, body: Mapping[str, Any]) -> Any:
        return self.patch(f"/team/{quote(team_id, safe='')}", body)

    def team_delete(self, team_id: str) -> bool:
        return self.absent_as_none(lambda: self.post("/team/delete", {"team_ids": [team_id]}, idempotent=True)) \
            is not None

    def teams_with_alias(self, alias: str) -> list[dict[str, Any]]:
        """The teams named `alias` exactly (LiteLLM's filter matches parts of names)."""
        listing = self.get("/v2/team/list", {"team_alias": alias, "page_size": 100}) or {}
        return [t for t in listing.get("teams") or [] if isinstance(t, dict) and t.get("team_alias") == alias]

    def team_keys(self, team_id: str, size: int = 10) -> dict[str, Any]:
        """The first `size` keys of a team (expired ones included) and `total_count`."""
        return self.get("/key/list", {"team_id": team_id, "return_full_object": "true", "size": size}) or {}

    # litellm:User
    def user_new(self, body: Mapping[str, Any]) -> Any:
        return self.post("/user/new", {**body, "auto_create_key": False}, idempotent=False)

    def user_info(self, user_id: str) -> Optional[dict[str, Any]]:
        return self.absent_as_none(lambda: self.get("/v2/user/info", {"user_id": user_id}))

    def user_update(self, user_id: str, body: Mapping[str, Any]) -> Any:
        # `/user/update` on an unknown id CREATES the user: never resurrect one deleted by hand.
        if self.user_info(user_id) is None:
            raise self.error("POST", "/user/update", 404, f"User {user_id} not found")
        return self.post("/user/update", {**body, "user_id": user_id}, idempotent=True)

    def user_delete(self, user_id: str) -> bool:
        return self.absent_as_none(lambda: self.post("/user/delete", {"user_ids": [user_id]}, idempotent=True)) \
            is not None

    def user_keys(self, user_id: str, size: int = 10) -> dict[str, Any]:
        """The first `size` keys of a user (expired ones included) and `total_count`."""
        return self.get("/key/list", {"user_id": user_id, "return_full_object": "true", "size": size}) or {}

    # litellm:TeamMember
    def team_member_add(self, body: Mapping[str, Any]) -> Any:
        try:
            return self.post("/team/member_add", body, idempotent=False)
        except LiteLLMAdminError as exc:
            if exc.status == 400 and exc.mentions("already in team"):  # LiteLLM's "exists", said its own way
                raise self.error(exc.method, exc.endpoint, 409, f"team member already exists: {exc.message}") from None
            raise

    def team_members(self, team_id: str) -> Optional[dict[str, Any]]:
        """`/team/info` as members: `members_with_roles` (roles) and `team_memberships` (budgets); None: no team."""
        found = self.absent_as_none(lambda: self.get("/team/info", {"team_id": team_id}))
        if found is None:
            return None
        return {"members_with_roles": (found.get("team_info") or {}).get("members_with_roles") or [],
                "team_memberships": found.get("team_memberships") or []}

    def team_member_update(self, body: Mapping[str, Any]) -> Any:
        return self.post("/team/member_update", body, idempotent=True)

    def team_member_delete(self, team_id: str, user_id: str) -> bool:
        return self.absent_as_none(lambda: self.post("/team/member_delete", {"team_id": team_id, "user_id": user_id},
                                                     idempotent=True)) is not None

    def key_generate(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.post("/key/generate", body, idempotent=False) or {}

    def key_update(self, body: Mapping[str, Any]) -> Any:
        return self.post("/key/update", body, idempotent=True)

    def key_delete(self, token: str) -> bool:
        # One key per call: LiteLLM answers 404 for a whole batch when one of them is gone.
        return self.absent_as_none(lambda: self.post("/key/delete", {"keys": [token]}, idempotent=True)) is not None

    def keys_with_alias(self, alias: str, size: int = 10) -> list[dict[str, Any]]:
        listing = self.get("/key/list", {"key_alias": alias, "return_full_object": "true", "size": size}) or {}
        return [row for row in listing.get("keys") or [] if isinstance(row, dict)]

    def model_new(self, body: Mapping[str, Any]) -> Any:
        return self.post("/model/new", body, idempotent=False)

    def model_update(self, model_id: str, body: Mapping[str, Any]) -> Any:
        return self.patch(f"/model/{quote(model_id, safe='')}/update", body)

    def model_delete(self, model_id: str) -> bool:
        return self.absent_as_none(lambda: self.post("/model/delete", {"id": model_id}, idempotent=True)) is not None

    def model_in_router(self, model_id: str) -> Optional[dict[str, Any]]:
        """The model as the answering pod's router holds it (`/model/info`), or None."""
        data = self.absent_as_none(lambda: self.get("/model/info", {"litellm_model_id": model_id}))
        rows = (data or {}).get("data") or []
        return next((r for r in rows if (r.get("model_info") or {}).get("id") == model_id), rows[0] if rows else None)

    def model_in_database(self, model_id: str) -> Optional[dict[str, Any]]:
        """The model from `/v2/model/info`, which falls back to the database for models the router lacks."""
        rows = (self.get("/v2/model/info", {"modelId": model_id}) or {}).get("data") or []
        return next((r for r in rows if (r.get("model_info") or {}).get("id") == model_id), None)

    def router_model_count(self) -> int:
        return int((self.get("/v2/model/info", {"page": 1, "size": 1}) or {}).get("total_count") or 0)

    # fallback (litellm:Fallback): one (model, fallback_type) rule of the proxy's router_settings
    def fallback_set(self, model: str, fallback_type: str, targets: list[str]) -> Any:
        body = {"model": model, "fallback_type": fallback_type, "fallback_models": list(targets)}
        return self.post("/fallback", body, idempotent=True)  # an upsert: safe to repeat

    def fallback_get(self, model: str, fallback_type: str) -> Optional[list[str]]:
        """The rule's targets as this pod's router holds them, or None when there is none."""
        found = self.absent_as_none(lambda: self.get(f"/fallback/{quote(model, safe='')}",
                                                     {"fallback_type": fallback_type}))
        return None if found is None else list(found.get("fallback_models") or [])

    def fallback_delete(self, model: str, fallback_type: str) -> bool:
        return self.absent_as_none(lambda: self.request("DELETE", f"/fallback/{quote(model, safe='')}",
                                                        params={"fallback_type": fallback_type})) is not None

    # credentials (litellm:Credential) -- GET reads the answering pod's in-memory list (refreshed on the reload loop)
    def credential_new(self, body: Mapping[str, Any]) -> Any:
        return self.post("/credentials", body, idempotent=False)

    def credential_info(self, name: str) -> Optional[dict[str, Any]]:
        return self.absent_as_none(lambda: self.get(f"/credentials/by_name/{quote(name, safe='')}"))

    def credential_update(self, name: str, body: Mapping[str, Any]) -> Any:
        return self.patch(f"/credentials/{quote(name, safe='')}", body)

    def credential_delete(self, name: str) -> bool:
        return self.absent_as_none(lambda: self.request("DELETE", f"/credentials/{quote(name, safe='')}",
                                                        idempotent=True)) is not None

    # budgets (litellm:Budget) -- LiteLLM answers "not found" with 200 `[]` (info) or 200 `null` (update, delete)
    def budget_new(self, body: Mapping[str, Any]) -> Any:
        return self.post("/budget/new", body, idempotent=False)

    def budget_info(self, budget_id: str) -> Optional[dict[str, Any]]:
        rows = self.post("/budget/info", {"budgets": [budget_id]}, idempotent=True) or []
        return next((r for r in rows if isinstance(r, dict) and r.get("budget_id") == budget_id), None)

    def budget_update(self, budget_id: str, body: Mapping[str, Any]) -> Any:
        answer = self.post("/budget/update", {**body, "budget_id": budget_id}, idempotent=True)
        if answer is None:
            raise self.error("POST", "/budget/update", 404, f"budget {budget_id} not found (LiteLLM answered null)")
        return answer

    def budget_delete(self, budget_id: str) -> bool:
        return self.post("/budget/delete", {"id": budget_id}, idempotent=True) is not None

    def budget_row_delete(self, budget_id: Optional[str]) -> None:
        """Remove the budget row LiteLLM made for an object it has just deleted (a tag, a team membership)."""
        if budget_id:
            self.absent_as_none(lambda: self.budget_delete(budget_id))


    # litellm:Tag. LiteLLM wraps every tag error in a 500 whose detail starts with the real status
    # ("404: Tag x not found", "400: Tag x already exists"): unwrapped here so the shared classification applies.
    def _tag_call(self, call):
        try:
            return call()
        except LiteLLMAdminError as exc:
            inner = re.match(r"^([1-5]\d\d): (.*)$", exc.message, re.DOTALL) if exc.status == 500 else None
            if inner is None:
                raise
            raise self.error(exc.method, exc.endpoint, int(inner.group(1)), inner.group(2),
                             error_type=exc.error_type, hint=exc.hint) from None

    def tag_new(self, body: Mapping[str, Any]) -> Any:
        return self._tag_call(lambda: self.post("/tag/new", body, idempotent=False))

    def tag_info(self, name: str) -> Optional[dict[str, Any]]:
        found = self.absent_as_none(lambda: self._tag_call(lambda: self.post("/tag/info", {"names": [name]},
                                                                               idempotent=True)))
        return None if found is None else found.get(name)

    def tag_update(self, body: Mapping[str, Any]) -> Any:
        return self._tag_call(lambda: self.post("/tag/update", body, idempotent=True))

    def tag_delete(self, name: str) -> bool:
        return self.absent_as_none(lambda: self._tag_call(lambda: self.post("/tag/delete", {"name": name},
                                                                             idempotent=True))) is not None

    # litellm:Guardrail. A taken name is a 500 "Unique constraint failed": answered here as the 400 it is.
    def _guardrail_call(self, call):
        try:
            return call()
        except LiteLLMAdminError as exc:
            if exc.status == 500 and exc.mentions("unique constraint") and exc.mentions("guardrail_name"):
                raise self.error(exc.method, exc.endpoint, 400, f"guardrail name already exists: {exc.message}",
                                 error_type=exc.error_type) from None
            raise

    def guardrail_new(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._guardrail_call(lambda: self.post("/guardrails", {"guardrail": body}, idempotent=False)) or {}

    def guardrail_get(self, guardrail_id: str) -> Optional[dict[str, Any]]:
        return self.absent_as_none(lambda: self.get(f"/guardrails/{quote(guardrail_id, safe='')}"))

    def guardrail_named(self, name: str) -> Optional[dict[str, Any]]:
        """The database guardrail with this name (`/v2/guardrails/list`; the v1 list shows config ones only)."""
        rows = (self.get("/v2/guardrails/list") or {}).get("guardrails") or []
        return next((r for r in rows if isinstance(r, dict) and r.get("guardrail_name") == name
                     and r.get("guardrail_definition_location", "db") == "db"), None)

    def guardrail_put(self, guardrail_id: str, body: Mapping[str, Any]) -> Any:
        return self._guardrail_call(lambda: self.request("PUT", f"/guardrails/{quote(guardrail_id, safe='')}",
                                                         json={"guardrail": body}, idempotent=True))

    def guardrail_delete(self, guardrail_id: str) -> bool:
        return self.absent_as_none(lambda: self.request("DELETE", f"/guardrails/{quote(guardrail_id, safe='')}",
                                                        idempotent=True)) is not None

    # litellm:McpServer (`/v1/mcp/server`; the id goes in the body of a PUT, and the writes answer 201/202)
    def mcp_server_new(self, body: Mapping[str, Any]) -> Any:
        return self.request("POST", "/v1/mcp/server", json=body, idempotent=False, ok=(200, 201))

    def mcp_server_get(self, server_id: str) -> Optional[dict[str, Any]]:
        return self.absent_as_none(lambda: self.get(f"/v1/mcp/server/{quote(server_id, safe='')}"))

    def mcp_server_update(self, server_id: str, body: Mapping[str, Any]) -> Any:
        return self.request("PUT", "/v1/mcp/server", json={**body, "server_id": server_id}, ok=(200, 202))

    def mcp_server_delete(self, server_id: str) -> bool:
        return self.absent_as_none(lambda: self.request(
            "DELETE", f"/v1/mcp/server/{quote(server_id, safe='')}", ok=(200, 202, 204)) or True) is not None

    # typed reads (the `litemaas` admin command; free LiteLLM 1.108.7 endpoints only) -----------------
    def readiness_details(self) -> dict[str, Any]:
        """`/health/readiness/details`: status, db ("connected") and litellm_version; needs the master key."""
        return self.get("/health/readiness/details") or {}

    def list_models(self) -> list[dict[str, Any]]:
        return (self.get("/model/info") or {}).get("data") or []

    def list_teams(self) -> list[dict[str, Any]]:
        return self.get("/team/list") or []

    def list_keys(self, *, alias: Optional[str] = None) -> list[dict[str, Any]]:
        """Live virtual keys (all, or the one with `alias`) as full objects: hashed `token`, spend, budgets, expiry."""
        params = {"return_full_object": "true", **({"key_alias": alias} if alias else {})}
        return self._pages("/key/list", params, "keys", size_param="size", size=100)

    def list_users(self) -> list[dict[str, Any]]:
        return self._pages("/user/list", {}, "users", size_param="page_size", size=100)

    def key_info(self, key: str) -> dict[str, Any]:
        """`/key/info` of a raw key or its hash (archived keys answer 200 with `status: deleted`)."""
        return (self.get("/key/info", {"key": key}) or {}).get("info") or {}

    def spend_logs(self, start: str, end: str, *, progress=None) -> list[dict[str, Any]]:
        """Request logs with their spend between `start` and `end` (UTC, "YYYY-MM-DD HH:MM:SS")."""
        return self._pages("/spend/logs/v2", {"start_date": start, "end_date": end}, "data",
                           size_param="page_size", size=1000, progress=progress)

    def model_health(self, model: str) -> dict[str, Any]:
        """`/health?model=`: LiteLLM calls the model's deployments now (healthy_/unhealthy_endpoints)."""
        return self.get("/health", {"model": model}) or {}

    def _pages(self, path: str, params: Mapping[str, Any], items: str, *, size_param: str, size: int,
               progress=None) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = self.get(path, {**params, "page": page, size_param: size}) or {}
            batch = answer.get(items) or []
            rows += batch
            pages = answer.get("total_pages") or 1
            if progress is not None and pages > 1:
                progress(f"{path}: page {page} of {pages}")
            if page >= pages or not batch:
                return rows
            page += 1
