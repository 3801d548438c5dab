"""Shared pieces of the litellm:VirtualKey tests: the inputs of a key, and looks at the proxy behind the fault proxy."""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

from tests.support.providers import connection, created

# check and diff never call LiteLLM: no server behind this URL.
OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")


def news_for(api, **fields):
    return connection(api, **{
        "key_alias": "alice", "models": ["granite-8b-instruct"], "max_budget": 25.0, "soft_budget": 20.0,
        "budget_duration": "30d", "duration": "90d", "tpm_limit": 10000, "metadata": {"owner": "alice"}, **fields})


def changed(inputs, **changes):
    news = {**inputs, **changes}
    return {k: v for k, v in news.items() if v is not None}


def create(provider, api, **fields):
    return created(provider, news_for(api, **fields))


def sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def key_info(backend, token):
    """`/key/info` as LiteLLM answers it; a deleted key answers 200 with `"status": "deleted"`."""
    return backend.admin_json("GET", "/key/info", params={"key": token})["info"]


def live_tokens(backend, alias=None):
    where = f"""WHERE key_alias = '{alias}'""" if alias else ""
    return sorted(row[0] for row in backend.db.rows(f'SELECT token FROM "LiteLLM_VerificationToken" {where}'))


def deleted_tokens(backend):
    return sorted(row[0] for row in backend.db.rows('SELECT token FROM "LiteLLM_DeletedVerificationToken"'))


def instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def admin_calls(api):
    return [c for c in api.calls if not c.path.startswith("/health")]
