"""How admin API calls travel: one `requests` session per call scope, retries, TLS, timeouts, and the refusal to
send the master key over plain HTTP.

- Nothing here is captured by a pickled provider: a client (and its `requests` Session) lives for one provider
  call (`with AdminClient(conn) as api: ...`). Connection settings arrive as resource inputs or stack config.
- Retries use urllib3's `Retry` with jittered exponential backoff on connection errors, 429 (Retry-After
  honoured, capped), 502, 503 and 504; never on other 4xx. Requests that are not idempotent are only
  retried when nothing reached the server (connect errors); the create paths of the providers probe
  the server themselves before trying again.
- Every call has a timeout. Before the first call of a process to a gateway, `/health/readiness` must
  report the database connected (readiness.py).
- The master key never travels in clear: plain `http://` only to loopback or in-cluster addresses,
  unless the connection allows it explicitly (`allow_insecure_http`). Proxies and CA bundles come from
  the environment like any `requests` program (HTTP(S)_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE,
  CURL_CA_BUNDLE), plus SSL_CERT_FILE / SSL_CERT_DIR and the connection's own `ca_bundle`, which wins.
"""

from __future__ import annotations

import os
import random
import tempfile
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from dynamic_providers.admin.errors import REDACTED, LiteLLMAdminError, parse_error_body, redact
from dynamic_providers.admin.readiness import Readiness
from litemaas_common.admin_settings import DEFAULTS, PEM_CERTIFICATE, AdminSettings, insecure_transport_problem, is_header_token

# Resource inputs that describe how to reach the admin API. Changing only these never touches LiteLLM.
CONNECTION_FIELDS = ("admin_url", "master_key", "request_timeout", "readiness_timeout", "verify_tls",
                     "allow_insecure_http", "ca_bundle")
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff tuning. Tests swap `admin_client.RETRY_POLICY`, the default of every client, for a faster one."""

    attempts: int = 6  # retries after the first try, per failure class
    backoff_factor: float = 0.5  # seconds; urllib3 doubles it per retry (first retry is immediate)
    backoff_max: float = 30.0
    retry_after_max: int = 60  # a server asking for longer than this is not waited for in full
    poll_initial: float = 0.5  # readiness / confirmation polling
    poll_max: float = 15.0
    # How long a write may take to show on every pod: LiteLLM keeps some objects in each pod's memory and reloads
    # them from the database every 30 s (`proxy_config_reload_interval_seconds`).
    propagation_wait: float = 45.0


@dataclass(frozen=True)
class Connection:
    """How to reach one LiteLLM admin API. Built from resource inputs, never pickled with a provider."""

    admin_url: str
    master_key: str
    request_timeout: float = DEFAULTS.request_timeout
    readiness_timeout: float = DEFAULTS.readiness_timeout
    verify_tls: bool = DEFAULTS.verify_tls
    allow_insecure_http: bool = False  # send the master key over plain http:// to any host
    ca_bundle: Optional[str] = None  # PEM text or a file path: the CA(s) of the gateway's certificate

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> "Connection":
        return cls(
            admin_url=str(props["admin_url"]).rstrip("/"),
            master_key=str(props["master_key"]),
            request_timeout=float(props.get("request_timeout") or DEFAULTS.request_timeout),
            readiness_timeout=float(props["readiness_timeout"] if props.get("readiness_timeout") is not None
                                    else DEFAULTS.readiness_timeout),
            verify_tls=bool(props["verify_tls"] if props.get("verify_tls") is not None else DEFAULTS.verify_tls),
            allow_insecure_http=props.get("allow_insecure_http") is True,
            ca_bundle=props.get("ca_bundle") or None,
        )

    @classmethod
    def of(cls, admin_url: str, master_key: str, settings: AdminSettings) -> "Connection":
        """The connection to `admin_url` with the `adminApi` settings the program and the providers read."""
        return cls(admin_url=admin_url.rstrip("/"), master_key=master_key, **settings.as_dict())

    def __repr__(self) -> str:  # the master key never reaches a repr, log line or traceback
        return f"Connection(admin_url={self.admin_url!r}, master_key={REDACTED!r})"


def _environment_ca() -> Optional[str]:
    """OpenSSL's own variables, which `requests` ignores (it reads REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE)."""
    cert_file, cert_dir = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cert_file and os.path.isfile(cert_file):
        return cert_file
    if cert_dir and os.path.isdir(cert_dir):
        return cert_dir
    return None


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


class Transport(Readiness):
    """One scope of admin API calls: `with client as api: api.get(...)`. AdminClient adds the kinds' calls."""

    def __init__(self, conn: Connection, *, policy: RetryPolicy, wait_ready: bool = True):
        self.conn = conn
        self.policy = policy
        self._wait_ready = wait_ready
        self._secrets: list[str] = [conn.master_key]
        self._session: Optional[requests.Session] = None
        self._retrying: Optional[HTTPAdapter] = None
        self._once: Optional[HTTPAdapter] = None
        self._plain: Optional[HTTPAdapter] = None
        self._ca_file: Optional[str] = None  # inline PEM written out for this scope

    # session scope --------------------------------------------------------------------------------
    def __enter__(self):
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
