"""Secrets out of every message and log line: the admin client's errors, the command's output, the program's
Kubernetes reads. A leaf module, so every layer redacts the same way."""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Optional

REDACTED = "***"
_SK_VALUE = re.compile(r"sk-[A-Za-z0-9_\-]{4,}")
_BEARER = re.compile(r"(Bearer\s+)[^\s\"',}]+", re.IGNORECASE)
_SECRET_FIELD = re.compile(
    r"""(["']?(?:api_key|master_key|key|new_key|authorization|password|secret|client_secret|aws_secret_access_key)["']?"""
    r"""\s*[:=]\s*)(["'])(.*?)\2""",
    re.IGNORECASE,
)


def redact(text: Any, secrets: Iterable[Optional[str]] = ()) -> str:
    """`text` with known secrets (also as a repr or JSON string shows them), `sk-...` values, bearer tokens and
    api_key-like fields replaced by ***."""
    result = str(text)
    shown = {form for s in secrets if s and len(s) >= 4 for form in (s, repr(s)[1:-1], json.dumps(s)[1:-1])}
    for secret in sorted(shown, key=len, reverse=True):
        result = result.replace(secret, REDACTED)
    result = _SECRET_FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}{m.group(2)}", result)
    result = _BEARER.sub(lambda m: m.group(1) + REDACTED, result)
    return _SK_VALUE.sub("sk-" + REDACTED, result)
