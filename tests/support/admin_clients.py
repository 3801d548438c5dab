"""Admin clients for the transport tests: a fault proxy in front of the real LiteLLM proxy, and what to look at."""

from __future__ import annotations

import uuid

from dynamic_providers.admin_client import AdminClient, Connection


def connect(api, *, url: str | None = None, key: str | None = None, request_timeout: float = 5.0,
            readiness_timeout: float = 5.0, verify_tls: bool = True, **transport) -> AdminClient:
    """A client for `api` (a fault proxy in front of the real proxy) with its master key unless `key`; `url`
    addresses it another way (a routed host name, an https:// URL)."""
    return AdminClient(Connection(admin_url=url or api.url, master_key=key or api.backend.master_key,
                                  request_timeout=request_timeout, readiness_timeout=readiness_timeout,
                                  verify_tls=verify_tls, **transport))


def team_exists(api, team_id: str) -> bool:
    return api.backend.db.rows(f"""SELECT count(*) FROM "LiteLLM_TeamTable" WHERE team_id = '{team_id}'""") == [["1"]]


def unique_team() -> str:
    return f"team-{uuid.uuid4().hex[:8]}"
