"""One exception type for every failed admin API call, classified once, and the redaction of secrets from every
message and log line.

`LiteLLMAdminError` carries method, endpoint, status and the server's message parsed from LiteLLM's three error
envelopes (or a non-JSON body). Providers ask it what happened (`not_found`, `already_exists`, `enterprise_only`,
`settled`, ...) instead of reading status codes.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Iterable, Optional

import requests

from litemaas_common.redaction import REDACTED, redact  # noqa: F401  (re-exported)

log = logging.getLogger("litemaas.litellm_admin")


class _RedactingFilter(logging.Filter):
    """Last line of defence: whatever a log call formats, `sk-...` values and api_key fields are masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


log.addFilter(_RedactingFilter())

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


def absent_as_none(call):
    """`call()`, or None when LiteLLM answers that the object does not exist (lookups and deletes of gone objects)."""
    try:
        return call()
    except LiteLLMAdminError as exc:
        if exc.not_found:
            return None
        raise
