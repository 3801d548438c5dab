"""Reads that are no kind's CRUD: the lookups by name or owner that providers use to find and confirm objects, and
the typed reads of the `litemaas` command (free LiteLLM 1.108.7 endpoints only)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from dynamic_providers.admin.endpoints import without_masked_api_key
from dynamic_providers.admin.errors import absent_as_none


class Reads:
    """Lookups and listings of an AdminClient (which supplies `get`)."""

    # lookups of the providers ---------------------------------------------------------------------------------
    def teams_with_alias(self, alias: str) -> list[dict[str, Any]]:
        """The teams named `alias` exactly (LiteLLM's filter matches parts of names)."""
        listing = self.get("/v2/team/list", {"team_alias": alias, "page_size": 100}) or {}
        return [t for t in listing.get("teams") or [] if isinstance(t, dict) and t.get("team_alias") == alias]

    def team_members(self, team_id: str) -> Optional[dict[str, Any]]:
        """`/team/info` as members: `members_with_roles` (roles) and `team_memberships` (budgets); None: no team."""
        found = absent_as_none(lambda: self.get("/team/info", {"team_id": team_id}))
        if found is None:
            return None
        return {"members_with_roles": (found.get("team_info") or {}).get("members_with_roles") or [],
                "team_memberships": found.get("team_memberships") or []}

    def team_object_permission(self, team_id: str) -> dict[str, Any]:
        """A team's grants (`object_permission`), which `/team/info` shows and `/team/list` does not ({}: none)."""
        found = absent_as_none(lambda: self.get("/team/info", {"team_id": team_id})) or {}
        return (found.get("team_info") or {}).get("object_permission") or {}

    def team_keys(self, team_id: str, size: int = 10) -> dict[str, Any]:
        """The first `size` keys of a team (expired ones included) and `total_count`."""
        return self.get("/key/list", {"team_id": team_id, "return_full_object": "true", "size": size}) or {}

    def user_keys(self, user_id: str, size: int = 10) -> dict[str, Any]:
        """The first `size` keys of a user (expired ones included) and `total_count`."""
        return self.get("/key/list", {"user_id": user_id, "return_full_object": "true", "size": size}) or {}

    def keys_with_alias(self, alias: str, size: int = 10) -> list[dict[str, Any]]:
        listing = self.get("/key/list", {"key_alias": alias, "return_full_object": "true", "size": size}) or {}
        return [row for row in listing.get("keys") or [] if isinstance(row, dict)]

    def model_in_router(self, model_id: str) -> Optional[dict[str, Any]]:
        """The model as the answering pod's router holds it (`/model/info`), or None."""
        data = absent_as_none(lambda: self.get("/model/info", {"litellm_model_id": model_id}))
        rows = (data or {}).get("data") or []
        return next((r for r in rows if (r.get("model_info") or {}).get("id") == model_id), rows[0] if rows else None)

    def model_in_database(self, model_id: str) -> Optional[dict[str, Any]]:
        """The model from `/v2/model/info`, which falls back to the database for models the router lacks."""
        rows = (self.get("/v2/model/info", {"modelId": model_id}) or {}).get("data") or []
        return next((r for r in rows if (r.get("model_info") or {}).get("id") == model_id), None)

    def router_model_count(self) -> int:
        return int((self.get("/v2/model/info", {"page": 1, "size": 1}) or {}).get("total_count") or 0)

    def guardrail_named(self, name: str) -> Optional[dict[str, Any]]:
        """The database guardrail with this name (`/v2/guardrails/list`; the v1 list shows config ones only)."""
        rows = (self.get("/v2/guardrails/list") or {}).get("guardrails") or []
        return without_masked_api_key(next((r for r in rows if isinstance(r, dict) and r.get("guardrail_name") == name
                                             and r.get("guardrail_definition_location", "db") == "db"), None))

    def search_tool_named(self, name: str) -> Optional[dict[str, Any]]:
        """The database search tool with this name (`/search_tools/list`, which shows config ones too, without id)."""
        rows = (self.get("/search_tools/list") or {}).get("search_tools") or []
        return next((r for r in rows if isinstance(r, dict) and r.get("search_tool_name") == name
                     and not r.get("is_from_config")), None)

    def vector_store_in_database(self, store_id: str) -> Optional[dict[str, Any]]:
        """The database vector store with this id (`/vector_store/list` reads the table; `/vector_store/info` answers
        from the pod's registry first, which a write through another pod never updates)."""
        rows = self._pages("/vector_store/list", {}, "data", size_param="page_size", size=100)
        return next((r for r in rows if isinstance(r, dict) and r.get("vector_store_id") == store_id
                     and not r.get("is_config")), None)

    def access_group_named(self, name: str) -> Optional[dict[str, Any]]:
        """The unified access group with this name (`GET /v1/access_group` lists them all; names are unique)."""
        rows = self.get("/v1/access_group") or []
        return next((r for r in rows if isinstance(r, dict) and r.get("access_group_name") == name), None)

    # typed reads of the `litemaas` command --------------------------------------------------------------------
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
