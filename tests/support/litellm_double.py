"""In-process / standalone test double of the LiteLLM proxy admin API (models, virtual keys, teams).

It follows /work/shared/reference/litellm-admin-api.md (litellm 1.108.7), including its traps, so the
dynamic providers can be tested without a real gateway. See docs/litellm-double.md for the full list
of what is and is not modelled.

Python API (stable; additions only):

    with LiteLLMDouble(master_key="sk-test") as api:
        api.url                       # "http://127.0.0.1:<port>" ("https://…" with ssl_context=<server context>)
        api.models / api.keys / api.teams / api.deleted_keys / api.router_models
                                      # deep-copied snapshots: {model_id|token|team_id: row}
        api.calls                     # list[RecordedCall] (method, path, query, body, headers, status, ...)
        api.calls_to("POST", "/key/generate")   # filter; path may use {x} placeholders
        api.reset_calls(); api.read_count; api.write_count; api.ignored_fields()
        api.validating                # bodies checked against litellm's own request models (422 on errors)

        # RecordedCall: method, path, query (last value per name), body (parsed JSON), headers (no auth
        # headers), status (None = dropped), fault (action name or None), ignored_fields, at (epoch s)

        # server settings
        api.store_model_in_db = False; api.premium_user = True; api.auto_add_proxy_admin_to_teams = False
        api.set_readiness(db="connected" | "Not connected" | "disconnected" | "stalled", not_ready_calls=0)
        api.shutting_down = True

        # quirks
        api.set_model_read_lag(reads=2, seconds=0.0)   # /model/info serves the old router view
        api.model_writes_not_live(times=1, operation="create" | "update")
        api.hidden_model_params = {"tags", "timeout"}   # accepted on write, not echoed on read
        api.environ = {"OPENAI_KEY": "..."}             # resolves os.environ/ references on read

        # faults (method "*" matches any; path may use {x} placeholders; when="before"|"after" commit)
        api.fail("POST", "/model/new", status=503, times=2, when="before", retry_after=None, body=None)
        api.drop("POST", "/key/generate", times=1, when="after")      # TCP reset, no response
        api.delay("POST", "/team/new", seconds=5, times=1, when="before")
        api.non_json_500("GET", "/key/info", times=1)
        api.clear_faults()            # each helper returns a Fault with .hits / .remaining; times=-1 = forever

        # hand edits ("drift made in the admin UI"); no faults, no recording
        api.seed_model(...), api.seed_team(...), api.seed_key(...) -> (raw_key, token)
        api.edit_model(model_id, ...), api.edit_key(token_or_raw, **fields), api.edit_team(team_id, **fields)
        api.delete_model(model_id), api.delete_key(token_or_raw, archive=True), api.delete_team(team_id)
        # delete_key(..., archive=False) is a hard delete: /key/info then answers 404, as after a user delete

Standalone (for end-to-end tests where the Pulumi CLI runs in another process):

    python -m tests.support.litellm_double --port 0 --master-key sk-... [--state-file PATH]
        [--no-store-model-in-db] [--db STATE] [--no-validate]    (--master-key defaults to
        $LITELLM_DOUBLE_MASTER_KEY, which keeps the key out of `ps`)

prints the base URL as its first stdout line and serves until SIGTERM/SIGINT. The control endpoints
below need the master key and are never recorded:
    GET  /__double__/state        {"models", "keys", "deleted_keys", "teams", "router_models"}
    GET  /__double__/calls        [recorded calls]
    POST /__double__/reset_calls
    POST /__double__/edit         {"kind": "model"|"key"|"team", "id": ..., "fields": {...}}
                                  or {"kind": ..., "id": ..., "delete": true}
    POST /__double__/fault        {"action": "status"|"drop"|"delay"|"non_json", "method", "path",
                                   "status", "times", "when", "seconds", "retry_after", "body"}
    POST /__double__/clear_faults
    POST /__double__/settings     {"store_model_in_db", "db", "not_ready_calls", "read_lag_reads",
                                   "read_lag_seconds", "not_live_creates", "not_live_updates"}
"""

from __future__ import annotations

import argparse
import base64
import copy
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import uuid
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

LITELLM_VERSION = "1.108.7"
PROXY_ADMIN_ID = "default_user_id"
MIN_CUSTOM_KEY_LENGTH = 16

# Headers LiteLLM accepts as credentials; recorded calls never keep them.
AUTH_HEADERS = ("authorization", "x-litellm-api-key", "api-key", "x-api-key", "x-goog-api-key",
                "ocp-apim-subscription-key")

# litellm.types.router.SPECIAL_MODEL_INFO_PARAMS: pricing mirrored between litellm_params and model_info.
MIRRORED_PRICING = ("input_cost_per_token", "output_cost_per_token", "input_cost_per_character",
                    "output_cost_per_character", "cache_read_input_token_cost",
                    "cache_creation_input_token_cost", "tiered_pricing")
NULL_CLEARABLE_PARAMS = frozenset((*MIRRORED_PRICING, "cache_control_injection_points",
                                   "litellm_credential_name", "auto_router_routing_compression",
                                   "auto_router_model_compression"))
# GenericLiteLLMParams declares these as `bool = False`, so any PATCH carrying litellm_params resets them.
DEFAULT_FALSE_PARAMS = ("use_in_pass_through", "use_litellm_proxy", "merge_reasoning_content_in_choices",
                        "allow_client_keepalive_override", "use_xai_oauth")
REMOVED_ON_READ = ("api_key", "client_secret", "vertex_credentials", "vertex_ai_credentials",
                   "aws_access_key_id", "aws_secret_access_key")
SENSITIVE_SEGMENTS = frozenset(("password", "secret", "key", "token", "auth", "authorization", "cookie",
                                "credential", "credentials", "access", "private", "certificate",
                                "fingerprint", "tenancy"))
MASK_EXEMPT = frozenset(("litellm_credential_name", "default_api_key_tpm_limit", "default_api_key_rpm_limit"))
# Key fields LiteLLM keeps inside metadata rather than in their own columns.
KEY_METADATA_FIELDS = ("tags", "guardrails", "policies", "prompts", "model_rpm_limit", "model_tpm_limit",
                       "rpm_limit_type", "tpm_limit_type", "enforced_params")
TEAM_METADATA_FIELDS = ("tags", "guardrails", "policies", "prompts", "model_rpm_limit", "model_tpm_limit")
TEAM_SYSTEM_METADATA = ("team_member_budget_id",)
# Request fields of litellm 1.108.7's GenerateKeyRequest/UpdateKeyRequest and NewTeamRequest/UpdateTeamRequest;
# anything else is dropped by pydantic (extra="ignore") and never stored.
KEY_REQUEST_FIELDS = frozenset((
    "key_alias", "duration", "models", "spend", "max_budget", "user_id", "team_id", "agent_id",
    "max_parallel_requests", "metadata", "tpm_limit", "rpm_limit", "budget_duration", "budget_limits",
    "allowed_cache_controls", "config", "permissions", "model_max_budget", "budget_fallbacks",
    "model_rpm_limit", "model_tpm_limit", "mcp_rpm_limit", "tag_rpm_limit", "guardrails", "policies",
    "prompts", "blocked", "aliases", "object_permission", "key", "tpd_limit", "default_estimated_output_tokens",
    "default_estimated_output_tokens_per_model", "budget_id", "end_user_budget_id", "tags",
    "disable_global_guardrails", "enable_prompt_caching", "throttle_on_budget_exceeded", "enforced_params",
    "allowed_routes", "allowed_passthrough_routes", "denied_passthrough_routes", "allowed_vector_store_indexes",
    "rpm_limit_type", "tpm_limit_type", "router_settings", "access_group_ids", "soft_budget", "send_invite_email",
    "key_type", "auto_rotate", "rotation_interval", "organization_id", "project_id", "temp_budget_increase",
    "temp_budget_expiry"))
TEAM_REQUEST_FIELDS = frozenset((
    "team_alias", "team_id", "organization_id", "admins", "members", "members_with_roles",
    "team_member_permissions", "metadata", "tpm_limit", "rpm_limit", "tpd_limit", "max_budget", "soft_budget",
    "budget_duration", "budget_limits", "models", "blocked", "router_settings", "access_group_ids",
    "default_team_member_models", "model_aliases", "model_max_budget", "tags", "guardrails", "policies",
    "prompts", "object_permission", "allowed_passthrough_routes", "denied_passthrough_routes",
    "disable_global_guardrails", "require_trace_id", "secret_manager_settings", "model_rpm_limit",
    "rpm_limit_type", "tpm_limit_type", "model_tpm_limit", "default_estimated_output_tokens",
    "default_estimated_output_tokens_per_model", "mcp_rpm_limit", "team_member_budget", "team_member_rpm_limit",
    "team_member_tpm_limit", "team_member_key_duration", "team_member_budget_duration",
    "team_member_model_max_budget", "allowed_vector_store_indexes", "enforced_batch_output_expires_after",
    "enforced_file_expires_after"))
KEY_TYPE_ROUTES = {"llm_api": ["llm_api_routes"], "management": ["management_routes"],
                   "read_only": ["info_routes"]}
ENTERPRISE_KEY_FIELDS = ("guardrails", "policies", "prompts")

NO_DB_MODEL_NEW = ("No DB Connected. Here's how to do it - "
                   "https://docs.litellm.ai/docs/proxy/virtual_keys#setup")
DB_NOT_CONNECTED = "DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys"
STORE_MODEL_MSG = "Set `'STORE_MODEL_IN_DB='True'` in your env to enable this feature."
ALIAS_EXISTS = "Key with alias '{}' already exists. Unique key aliases across all keys are required."


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------

def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def hash_token(raw_or_hash: str) -> str:
    """LiteLLM's hash_token_if_needed: values starting with sk- are hashed, others are hashes already."""
    if raw_or_hash.startswith("sk-"):
        return hashlib.sha256(raw_or_hash.encode()).hexdigest()
    return raw_or_hash


_DURATION_RE = re.compile(r"^(\d+)(mo|s|m|h|d|w)$")


def parse_duration(value: str) -> dt.timedelta:
    """Durations as litellm_core_utils/duration_parser.py accepts them (Ns|Nm|Nh|Nd|Nw|Nmo)."""
    match = _DURATION_RE.match(str(value).strip())
    if not match:
        raise ValueError(f"Invalid duration format: {value}")
    amount, unit = int(match.group(1)), match.group(2)
    return {"s": dt.timedelta(seconds=amount), "m": dt.timedelta(minutes=amount),
            "h": dt.timedelta(hours=amount), "d": dt.timedelta(days=amount),
            "w": dt.timedelta(weeks=amount), "mo": dt.timedelta(days=30 * amount)}[unit]


def budget_reset_at(budget_duration: str, now: dt.datetime | None = None) -> dt.datetime:
    """Reset time snapped to calendar boundaries the way LiteLLM does (1st of month, Monday, hour)."""
    now = now or _now()
    delta = parse_duration(budget_duration)
    match = _DURATION_RE.match(budget_duration.strip())
    assert match
    unit = match.group(2)
    if unit == "mo" or (unit == "d" and delta.days in (30, 31)):
        year, month = (now.year + 1, 1) if now.month == 12 else (now.year, now.month + 1)
        return now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "w" or (unit == "d" and delta.days == 7):
        days_ahead = 7 - now.weekday()
        return (now + dt.timedelta(days=days_ahead)).replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "d":
        return (now + delta).replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "h":
        return (now + delta).replace(minute=0, second=0, microsecond=0)
    return now + delta


def mask_value(value: Any) -> str:
    text = "" if value is None else str(value)
    if not text:
        return text
    if len(text) <= 8:
        return "*" * len(text)
    return f"{text[:4]}{'*' * (len(text) - 8)}{text[-4:]}"


def _is_sensitive(name: str) -> bool:
    if name in MASK_EXEMPT:
        return False
    segments = str(name).lower().replace("-", "_").split("_")
    if "cost" in segments:
        return False
    return any(segment in SENSITIVE_SEGMENTS for segment in segments)


def mask_params(params: dict[str, Any]) -> dict[str, Any]:
    """SensitiveDataMasker.mask_dict as applied to litellm_params on model reads."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, dict):
            out[name] = mask_params(value)
        elif isinstance(value, list):
            out[name] = [mask_value(v) if _is_sensitive(name) and isinstance(v, str) else v for v in value]
        elif _is_sensitive(name):
            out[name] = mask_value(value)
        else:
            out[name] = value
    return out


def _is_pricing_key(name: str) -> bool:
    return name in MIRRORED_PRICING or "cost" in name.split("_") or name == "pricing_overrides"


def _fake_encrypt(value: str) -> str:
    # Ciphertext stand-in: one-way, so a leaked response body never reveals the test secret.
    digest = hmac.new(b"litellm-double", value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _encrypt_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: _fake_encrypt(v) if isinstance(v, str) else v for k, v in params.items()}


def _provider_of(params: dict[str, Any]) -> str:
    if params.get("custom_llm_provider"):
        return str(params["custom_llm_provider"])
    model = str(params.get("model", ""))
    return model.split("/", 1)[0] if "/" in model else "openai"


def _path_pattern(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^/}]*\})", path)
    regex = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


def _merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386 JSON merge patch."""
    result = dict(target)
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        elif isinstance(value, dict) and isinstance(result.get(name), dict):
            result[name] = _merge_patch(result[name], value)
        else:
            result[name] = copy.deepcopy(value)
    return result


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------

class ApiError(Exception):
    """An HTTP error answer in one of the LiteLLM envelopes."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None, raw: bool = False):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.raw = raw  # body is plain text, not JSON


def proxy_error(status: int, message: str, type_: str, param: str | None = None) -> ApiError:
    """Envelope 1 (ProxyException)."""
    return ApiError(status, {"error": {"message": message, "type": type_, "param": param, "code": str(status)}})


def detail_error(status: int, detail: Any) -> ApiError:
    """Envelope 2 (plain FastAPI HTTPException)."""
    return ApiError(status, {"detail": detail})


def validation_error(errors: list[dict[str, Any]]) -> ApiError:
    """Envelope 3 (request validation)."""
    return ApiError(422, {"detail": errors})


def _repr_error(payload: dict[str, Any]) -> str:
    # Handlers wrap HTTPException(detail={...}); the ProxyException message is the dict's repr.
    return repr(payload)


def _missing_field(loc: list[Any], name: str) -> dict[str, Any]:
    return {"type": "missing", "loc": [*loc, name], "msg": "Field required", "input": None}


# --------------------------------------------------------------------------------------------------
# Optional validation with litellm's own request models
# --------------------------------------------------------------------------------------------------

_VALIDATORS: dict[tuple[str, str], str] = {
    ("POST", "/key/generate"): "litellm.proxy._types:GenerateKeyRequest",
    ("POST", "/key/update"): "litellm.proxy._types:UpdateKeyRequest",
    ("POST", "/key/delete"): "litellm.proxy._types:KeyRequest",
    ("POST", "/key/block"): "litellm.proxy._types:BlockKeyRequest",
    ("POST", "/key/unblock"): "litellm.proxy._types:BlockKeyRequest",
    ("POST", "/team/new"): "litellm.proxy._types:NewTeamRequest",
    ("POST", "/team/update"): "litellm.proxy._types:UpdateTeamRequest",
    ("PATCH", "/team/{team_id}"): "litellm.proxy._types:PatchTeamRequest",
    ("POST", "/team/delete"): "litellm.proxy._types:DeleteTeamRequest",
    ("POST", "/model/new"): "litellm.types.router:Deployment",
    ("PATCH", "/model/{model_id}/update"): "litellm.types.router:updateDeployment",
    ("POST", "/model/update"): "litellm.types.router:updateDeployment",
    ("POST", "/model/delete"): "litellm.proxy._types:ModelInfoDelete",
}
_validator_lock = threading.Lock()
_validator_classes: dict[str, Any] | None = None
_validator_import_error: str | None = None


def litellm_models() -> dict[str, Any] | None:
    """The litellm request models by route key, or None when the package is not importable."""
    global _validator_classes, _validator_import_error
    with _validator_lock:
        if _validator_classes is None and _validator_import_error is None:
            # Importing litellm otherwise fetches the model cost map from GitHub.
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            try:
                import importlib
                classes = {}
                for spec in set(_VALIDATORS.values()):
                    module_name, class_name = spec.split(":")
                    classes[spec] = getattr(importlib.import_module(module_name), class_name)
                _validator_classes = classes
            except Exception as exc:  # pragma: no cover - depends on the environment
                _validator_import_error = f"{type(exc).__name__}: {exc}"
        return _validator_classes


def _validate_with_litellm(route_key: tuple[str, str], body: Any) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """(422 error list or None, top-level fields the server would silently ignore)."""
    spec = _VALIDATORS.get(route_key)
    classes = litellm_models()
    if spec is None or classes is None or not isinstance(body, dict):
        return None, []
    model_cls = classes[spec]
    import pydantic
    try:
        with warnings.catch_warnings():
            # litellm's TypedDicts use ReadOnly, which pydantic warns about on first schema build.
            warnings.simplefilter("ignore", UserWarning)
            model_cls(**body)
    except pydantic.ValidationError as exc:
        errors = json.loads(exc.json(include_url=False))
        for error in errors:
            error["loc"] = ["body", *error.get("loc", [])]
        return errors, []
    except TypeError:
        return None, []  # Deployment.__init__ without litellm_params: the handler answers 500 itself
    if model_cls.model_config.get("extra") == "allow":
        return None, []
    known: set[str] = set()
    for name, field in model_cls.model_fields.items():
        known.add(name)
        if field.alias:
            known.add(field.alias)
    return None, sorted(k for k in body if k not in known)


# --------------------------------------------------------------------------------------------------
# Recording and faults
# --------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class RecordedCall:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int | None = None          # None when the connection was dropped
    fault: str | None = None           # the injected fault that shaped the answer, if any
    ignored_fields: list[str] = dataclasses.field(default_factory=list)
    at: float = dataclasses.field(default_factory=time.time)

    @property
    def is_write(self) -> bool:
        return self.method in ("POST", "PATCH", "PUT", "DELETE")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Fault:
    method: str
    path: str
    action: str                        # "status" | "drop" | "delay" | "non_json"
    times: int = 1                     # <0 = forever
    when: str = "before"               # commit the change "before" or "after" the fault acts
    status: int = 503
    seconds: float = 0.0
    retry_after: float | None = None
    body: Any = None
    hits: int = 0

    def __post_init__(self) -> None:
        if self.action not in ("status", "drop", "delay", "non_json"):
            raise ValueError(f"unknown fault action {self.action!r}")
        if self.when not in ("before", "after"):
            raise ValueError("when must be 'before' or 'after'")
        self._pattern = _path_pattern(self.path)

    @property
    def remaining(self) -> int:
        return -1 if self.times < 0 else max(self.times - self.hits, 0)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and bool(self._pattern.match(path)) and self.remaining != 0


@dataclasses.dataclass
class _PendingRouterUpdate:
    row: dict[str, Any] | None         # None = the model was deleted
    reads_left: float
    not_before: float


class _DropConnection(Exception):
    pass


# --------------------------------------------------------------------------------------------------
# The double
# --------------------------------------------------------------------------------------------------

class LiteLLMDouble:
    """A LiteLLM admin API server on 127.0.0.1 backed by in-memory state (optionally a JSON file)."""

    def __init__(self, master_key: str = "sk-test", *, host: str = "127.0.0.1", port: int = 0,
                 store_model_in_db: bool = True, db: str = "connected", validate: bool | None = None,
                 state_file: str | None = None, auto_add_proxy_admin_to_teams: bool = True,
                 premium_user: bool = False, litellm_version: str = LITELLM_VERSION,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the double only binds to loopback")
        self.master_key = master_key
        self.host = host
        self.port = port
        self.store_model_in_db = store_model_in_db
        self.auto_add_proxy_admin_to_teams = auto_add_proxy_admin_to_teams
        self.premium_user = premium_user
        self.litellm_version = litellm_version
        self.state_file = state_file
        self.ssl_context = ssl_context  # serve HTTPS with this server context (tests of CA handling)
        self.shutting_down = False
        self.hidden_model_params: set[str] = set()
        self.environ: dict[str, str] = {}
        # Answering the v2 list from an empty router without a DB lookup is what 1.108.7 does.
        self.v2_empty_router_shortcut = True
        self._validate = validate
        self._db = "connected"
        self._not_ready_calls = 0
        self.set_readiness(db=db)
        self._lock = threading.RLock()
        self._models: dict[str, dict[str, Any]] = {}
        self._router: dict[str, dict[str, Any]] = {}
        self._pending_router: dict[str, _PendingRouterUpdate] = {}
        self._keys: dict[str, dict[str, Any]] = {}
        self._deleted_keys: dict[str, dict[str, Any]] = {}
        self._teams: dict[str, dict[str, Any]] = {}
        self._budgets: dict[str, dict[str, Any]] = {}
        self._calls: list[RecordedCall] = []
        self._faults: list[Fault] = []
        self._lag_reads = 0
        self._lag_seconds = 0.0
        self._not_live = {"create": 0, "update": 0}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if state_file and os.path.exists(state_file):
            self._load_state()

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> "LiteLLMDouble":
        if self._validate is None:
            self._validate = litellm_models() is not None
        elif self._validate and litellm_models() is None:
            raise RuntimeError(f"validate=True but litellm is not importable: {_validator_import_error}")
        handler = type("_BoundHandler", (_Handler,), {"double": self})
        self._server = ThreadingHTTPServer((self.host, self.port), handler)
        self._server.daemon_threads = True
        if self.ssl_context is not None:
            self._server.socket = self.ssl_context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="litellm-double", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "LiteLLMDouble":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def validating(self) -> bool:
        """Whether request bodies are checked against litellm's own pydantic request models."""
        return bool(self._validate)

    # ---------------------------------------------------------------- settings and quirks

    def set_readiness(self, db: str = "connected", not_ready_calls: int = 0) -> None:
        """db: "connected", "Not connected" (no DB configured), "disconnected"/"stalled" (503)."""
        if db not in ("connected", "Not connected", "disconnected", "stalled"):
            raise ValueError(f"unknown db state {db!r}")
        self._db = db
        self._not_ready_calls = not_ready_calls

    @property
    def db(self) -> str:
        return self._db

    def set_model_read_lag(self, reads: int = 0, seconds: float = 0.0) -> None:
        """After a model write, /model/info keeps serving the old router view for the next `reads`
        reads of that id and for `seconds` (both must be used up). /v2/model/info falls back to the DB
        only when the router misses the id, so it sees new models but not updates of known ones."""
        with self._lock:
            self._lag_reads = reads
            self._lag_seconds = seconds

    def model_writes_not_live(self, times: int = 1, operation: str = "create") -> None:
        """The next `times` /model/new (or model updates) save the row, then answer 500 "saved to the
        database, but ... not live"; the router picks the row up after the read lag (at least 1 read)."""
        if operation not in self._not_live:
            raise ValueError("operation must be 'create' or 'update'")
        with self._lock:
            self._not_live[operation] = times

    # ---------------------------------------------------------------- faults

    def _add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def fail(self, method: str, path: str, status: int = 503, times: int = 1, when: str = "before",
             retry_after: float | None = None, body: Any = None) -> Fault:
        """Answer the next `times` matching calls with `status` (ProxyException body unless `body`)."""
        return self._add_fault(Fault(method, path, "status", times, when, status=status,
                                     retry_after=retry_after, body=body))

    def drop(self, method: str, path: str, times: int = 1, when: str = "before") -> Fault:
        """Reset the TCP connection without an answer, before or after committing the change."""
        return self._add_fault(Fault(method, path, "drop", times, when))

    def delay(self, method: str, path: str, seconds: float, times: int = 1, when: str = "before") -> Fault:
        """Sleep `seconds` before answering; the change is committed before or after the sleep."""
        return self._add_fault(Fault(method, path, "delay", times, when, seconds=seconds))

    def non_json_500(self, method: str, path: str, times: int = 1, when: str = "before") -> Fault:
        """Answer plain-text "Internal Server Error" (a proxy image without prisma does that)."""
        return self._add_fault(Fault(method, path, "non_json", times, when, status=500))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None

    # ---------------------------------------------------------------- recording

    @property
    def calls(self) -> list[RecordedCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, path: str) -> list[RecordedCall]:
        pattern = _path_pattern(path)
        return [c for c in self.calls if method in ("*", c.method) and pattern.match(c.path)]

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    @property
    def write_count(self) -> int:
        return sum(1 for c in self.calls if c.is_write and not c.path.startswith("/health"))

    @property
    def read_count(self) -> int:
        return sum(1 for c in self.calls if not c.is_write and not c.path.startswith("/health"))

    def ignored_fields(self) -> dict[str, list[str]]:
        """{"METHOD path": [fields]} for request fields the real server would silently ignore."""
        out: dict[str, list[str]] = {}
        for call in self.calls:
            if call.ignored_fields:
                out.setdefault(f"{call.method} {call.path}", [])
                out[f"{call.method} {call.path}"] += [f for f in call.ignored_fields
                                                      if f not in out[f"{call.method} {call.path}"]]
        return out

    # ---------------------------------------------------------------- state inspection

    @property
    def models(self) -> dict[str, dict[str, Any]]:
        """DB rows by model_id (plain, i.e. decrypted, litellm_params)."""
        with self._lock:
            return copy.deepcopy(self._models)

    @property
    def router_models(self) -> dict[str, dict[str, Any]]:
        """What this "pod's" router serves on /model/info right now (before any pending reload)."""
        with self._lock:
            return copy.deepcopy(self._router)

    @property
    def keys(self) -> dict[str, dict[str, Any]]:
        """Live key rows by token hash."""
        with self._lock:
            return copy.deepcopy(self._keys)

    @property
    def deleted_keys(self) -> dict[str, dict[str, Any]]:
        """Archived (deleted) key rows by token hash."""
        with self._lock:
            return copy.deepcopy(self._deleted_keys)

    @property
    def teams(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._teams)

    def state(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy({"models": self._models, "router_models": self._router, "keys": self._keys,
                                  "deleted_keys": self._deleted_keys, "teams": self._teams,
                                  "budgets": self._budgets})

    # ---------------------------------------------------------------- hand edits (admin UI drift)

    def seed_model(self, model_name: str, litellm_params: dict[str, Any], model_info: dict[str, Any] | None = None,
                   model_id: str | None = None, blocked: bool = False) -> str:
        """Create a model directly in the DB and router (no faults, no recording). Returns model_id."""
        with self._lock:
            info = {k: v for k, v in (model_info or {}).items() if not _is_pricing_key(k)}
            model_id = model_id or info.get("id") or str(uuid.uuid4())
            info["id"] = model_id
            info["db_model"] = True
            now = _iso(_now())
            row = {"model_id": model_id, "model_name": model_name, "litellm_params": copy.deepcopy(litellm_params),
                   "model_info": info, "blocked": blocked, "created_at": now, "created_by": PROXY_ADMIN_ID,
                   "updated_at": now, "updated_by": PROXY_ADMIN_ID}
            self._models[model_id] = row
            self._router[model_id] = copy.deepcopy(row)
            self._pending_router.pop(model_id, None)
            self._save_state()
            return model_id

    def edit_model(self, model_id: str, *, model_name: str | None = None,
                   litellm_params: dict[str, Any] | None = None, model_info: dict[str, Any] | None = None,
                   blocked: bool | None = None, replace_params: bool = False) -> dict[str, Any]:
        """Change a stored model; dict arguments are merged (None values delete) unless replace_params."""
        with self._lock:
            row = self._models[model_id]
            if model_name is not None:
                row["model_name"] = model_name
            if litellm_params is not None:
                row["litellm_params"] = (copy.deepcopy(litellm_params) if replace_params
                                         else _merge_patch(row["litellm_params"], litellm_params))
            if model_info is not None:
                row["model_info"] = _merge_patch(row["model_info"], model_info)
                row["model_info"]["id"] = model_id
            if blocked is not None:
                row["blocked"] = blocked
            row["updated_at"] = _iso(_now())
            self._router[model_id] = copy.deepcopy(row)
            self._pending_router.pop(model_id, None)
            self._save_state()
            return copy.deepcopy(row)

    def delete_model(self, model_id: str) -> bool:
        with self._lock:
            found = self._models.pop(model_id, None) is not None
            self._router.pop(model_id, None)
            self._pending_router.pop(model_id, None)
            self._save_state()
            return found

    def seed_team(self, team_id: str | None = None, **fields: Any) -> str:
        with self._lock:
            team_id = team_id or str(uuid.uuid4())
            self._teams[team_id] = self._new_team_row(team_id, fields)
            self._save_state()
            return team_id

    def edit_team(self, team_id: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            row = self._teams[team_id]
            row.update(copy.deepcopy(fields))
            row["updated_at"] = _iso(_now())
            self._save_state()
            return copy.deepcopy(row)

    def delete_team(self, team_id: str, cascade: bool = True) -> bool:
        with self._lock:
            found = self._teams.pop(team_id, None) is not None
            if found and cascade:
                self._cascade_delete_team_keys([team_id])
            self._save_state()
            return found

    def seed_key(self, key: str | None = None, **fields: Any) -> tuple[str, str]:
        """Create a key directly; returns (raw key, token hash)."""
        with self._lock:
            raw = key or self._new_raw_key()
            token, _ = self._insert_key(raw, dict(fields))
            self._save_state()
            return raw, token

    def edit_key(self, token_or_key: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            row = self._keys[hash_token(token_or_key)]
            row.update(copy.deepcopy(fields))
            row["updated_at"] = _iso(_now())
            self._save_state()
            return copy.deepcopy(row)

    def delete_key(self, token_or_key: str, archive: bool = True) -> bool:
        with self._lock:
            found = self._archive_key(hash_token(token_or_key), archive=archive)
            self._save_state()
            return found

    # ---------------------------------------------------------------- persistence

    def _save_state(self) -> None:
        if not self.state_file:
            return
        data = {"models": self._models, "router": self._router, "keys": self._keys,
                "deleted_keys": self._deleted_keys, "teams": self._teams, "budgets": self._budgets}
        tmp = f"{self.state_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, self.state_file)

    def _load_state(self) -> None:
        assert self.state_file
        with open(self.state_file, encoding="utf-8") as handle:
            data = json.load(handle)
        self._models = data.get("models", {})
        # A restarted proxy loads every DB model into its router.
        self._router = copy.deepcopy(self._models)
        self._keys = data.get("keys", {})
        self._deleted_keys = data.get("deleted_keys", {})
        self._teams = data.get("teams", {})
        self._budgets = data.get("budgets", {})

    # ---------------------------------------------------------------- request pipeline

    def _handle(self, handler: "_Handler") -> None:
        split = urlsplit(handler.path)
        path = unquote(split.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        headers = {k: v for k, v in handler.headers.items()}
        raw_body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        method = handler.command

        if path.startswith("/__double__/"):
            self._respond_safe(handler, lambda: self._control(method, path, headers, raw_body))
            return

        body: Any = None
        body_error: ApiError | None = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError as exc:
                body = raw_body.decode("utf-8", "replace")
                body_error = validation_error([{"type": "json_invalid", "loc": ["body", 0],
                                                "msg": "JSON decode error", "input": {},
                                                "ctx": {"error": str(exc)}}])
        call = RecordedCall(method=method, path=path, query=query, body=body,
                            headers={k: v for k, v in headers.items() if k.lower() not in AUTH_HEADERS})
        with self._lock:
            self._calls.append(call)

        fault = self._take_fault(method, path)
        if fault is not None:
            call.fault = fault.action

        def run() -> tuple[int, Any, dict[str, str], bool]:
            if body_error is not None:
                raise body_error
            return self._dispatch(method, path, query, headers, body, call)

        try:
            if fault is not None and fault.when == "before":
                if fault.action == "delay":
                    time.sleep(fault.seconds)
                else:
                    self._answer_fault(handler, call, fault)
                    return
            outcome = self._capture(run)
            if fault is not None and fault.when == "after":
                if fault.action == "delay":
                    time.sleep(fault.seconds)
                else:
                    self._answer_fault(handler, call, fault)
                    return
            status, payload, extra_headers, raw = outcome
            call.status = status
            handler.send_payload(status, payload, extra_headers, raw)
        except _DropConnection:
            call.status = None
            handler.drop_connection()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _answer_fault(self, handler: "_Handler", call: RecordedCall, fault: Fault) -> None:
        if fault.action == "drop":
            call.status = None
            handler.drop_connection()
            return
        if fault.action == "non_json":
            call.status = 500
            handler.send_payload(500, "Internal Server Error", {}, raw=True)
            return
        status = fault.status
        headers: dict[str, str] = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after if fault.retry_after % 1 else int(fault.retry_after))
        body = fault.body
        raw = isinstance(body, str)
        if body is None:
            body = {"error": {"message": f"Injected fault: HTTP {status}", "type": "fault_injected",
                              "param": None, "code": str(status)}}
        call.status = status
        handler.send_payload(status, body, headers, raw)

    def _capture(self, fn: Callable[[], tuple[int, Any, dict[str, str], bool]]) -> tuple[int, Any, dict[str, str], bool]:
        try:
            return fn()
        except ApiError as err:
            return err.status, err.body, err.headers, err.raw
        except _DropConnection:
            raise
        except Exception as exc:  # a bug in the double must still look like a LiteLLM 500
            return 500, {"error": {"message": f"Internal server error ({type(exc).__name__}: {exc})",
                                   "type": "internal_server_error", "param": None, "code": "500"}}, {}, False

    def _respond_safe(self, handler: "_Handler", fn: Callable[[], Any]) -> None:
        status, payload, headers, raw = self._capture(lambda: (200, fn(), {}, False))
        try:
            handler.send_payload(status, payload, headers, raw)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # ---------------------------------------------------------------- auth

    def _presented_key(self, headers: dict[str, str]) -> str | None:
        lowered = {k.lower(): v for k, v in headers.items()}
        for name in AUTH_HEADERS:
            value = lowered.get(name)
            if value:
                value = value.strip()
                if value.lower().startswith("bearer "):
                    value = value[7:].strip()
                return value or None
        return None

    def _authenticate(self, headers: dict[str, str]) -> None:
        presented = self._presented_key(headers)
        if presented is None:
            raise proxy_error(401, "Authentication Error, No api key passed in.", "auth_error", "None")
        if hmac.compare_digest(presented.encode(), self.master_key.encode()):
            return
        if self._db == "Not connected":
            raise proxy_error(400, "No connected db.", "no_db_connection", "None")
        with self._lock:
            is_virtual_key = hash_token(presented) in self._keys
        if is_virtual_key:
            raise proxy_error(401, "Authentication Error, Only proxy admin can be used to generate, delete, "
                                   "update info for new keys/users/teams. Route=<admin route>.",
                              "auth_error", "None")
        raise proxy_error(401, "Authentication Error, Invalid proxy server token passed. valid_token=None.",
                          "token_not_found_in_db", "None")

    # ---------------------------------------------------------------- routing

    def _routes(self) -> list[tuple[str, re.Pattern[str], str, Callable[..., Any]]]:
        table = [
            ("GET", "/model/info", self._model_info),
            ("GET", "/v1/model/info", self._model_info),
            ("GET", "/v2/model/info", self._model_info_v2),
            ("POST", "/model/new", self._model_new),
            ("PATCH", "/model/{model_id}/update", self._model_patch),
            ("POST", "/model/update", self._model_update_legacy),
            ("POST", "/model/delete", self._model_delete),
            ("POST", "/key/generate", self._key_generate),
            ("GET", "/key/info", self._key_info),
            ("GET", "/key/list", self._key_list),
            ("POST", "/key/update", self._key_update),
            ("POST", "/key/delete", self._key_delete),
            ("POST", "/key/block", self._key_block),
            ("POST", "/key/unblock", self._key_unblock),
            ("POST", "/team/new", self._team_new),
            ("GET", "/team/info", self._team_info),
            ("POST", "/team/update", self._team_update),
            ("PATCH", "/team/{team_id}", self._team_patch),
            ("POST", "/team/delete", self._team_delete),
            ("GET", "/team/list", self._team_list),
            ("GET", "/v2/team/list", self._team_list_v2),
        ]
        return [(m, _path_pattern(p), p, fn) for m, p, fn in table]

    def _dispatch(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any,
                  call: RecordedCall) -> tuple[int, Any, dict[str, str], bool]:
        if path in ("/health/liveliness", "/health/liveness"):
            if self.shutting_down:
                return 503, {"status": "shutting_down"}, {}, False
            return 200, "I'm alive!", {}, False
        if path == "/health/readiness":
            return self._readiness()
        if path == "/health/readiness/details":
            self._authenticate(headers)
            status, payload, _, _ = self._readiness()
            if isinstance(payload, dict) and status == 200:
                payload = {**payload, "cache": None, "litellm_version": self.litellm_version,
                           "success_callbacks": [], "last_updated": _iso(_now())}
            return status, payload, {}, False

        matched_path = False
        for route_method, pattern, template, fn in self._routes():
            if not pattern.match(path):
                continue
            matched_path = True
            if route_method != method:
                continue
            self._authenticate(headers)
            if method in ("POST", "PATCH") and self._validate:
                errors, ignored = _validate_with_litellm((method, template), body if body is not None else {})
                call.ignored_fields = ignored
                if errors is not None:
                    raise validation_error(errors)
            self._check_db(method, template)
            result = fn(query=query, body=body if body is not None else {}, headers=headers,
                        **self._path_params(template, path))
            if isinstance(result, tuple):
                return result[0], result[1], {}, False
            return 200, result, {}, False
        if matched_path:
            return 405, {"detail": "Method Not Allowed"}, {}, False
        return 404, {"detail": "Not Found"}, {}, False

    @staticmethod
    def _path_params(template: str, path: str) -> dict[str, str]:
        names = re.findall(r"\{([^}]*)\}", template)
        if not names:
            return {}
        regex = re.sub(r"\\\{[^}]*\\\}", "([^/]+)", re.escape(template))
        match = re.match(f"^{regex}$", path)
        assert match
        return {name: unquote(value) for name, value in zip(names, match.groups())}

    def _readiness(self) -> tuple[int, Any, dict[str, str], bool]:
        if self.shutting_down:
            return 503, {"status": "shutting_down"}, {}, False
        with self._lock:
            if self._not_ready_calls > 0:
                self._not_ready_calls -= 1
                return 503, {"status": "unhealthy", "db": "disconnected"}, {}, False
        if self._db in ("disconnected", "stalled"):
            return 503, {"status": "unhealthy", "db": self._db}, {}, False
        return 200, {"status": "healthy", "db": self._db}, {}, False

    def _check_db(self, method: str, template: str) -> None:
        if self._db in ("disconnected", "stalled"):
            raise proxy_error(503, "Service Unavailable: the database is unavailable "
                                   f"({self._db}); retry later.", "service_unavailable", None)
        if self._db != "Not connected":
            return
        # Each handler words "no database" differently (section 1.3); clients match db + connect.
        if template == "/model/new":
            raise proxy_error(500, _repr_error({"error": NO_DB_MODEL_NEW}), "auth_error")
        if template == "/model/{model_id}/update":
            raise detail_error(500, {"error": DB_NOT_CONNECTED})
        if template in ("/model/info", "/v1/model/info"):
            raise detail_error(500, {"error": "LLM Model List not loaded in. Make sure you passed models "
                                              "in your config.yaml or on the LiteLLM Admin UI."})
        if template == "/v2/model/info":
            return
        if template == "/team/delete":
            raise detail_error(500, {"error": "No db connected"})
        if template == "/key/update":
            raise proxy_error(500, _repr_error({"error": "Database not connected"}), "auth_error")
        raise proxy_error(500, _repr_error({"error": DB_NOT_CONNECTED}), "auth_error")

    # ---------------------------------------------------------------- control endpoint

    def _control(self, method: str, path: str, headers: dict[str, str], raw_body: bytes) -> Any:
        presented = self._presented_key(headers)
        if presented is None or not hmac.compare_digest(presented.encode(), self.master_key.encode()):
            raise proxy_error(401, "Authentication Error, control endpoint needs the master key.", "auth_error")
        body = json.loads(raw_body) if raw_body else {}
        name = path[len("/__double__/"):]
        if method == "GET" and name == "state":
            return self.state()
        if method == "GET" and name == "calls":
            return [c.to_dict() for c in self.calls]
        if method == "POST" and name == "reset_calls":
            self.reset_calls()
            return {"ok": True}
        if method == "POST" and name == "clear_faults":
            self.clear_faults()
            return {"ok": True}
        if method == "POST" and name == "fault":
            fault = Fault(body.get("method", "*"), body["path"], body.get("action", "status"),
                          int(body.get("times", 1)), body.get("when", "before"), int(body.get("status", 503)),
                          float(body.get("seconds", 0.0)), body.get("retry_after"), body.get("body"))
            self._add_fault(fault)
            return {"ok": True}
        if method == "POST" and name == "settings":
            if "store_model_in_db" in body:
                self.store_model_in_db = bool(body["store_model_in_db"])
            if "db" in body or "not_ready_calls" in body:
                self.set_readiness(body.get("db", self._db), int(body.get("not_ready_calls", 0)))
            if "read_lag_reads" in body or "read_lag_seconds" in body:
                self.set_model_read_lag(int(body.get("read_lag_reads", 0)), float(body.get("read_lag_seconds", 0)))
            if "not_live_creates" in body:
                self.model_writes_not_live(int(body["not_live_creates"]), "create")
            if "not_live_updates" in body:
                self.model_writes_not_live(int(body["not_live_updates"]), "update")
            return {"ok": True}
        if method == "POST" and name == "edit":
            kind, ident = body["kind"], body["id"]
            fields = body.get("fields", {})
            if body.get("delete"):
                deleted = {"model": self.delete_model, "key": self.delete_key, "team": self.delete_team}[kind](ident)
                return {"ok": deleted}
            if kind == "model":
                return self.edit_model(ident, **fields)
            if kind == "key":
                return self.edit_key(ident, **fields)
            if kind == "team":
                return self.edit_team(ident, **fields)
            raise detail_error(400, f"unknown kind {kind!r}")
        raise detail_error(404, "Not Found")

    # ================================================================= models

    def _router_get(self, model_id: str, count_read: bool) -> dict[str, Any] | None:
        """The router's view of one model, applying a pending reload once its lag is used up."""
        pending = self._pending_router.get(model_id)
        if pending is not None:
            if pending.reads_left <= 0 and time.monotonic() >= pending.not_before:
                self._apply_pending(model_id)
            elif count_read:
                pending.reads_left -= 1
        return self._router.get(model_id)

    def _apply_pending(self, model_id: str) -> None:
        pending = self._pending_router.pop(model_id)
        if pending.row is None:
            self._router.pop(model_id, None)
        else:
            self._router[model_id] = copy.deepcopy(pending.row)

    def _router_all(self) -> dict[str, dict[str, Any]]:
        for model_id in list(self._pending_router):
            pending = self._pending_router[model_id]
            if pending.reads_left <= 0 and time.monotonic() >= pending.not_before:
                self._apply_pending(model_id)
        return self._router

    def _router_write(self, model_id: str, row: dict[str, Any] | None, force_lag: bool = False) -> None:
        reads = self._lag_reads
        if force_lag:
            reads = max(reads, 1)
        if reads <= 0 and self._lag_seconds <= 0:
            self._pending_router.pop(model_id, None)
            if row is None:
                self._router.pop(model_id, None)
            else:
                self._router[model_id] = copy.deepcopy(row)
            return
        self._pending_router[model_id] = _PendingRouterUpdate(
            copy.deepcopy(row) if row is not None else None, reads, time.monotonic() + self._lag_seconds)

    def _public_model(self, row: dict[str, Any]) -> dict[str, Any]:
        """One entry of /model/info: masked params, enriched model_info, public model name."""
        params = copy.deepcopy(row["litellm_params"])
        for name in DEFAULT_FALSE_PARAMS:
            params.setdefault(name, False)
        for name, value in list(params.items()):
            if isinstance(value, str) and value.startswith("os.environ/"):
                params[name] = self.environ.get(value[len("os.environ/"):], value)
        for name in self.hidden_model_params:
            params.pop(name, None)
        for name in REMOVED_ON_READ:
            params.pop(name, None)
        params = mask_params(params)

        stored_info = row["model_info"]
        info: dict[str, Any] = {
            "id": row["model_id"], "db_model": True, "member_auto_router": False,
            "key": str(row["litellm_params"].get("model", "")).split("/", 1)[-1],
            "litellm_provider": _provider_of(row["litellm_params"]), "mode": "chat",
            "max_tokens": None, "max_input_tokens": None, "max_output_tokens": None,
            "input_cost_per_token": None, "output_cost_per_token": None,
            "supports_function_calling": None, "supports_vision": None,
            "access_via_team_ids": [], "direct_access": True,
        }
        info.update(copy.deepcopy(stored_info))
        info["id"] = row["model_id"]
        info["blocked"] = row.get("blocked", False)
        for name, value in row["litellm_params"].items():
            if _is_pricing_key(name):
                info[name] = value
        model_name = row["model_name"]
        if stored_info.get("team_public_model_name"):
            model_name = stored_info["team_public_model_name"]
        return {"model_name": model_name, "litellm_params": params, "model_info": info}

    def _db_row_response(self, row: dict[str, Any]) -> dict[str, Any]:
        """What /model/new and PATCH return: the raw DB row with encrypted params."""
        out = copy.deepcopy(row)
        out["litellm_params"] = _encrypt_params(out["litellm_params"])
        return out

    def _require_store_model_in_db(self) -> None:
        if not self.store_model_in_db:
            raise proxy_error(500, _repr_error({"error": STORE_MODEL_MSG}), "auth_error")

    def _model_new(self, body: dict[str, Any], **_: Any) -> Any:
        self._require_store_model_in_db()
        for required in ("model_name", "litellm_params"):
            if required not in body:
                raise proxy_error(500, f"Deployment.__init__() missing 1 required positional argument: "
                                       f"'{required}'", "internal_server_error")
        params = body["litellm_params"]
        if not isinstance(params, dict) or "model" not in params:
            raise validation_error([_missing_field(["body", "litellm_params"], "model")])
        info_in = dict(body.get("model_info") or {})
        with self._lock:
            model_id = str(info_in.get("id") or uuid.uuid4())
            if model_id in self._models:
                raise proxy_error(500, "Failed to add model to db. Check your server logs for more details.",
                                  "internal_server_error")
            info = {k: copy.deepcopy(v) for k, v in info_in.items() if not _is_pricing_key(k) and v is not None}
            info["id"] = model_id
            info["db_model"] = True
            model_name = body["model_name"]
            team_id = info.get("team_id")
            if team_id:
                info["team_public_model_name"] = model_name
                model_name = f"model_name_{team_id}_{uuid.uuid4()}"
                team = self._teams.get(team_id)
                if team is not None and body["model_name"] not in team["models"]:
                    team["models"].append(body["model_name"])
            now = _iso(_now())
            row = {"model_id": model_id, "model_name": model_name,
                   "litellm_params": {k: copy.deepcopy(v) for k, v in params.items() if v is not None},
                   "model_info": info, "blocked": bool(body.get("blocked") or False),
                   "created_at": now, "created_by": PROXY_ADMIN_ID, "updated_at": now,
                   "updated_by": PROXY_ADMIN_ID}
            self._models[model_id] = row
            not_live = self._not_live["create"] > 0
            if not_live:
                self._not_live["create"] -= 1
            self._router_write(model_id, row, force_lag=not_live)
            self._save_state()
            if not_live:
                raise proxy_error(500, f"Model create was saved to the database, but the model id(s) "
                                       f"['{model_id}'] are not live in this pod's router. The router "
                                       f"will pick them up on its next reload.", "internal_server_error")
            return self._db_row_response(row)

    def _model_info(self, query: dict[str, str], **_: Any) -> Any:
        model_id = query.get("litellm_model_id")
        with self._lock:
            if model_id:
                row = self._router_get(model_id, count_read=True)
                if row is None:
                    raise detail_error(400, {"error": f"Model id = {model_id} not found on litellm proxy"})
                return {"data": [self._public_model(row)]}
            return {"data": [self._public_model(r) for r in self._router_all().values()]}

    def _model_info_v2(self, query: dict[str, str], **_: Any) -> Any:
        model_id = query.get("modelId")
        try:
            page = int(query.get("page", 1))
            size = int(query.get("size", 50))
        except ValueError:
            raise validation_error([{"type": "int_parsing", "loc": ["query", "page"],
                                     "msg": "Input should be a valid integer", "input": query.get("page")}])
        with self._lock:
            router = self._router_all()
            if self.v2_empty_router_shortcut and not router:
                entries: list[dict[str, Any]] = []
            elif model_id:
                row = self._router_get(model_id, count_read=False)
                if row is None:
                    if self._db == "Not connected":
                        raise detail_error(500, {"error": DB_NOT_CONNECTED})
                    row = self._models.get(model_id)
                entries = [self._public_model(row)] if row is not None else []
            else:
                entries = [self._public_model(r) for r in router.values()]
            total = len(entries)
            chunk = entries[(page - 1) * size: page * size]
            return {"data": chunk, "total_count": total, "current_page": page,
                    "total_pages": max(math.ceil(total / size), 1) if total else 0, "size": size}

    def _merge_model_patch(self, row: dict[str, Any], patch: dict[str, Any]) -> None:
        params_patch = patch.get("litellm_params")
        if isinstance(params_patch, dict):
            merged = dict(row["litellm_params"])
            effective = {name: False for name in DEFAULT_FALSE_PARAMS}
            effective.update(params_patch)
            for name, value in effective.items():
                if value is None:
                    if name in NULL_CLEARABLE_PARAMS:
                        merged.pop(name, None)
                        row["model_info"].pop(name, None)
                    continue
                merged[name] = copy.deepcopy(value)
            row["litellm_params"] = merged
        info_patch = patch.get("model_info")
        if isinstance(info_patch, dict):
            for name, value in info_patch.items():
                if name == "id":
                    continue
                if value is None:
                    if name in MIRRORED_PRICING:
                        row["model_info"].pop(name, None)
                        row["litellm_params"].pop(name, None)
                    continue
                if _is_pricing_key(name):
                    continue
                row["model_info"][name] = copy.deepcopy(value)
        if patch.get("model_name"):
            if row["model_info"].get("team_id"):
                row["model_info"]["team_public_model_name"] = patch["model_name"]
            else:
                row["model_name"] = patch["model_name"]
        if patch.get("blocked") is not None:
            row["blocked"] = bool(patch["blocked"])
        row["updated_at"] = _iso(_now())
        row["updated_by"] = PROXY_ADMIN_ID

    def _finish_model_update(self, model_id: str, row: dict[str, Any]) -> None:
        not_live = self._not_live["update"] > 0
        if not_live:
            self._not_live["update"] -= 1
        self._router_write(model_id, row, force_lag=not_live)
        self._save_state()
        if not_live:
            raise proxy_error(500, f"Model update was saved to the database, but the model id(s) "
                                   f"['{model_id}'] are not live in this pod's router. The router will "
                                   f"pick them up on its next reload.", "internal_server_error")

    def _model_patch(self, body: dict[str, Any], model_id: str, **_: Any) -> Any:
        if not self.store_model_in_db:
            raise proxy_error(400, "Model updates only supported for DB-stored models", "validation_error")
        with self._lock:
            row = self._models.get(model_id)
            if row is None:
                raise proxy_error(404, f"Model {model_id} not found on proxy.", "not_found_error")
            row = copy.deepcopy(row)
            self._merge_model_patch(row, body)
            self._models[model_id] = row
            self._finish_model_update(model_id, row)
            return self._db_row_response(row)

    def _model_update_legacy(self, body: dict[str, Any], **_: Any) -> Any:
        if not self.store_model_in_db:
            return None  # falls through the handler: 200 with a null body
        params = body.get("litellm_params")
        if not isinstance(params, dict):
            raise validation_error([_missing_field(["body"], "litellm_params")])
        model_id = (body.get("model_info") or {}).get("id")
        with self._lock:
            row = self._models.get(model_id) if model_id else None
            if row is None:
                raise proxy_error(400, "Authentication Error, model not found", "auth_error")
            row = copy.deepcopy(row)
            for name, value in params.items():
                if value is not None:  # null keeps the old value on this endpoint
                    row["litellm_params"][name] = copy.deepcopy(value)
            if body.get("model_name") and not row["model_info"].get("team_id"):
                row["model_name"] = body["model_name"]
            row["updated_at"] = _iso(_now())
            self._models[model_id] = row
            self._finish_model_update(model_id, row)
            return self._db_row_response(row)

    def _model_delete(self, body: dict[str, Any], **_: Any) -> Any:
        self._require_store_model_in_db()
        model_id = body.get("id")
        if not model_id:
            raise validation_error([_missing_field(["body"], "id")])
        with self._lock:
            row = self._models.pop(model_id, None)
            if row is None:
                raise proxy_error(400, _repr_error({"error": f"Model with id={model_id} not found in db"}),
                                  "auth_error")
            team_id = row["model_info"].get("team_id")
            public = row["model_info"].get("team_public_model_name")
            if team_id and public and team_id in self._teams:
                still_backed = any(r["model_info"].get("team_public_model_name") == public
                                   and r["model_info"].get("team_id") == team_id for r in self._models.values())
                if not still_backed and public in self._teams[team_id]["models"]:
                    self._teams[team_id]["models"].remove(public)
            self._router_write(model_id, None)
            self._save_state()
            return {"message": f"Model: {model_id} deleted successfully"}

    # ================================================================= keys

    @staticmethod
    def _new_raw_key() -> str:
        return "sk-" + secrets.token_urlsafe(16)

    def _check_alias_unique(self, alias: Any, exclude_token: str | None = None) -> None:
        if alias is None:
            return
        for token, row in self._keys.items():
            if token != exclude_token and row.get("key_alias") == alias:
                raise proxy_error(400, ALIAS_EXISTS.format(alias), "bad_request_error", "key_alias")

    @staticmethod
    def _check_budget_numbers(body: dict[str, Any], names: tuple[str, ...]) -> None:
        for name in names:
            value = body.get(name)
            if value is None:
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue  # type errors are the validator's business (422)
            if math.isnan(value) or math.isinf(value) or value < 0:
                raise proxy_error(400, f"{name} must be a finite, non-negative number; got {value}",
                                  "bad_request_error", name)

    def _key_row_defaults(self) -> dict[str, Any]:
        return {"key_name": None, "key_alias": None, "spend": 0.0, "max_budget": None, "expires": None,
                "models": [], "aliases": {}, "config": {}, "user_id": None, "team_id": None,
                "agent_id": None, "project_id": None, "organization_id": None, "max_parallel_requests": None,
                "metadata": {}, "tpm_limit": None, "rpm_limit": None, "tpd_limit": None,
                "budget_duration": None, "budget_reset_at": None, "allowed_cache_controls": [],
                "allowed_routes": [], "key_type": "default", "permissions": {}, "model_spend": {},
                "model_max_budget": {}, "budget_fallbacks": {}, "router_settings": {}, "soft_budget_cooldown": False,
                "blocked": None, "budget_id": None, "created_by": PROXY_ADMIN_ID, "updated_by": PROXY_ADMIN_ID,
                "last_active": None, "object_permission_id": None, "access_group_ids": [], "policies": [],
                "rotation_count": 0, "auto_rotate": False, "rotation_interval": None, "last_rotation_at": None,
                "key_rotation_at": None, "budget_limits": None}

    def _apply_soft_budget(self, row: dict[str, Any], soft_budget: Any) -> None:
        if soft_budget is None:
            if row.get("budget_id") in self._budgets:
                self._budgets[row["budget_id"]]["soft_budget"] = None
            return
        budget_id = row.get("budget_id")
        if not budget_id or budget_id not in self._budgets:
            budget_id = str(uuid.uuid4())
            now = _iso(_now())
            self._budgets[budget_id] = {"budget_id": budget_id, "soft_budget": None, "max_budget": None,
                                        "tpm_limit": None, "rpm_limit": None, "budget_duration": None,
                                        "created_at": now, "created_by": PROXY_ADMIN_ID,
                                        "updated_at": now, "updated_by": PROXY_ADMIN_ID}
            row["budget_id"] = budget_id
        self._budgets[budget_id]["soft_budget"] = soft_budget

    def _insert_key(self, raw: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        token = hash_token(raw)
        now = _now()
        row = self._key_row_defaults()
        metadata = dict(data.get("metadata") or {})
        for name in KEY_METADATA_FIELDS:
            if data.get(name) is not None:
                metadata[name] = copy.deepcopy(data[name])
        for name, value in data.items():
            if name not in KEY_REQUEST_FIELDS or name in ("key", "duration", "soft_budget", "metadata",
                                                          "send_invite_email") or name in KEY_METADATA_FIELDS:
                continue
            if name in row or value is not None:
                row[name] = copy.deepcopy(value)
        row["metadata"] = metadata
        row["token"] = token
        row["key_name"] = f"sk-...{raw[-4:]}" if len(raw) >= MIN_CUSTOM_KEY_LENGTH else "sk-..."
        row["spend"] = float(data.get("spend") or 0.0)
        row["models"] = list(data.get("models") or [])
        row["key_type"] = data.get("key_type") or "default"
        if row["key_type"] in KEY_TYPE_ROUTES:
            row["allowed_routes"] = list(KEY_TYPE_ROUTES[row["key_type"]])
        if data.get("duration") not in (None, "-1"):
            row["expires"] = _iso(now + parse_duration(data["duration"]))
        if data.get("budget_duration"):
            row["budget_reset_at"] = _iso(budget_reset_at(data["budget_duration"], now))
        row["created_at"] = row["updated_at"] = _iso(now)
        if "soft_budget" in data:
            self._apply_soft_budget(row, data["soft_budget"])
        self._keys[token] = row
        return token, row

    def _key_public(self, row: dict[str, Any], include_token: bool) -> dict[str, Any]:
        out = copy.deepcopy(row)
        if not include_token:
            out.pop("token", None)
        budget = self._budgets.get(row.get("budget_id") or "")
        out["litellm_budget_table"] = copy.deepcopy(budget) if budget else None
        out["status"] = self._key_status(row)
        return out

    @staticmethod
    def _key_status(row: dict[str, Any]) -> str:
        if row.get("deleted_at"):
            return "deleted"
        if row.get("blocked"):
            return "revoked"
        expires = row.get("expires")
        if expires and dt.datetime.fromisoformat(expires) < _now():
            return "expired"
        return "active"

    def _validate_key_body(self, body: dict[str, Any]) -> None:
        self._check_budget_numbers(body, ("max_budget", "soft_budget", "spend"))
        for name in ("duration", "budget_duration"):
            value = body.get(name)
            if value is not None and value != "-1":
                try:
                    parse_duration(value)
                except ValueError as exc:
                    raise proxy_error(400, str(exc), "bad_request_error", name)
        if not self.premium_user:
            if body.get("tags"):
                raise proxy_error(500, "Only premium users can add tags to keys. This feature is only "
                                       "available for LiteLLM Enterprise users.", "internal_server_error")
            for name in (*ENTERPRISE_KEY_FIELDS, "model_max_budget"):
                if body.get(name):
                    raise proxy_error(403, f"Setting `{name}` is only available for LiteLLM Enterprise users. "
                                           "This feature is only available for LiteLLM Enterprise users.",
                                      "auth_error", name)

    def _key_generate(self, body: dict[str, Any], **_: Any) -> Any:
        self._validate_key_body(body)
        custom = body.get("key")
        if custom is not None and (not str(custom).startswith("sk-") or len(str(custom)) < MIN_CUSTOM_KEY_LENGTH):
            raise proxy_error(400, f"Invalid key format. LiteLLM Virtual Key must start with 'sk-' and be at "
                                   f"least {MIN_CUSTOM_KEY_LENGTH} characters.", "bad_request_error", "key")
        with self._lock:
            self._check_alias_unique(body.get("key_alias"))
            raw = custom or self._new_raw_key()
            token = hash_token(raw)
            if token in self._keys:
                # Upsert with an empty update part: 200, nothing written, the response echoes the request.
                row = self._key_row_defaults()
                row.update({k: v for k, v in body.items() if k != "key" and k in KEY_REQUEST_FIELDS})
                row["token"] = token
            else:
                _, row = self._insert_key(raw, dict(body))
                self._save_state()
            response = {k: v for k, v in copy.deepcopy(row).items()}
            for name in ("budget_reset_at", "model_spend", "soft_budget_cooldown", "last_active"):
                response.pop(name, None)
            response.update({"key": raw, "token": token, "token_id": token,
                             "key_name": row.get("key_name") or f"sk-...{raw[-4:]}",
                             "duration": body.get("duration"), "litellm_budget_table":
                                 copy.deepcopy(self._budgets.get(row.get("budget_id") or "")) or None})
            for name in KEY_METADATA_FIELDS:
                response.setdefault(name, body.get(name))
            return response

    def _find_key_row(self, value: str) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
        token = hash_token(value)
        return token, self._keys.get(token), self._deleted_keys.get(token)

    def _key_info(self, query: dict[str, str], **_: Any) -> Any:
        value = query.get("key")
        if not value:
            raise proxy_error(400, "Pass the key (or its hash) as `key`; the master key has no key row.",
                              "bad_request_error", "key")
        with self._lock:
            _, row, archived = self._find_key_row(value)
            source = row or archived
            if source is None:
                raise proxy_error(404, "Key not found in database", "not_found_error", "key")
            return {"key": value, "info": self._key_public(source, include_token=False)}

    def _key_list(self, query: dict[str, str], **_: Any) -> Any:
        try:
            page = int(query.get("page", 1))
            size = int(query.get("size", 10))
        except ValueError:
            raise validation_error([{"type": "int_parsing", "loc": ["query", "page"],
                                     "msg": "Input should be a valid integer", "input": query.get("page")}])
        if page < 1 or not 1 <= size <= 100:
            raise validation_error([{"type": "less_than_equal" if size > 100 else "greater_than_equal",
                                     "loc": ["query", "size" if not 1 <= size <= 100 else "page"],
                                     "msg": "page must be >= 1 and size within 1..100", "input": size}])
        full = query.get("return_full_object", "false").lower() == "true"
        status_filter = query.get("status")
        with self._lock:
            rows = list(self._deleted_keys.values()) if status_filter == "deleted" else list(self._keys.values())
            def keep(row: dict[str, Any]) -> bool:
                alias = query.get("key_alias")
                if alias is not None:
                    if query.get("substring_matching", "false").lower() == "true":
                        if alias not in (row.get("key_alias") or ""):
                            return False
                    elif row.get("key_alias") != alias:
                        return False
                for name in ("user_id", "team_id", "organization_id", "project_id"):
                    if query.get(name) is not None and row.get(name) != query[name]:
                        return False
                if query.get("key_hash") is not None and row["token"] != hash_token(query["key_hash"]):
                    return False
                if status_filter and status_filter != "deleted" and self._key_status(row) != status_filter:
                    return False
                return True
            selected = sorted((r for r in rows if keep(r)), key=lambda r: r.get("created_at") or "")
            total = len(selected)
            chunk = selected[(page - 1) * size: page * size]
            keys = [self._key_public(r, include_token=True) if full else r["token"] for r in chunk]
            return {"keys": keys, "total_count": total, "current_page": page,
                    "total_pages": math.ceil(total / size) if total else 0}

    def _key_update(self, body: dict[str, Any], **_: Any) -> Any:
        self._validate_key_body(body)
        with self._lock:
            addressed = body.get("key")
            if addressed:
                token, row, _ = self._find_key_row(addressed)
                if row is None:
                    raise proxy_error(404, "Key not found.", "not_found_error", "key")
            elif "key_alias" in body and body["key_alias"] is not None:
                matches = [t for t, r in self._keys.items() if r.get("key_alias") == body["key_alias"]]
                if not matches:
                    raise proxy_error(404, f"Key with alias '{body['key_alias']}' not found.", "not_found_error",
                                      "key_alias")
                if len(matches) > 1:
                    raise proxy_error(400, f"Multiple keys share alias '{body['key_alias']}'; address the key "
                                           "by its hash.", "bad_request_error", "key_alias")
                token, row = matches[0], self._keys[matches[0]]
            else:
                raise validation_error([{"type": "value_error", "loc": ["body"],
                                         "msg": "Value error, Either 'key' or 'key_alias' must be provided",
                                         "input": body}])
            if addressed and "key_alias" in body:
                self._check_alias_unique(body["key_alias"], exclude_token=token)
            if "project_id" in body and body["project_id"] is not None and body["project_id"] != row.get("project_id"):
                raise proxy_error(400, "Project reassignment is not supported", "bad_request_error", "project_id")
            new_metadata = body.get("metadata")
            if new_metadata is not None:
                old_sa = (row.get("metadata") or {}).get("service_account_id")
                if old_sa is not None and new_metadata.get("service_account_id", old_sa) != old_sa:
                    raise proxy_error(400, "metadata.service_account_id cannot be changed once set",
                                      "bad_request_error", "metadata")
            now = _now()
            row = copy.deepcopy(row)
            for name, value in body.items():
                if name not in KEY_REQUEST_FIELDS or name in ("key", "duration", "soft_budget", "metadata",
                                                              "temp_budget_increase", "temp_budget_expiry") \
                        or name in KEY_METADATA_FIELDS:
                    continue
                if name == "budget_duration":
                    if value is None:
                        row["budget_duration"] = None
                        row["budget_reset_at"] = None
                    else:
                        if value != row.get("budget_duration") or not row.get("budget_reset_at"):
                            row["budget_reset_at"] = _iso(budget_reset_at(value, now))
                        row["budget_duration"] = value
                    continue
                row[name] = copy.deepcopy(value)
            if "key_type" in body and row.get("key_type") in KEY_TYPE_ROUTES:
                row["allowed_routes"] = list(KEY_TYPE_ROUTES[row["key_type"]])
            if "duration" in body:
                duration = body["duration"]
                row["expires"] = None if duration in (None, "-1") else _iso(now + parse_duration(duration))
            if "metadata" in body:
                old = row.get("metadata") or {}
                metadata = dict(new_metadata or {})
                for name in (*KEY_METADATA_FIELDS, "service_account_id", "logging"):
                    if name in old and name not in metadata:
                        metadata[name] = old[name]
                row["metadata"] = metadata
            for name in KEY_METADATA_FIELDS:
                if name in body:
                    row.setdefault("metadata", {})
                    if body[name] is None:
                        row["metadata"].pop(name, None)
                    else:
                        row["metadata"][name] = copy.deepcopy(body[name])
            if "soft_budget" in body:
                self._apply_soft_budget(row, body["soft_budget"])
            row["updated_at"] = _iso(now)
            row["updated_by"] = PROXY_ADMIN_ID
            self._keys[token] = row
            self._save_state()
            response = {"key": addressed if addressed else token}
            response.update(copy.deepcopy(row))
            return response

    def _archive_key(self, token: str, archive: bool = True) -> bool:
        row = self._keys.pop(token, None)
        if row is None:
            return False
        if archive:
            row["deleted_at"] = _iso(_now())
            row["deleted_by"] = PROXY_ADMIN_ID
            self._deleted_keys[token] = row
        return True

    def _cascade_delete_team_keys(self, team_ids: list[str]) -> None:
        for token in [t for t, r in self._keys.items() if r.get("team_id") in team_ids]:
            self._archive_key(token)

    def _key_delete(self, body: dict[str, Any], **_: Any) -> Any:
        keys = body.get("keys")
        aliases = body.get("key_aliases")
        if keys is None and aliases is None:
            raise validation_error([{"type": "value_error", "loc": ["body"],
                                     "msg": "Value error, Either keys or key_aliases must be provided",
                                     "input": body}])
        with self._lock:
            tokens = [hash_token(k) for k in keys or []]
            tokens += [t for t, r in self._keys.items() if aliases and r.get("key_alias") in aliases]
            present = [t for t in tokens if t in self._keys]
            if not present:
                raise proxy_error(404, _repr_error({"error": "No keys found"}), "not_found_error", "keys")
            for token in present:
                self._archive_key(token)
            self._save_state()
            return {"deleted_keys": keys if keys is not None else aliases}

    def _set_blocked(self, body: dict[str, Any], blocked: bool) -> Any:
        value = body.get("key")
        if not value:
            raise validation_error([_missing_field(["body"], "key")])
        with self._lock:
            token, row, _ = self._find_key_row(value)
            if row is None:
                raise proxy_error(404, f"Key not found: {token}", "not_found_error", "key")
            row["blocked"] = blocked
            row["updated_at"] = _iso(_now())
            self._save_state()
            return copy.deepcopy(row)

    def _key_block(self, body: dict[str, Any], **_: Any) -> Any:
        return self._set_blocked(body, True)

    def _key_unblock(self, body: dict[str, Any], **_: Any) -> Any:
        return self._set_blocked(body, False)

    # ================================================================= teams

    def _new_team_row(self, team_id: str, data: dict[str, Any]) -> dict[str, Any]:
        now = _now()
        members = []
        for member in data.get("members_with_roles") or []:
            members.append({"user_id": member.get("user_id"), "user_email": member.get("user_email"),
                            "role": member.get("role", "user")})
        if self.auto_add_proxy_admin_to_teams and not any(m["user_id"] == PROXY_ADMIN_ID for m in members):
            members.append({"user_id": PROXY_ADMIN_ID, "user_email": None, "role": "admin"})
        row: dict[str, Any] = {
            "team_id": team_id, "team_alias": None, "organization_id": None, "admins": [], "members": [],
            "members_with_roles": members, "team_member_permissions": [], "metadata": {}, "tpm_limit": None,
            "rpm_limit": None, "tpd_limit": None, "max_budget": None, "soft_budget": None,
            "budget_duration": None, "budget_limits": None, "models": [], "blocked": False,
            "router_settings": {}, "access_group_ids": [], "default_team_member_models": None, "spend": 0.0,
            "max_parallel_requests": None, "budget_reset_at": None, "model_id": None, "model_spend": {},
            "model_max_budget": {}, "policies": None, "litellm_model_table": None, "object_permission": None,
            "object_permission_id": None, "created_at": _iso(now), "updated_at": _iso(now),
        }
        metadata = dict(data.get("metadata") or {})
        for name in TEAM_METADATA_FIELDS:
            if data.get(name) is not None:
                metadata[name] = copy.deepcopy(data[name])
        for name, value in data.items():
            if name not in TEAM_REQUEST_FIELDS or name in ("team_id", "members_with_roles", "metadata") \
                    or name in TEAM_METADATA_FIELDS:
                continue
            if name in row or value is not None:
                row[name] = copy.deepcopy(value)
        row["metadata"] = metadata
        row["models"] = list(data.get("models") or [])
        row["blocked"] = bool(data.get("blocked") or False)
        if data.get("budget_duration"):
            row["budget_reset_at"] = _iso(budget_reset_at(data["budget_duration"], now))
        return row

    @staticmethod
    def _check_soft_budget(soft: Any, hard: Any) -> None:
        if soft is not None and hard is not None and soft >= hard:
            raise proxy_error(400, _repr_error({"error": f"soft_budget ({soft}) must be strictly lower than "
                                                         f"max_budget ({hard})"}), "bad_request_error",
                              "soft_budget")

    def _team_new(self, body: dict[str, Any], **_: Any) -> Any:
        self._check_budget_numbers(body, ("max_budget", "soft_budget"))
        self._check_soft_budget(body.get("soft_budget"), body.get("max_budget"))
        if body.get("model_max_budget") and not self.premium_user:
            raise proxy_error(403, "model_max_budget is only available for LiteLLM Enterprise users.",
                              "auth_error", "model_max_budget")
        if body.get("budget_duration"):
            try:
                parse_duration(body["budget_duration"])
            except ValueError as exc:
                raise proxy_error(400, str(exc), "bad_request_error", "budget_duration")
        with self._lock:
            team_id = body.get("team_id") or str(uuid.uuid4())
            if team_id in self._teams:
                raise proxy_error(400, _repr_error({"error": f"Team id = {team_id} already exists. Please use "
                                                             "a different team id."}), "bad_request_error",
                                  "team_id")
            row = self._new_team_row(team_id, body)
            self._teams[team_id] = row
            self._save_state()
            return copy.deepcopy(row)

    def _team_info(self, query: dict[str, str], **_: Any) -> Any:
        team_id = query.get("team_id")
        if not team_id:
            raise validation_error([_missing_field(["query"], "team_id")])
        with self._lock:
            row = self._teams.get(team_id)
            if row is None:
                raise proxy_error(404, _repr_error({"message": f"Team not found, passed team id: {team_id}."}),
                                  "not_found_error", "team_id")
            info = copy.deepcopy(row)
            info["team_member_budget_table"] = None
            info["caller_edit_access"] = True
            keys = [copy.deepcopy(k) for k in self._keys.values() if k.get("team_id") == team_id]
            return {"team_id": team_id, "team_info": info, "keys": keys, "team_memberships": []}

    def _team_not_found(self, team_id: str) -> ApiError:
        return proxy_error(404, _repr_error({"error": f"Team not found, passed team_id={team_id}"}),
                           "not_found_error", "team_id")

    def _apply_team_update(self, row: dict[str, Any], body: dict[str, Any], merge_metadata: bool) -> None:
        now = _now()
        for name, value in body.items():
            if name not in TEAM_REQUEST_FIELDS or name in ("team_id", "metadata", "members_with_roles", "admins",
                                                           "members") or name in TEAM_METADATA_FIELDS:
                continue
            if name == "budget_duration":
                if value is None:
                    row["budget_reset_at"] = None
                elif value != row.get("budget_duration") or not row.get("budget_reset_at"):
                    row["budget_reset_at"] = _iso(budget_reset_at(value, now))
            row[name] = copy.deepcopy(value)
        if "metadata" in body:
            old = row.get("metadata") or {}
            if merge_metadata:
                row["metadata"] = _merge_patch(old, body["metadata"] or {})
            else:
                metadata = dict(body["metadata"] or {})
                for name in (*TEAM_SYSTEM_METADATA, *TEAM_METADATA_FIELDS):
                    if name in old and name not in metadata:
                        metadata[name] = old[name]
                row["metadata"] = metadata
        for name in TEAM_METADATA_FIELDS:
            if name in body:
                row.setdefault("metadata", {})
                if body[name] is None:
                    row["metadata"].pop(name, None)
                else:
                    row["metadata"][name] = copy.deepcopy(body[name])
        row["updated_at"] = _iso(now)

    def _team_update(self, body: dict[str, Any], **_: Any) -> Any:
        team_id = body.get("team_id")
        if not team_id:
            raise validation_error([_missing_field(["body"], "team_id")])
        self._check_budget_numbers(body, ("max_budget", "soft_budget"))
        with self._lock:
            row = self._teams.get(team_id)
            if row is None:
                raise self._team_not_found(team_id)
            row = copy.deepcopy(row)
            self._apply_team_update(row, body, merge_metadata=False)
            self._check_soft_budget(row.get("soft_budget"), row.get("max_budget"))
            self._teams[team_id] = row
            self._save_state()
            return {"team_id": team_id, "data": copy.deepcopy(row)}

    def _team_patch(self, body: dict[str, Any], team_id: str, **_: Any) -> Any:
        if body.get("team_id") not in (None, team_id):
            raise proxy_error(400, "team_id in the body does not match the path", "bad_request_error", "team_id")
        self._check_budget_numbers(body, ("max_budget", "soft_budget"))
        with self._lock:
            row = self._teams.get(team_id)
            if row is None:
                raise self._team_not_found(team_id)
            row = copy.deepcopy(row)
            self._apply_team_update(row, body, merge_metadata=True)
            self._check_soft_budget(row.get("soft_budget"), row.get("max_budget"))
            self._teams[team_id] = row
            self._save_state()
            return copy.deepcopy(row)

    def _team_delete(self, body: dict[str, Any], **_: Any) -> Any:
        team_ids = body.get("team_ids")
        if not isinstance(team_ids, list):
            raise validation_error([_missing_field(["body"], "team_ids")])
        with self._lock:
            for team_id in team_ids:
                if team_id not in self._teams:
                    raise self._team_not_found(team_id)
            for team_id in team_ids:
                del self._teams[team_id]
            self._cascade_delete_team_keys(team_ids)
            self._save_state()
            return {"deleted_teams": team_ids}

    def _team_with_keys(self, row: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(row)
        out["keys"] = [copy.deepcopy(k) for k in self._keys.values() if k.get("team_id") == row["team_id"]]
        return out

    def _team_list(self, **_: Any) -> Any:
        with self._lock:
            return [self._team_with_keys(r) for r in self._teams.values()]

    def _team_list_v2(self, query: dict[str, str], **_: Any) -> Any:
        page = int(query.get("page", 1))
        page_size = int(query.get("page_size", 10))
        with self._lock:
            rows = [r for r in self._teams.values()
                    if all(query.get(n) is None or r.get(n) == query[n]
                           for n in ("team_alias", "team_id", "organization_id"))]
            total = len(rows)
            chunk = rows[(page - 1) * page_size: page * page_size]
            return {"teams": [self._team_with_keys(r) for r in chunk], "total": total, "page": page,
                    "page_size": page_size, "total_pages": math.ceil(total / page_size) if total else 0}


# --------------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    double: LiteLLMDouble
    protocol_version = "HTTP/1.1"
    server_version = "uvicorn"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # request lines could carry raw keys in query strings

    def _serve(self) -> None:
        self.double._handle(self)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def send_payload(self, status: int, payload: Any, headers: dict[str, str], raw: bool = False) -> None:
        if raw:
            data = str(payload).encode()
            content_type = "text/plain; charset=utf-8"
        else:
            data = json.dumps(payload).encode()
            content_type = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def drop_connection(self) -> None:
        # SO_LINGER 0 makes close() send RST: the client sees "connection reset", no response at all.
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True


# --------------------------------------------------------------------------------------------------
# Standalone process
# --------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="LiteLLM admin API test double")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--master-key", default=os.environ.get("LITELLM_DOUBLE_MASTER_KEY", "sk-test"),
                        help="defaults to $LITELLM_DOUBLE_MASTER_KEY (keeps it out of the process list)")
    parser.add_argument("--state-file")
    parser.add_argument("--no-store-model-in-db", action="store_true")
    parser.add_argument("--db", default="connected")
    parser.add_argument("--no-validate", action="store_true")
    args = parser.parse_args(argv)
    double = LiteLLMDouble(master_key=args.master_key, port=args.port, state_file=args.state_file,
                           store_model_in_db=not args.no_store_model_in_db, db=args.db,
                           validate=False if args.no_validate else None)
    double.start()
    print(double.url, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    double.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
