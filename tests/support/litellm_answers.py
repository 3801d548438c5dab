"""Answers of the real LiteLLM 1.108.7 proxy that the session's proxy cannot be made to give on demand.

The fault proxy sends them in its place (`litellm_api.fail(..., body=...)`). Each is copied from the proxy's
source, named where it comes from, so a test sees what production would answer.
"""

from __future__ import annotations

from typing import Any


def readiness(db: str) -> dict[str, Any]:
    """`GET /health/readiness`: 200 with "connected" / "Not connected" (no DATABASE_URL), 503 with
    "disconnected" / "stalled" (health_endpoints/_health_endpoints.py `_resolve_public_readiness_db`)."""
    return {"status": "healthy", "db": db}


# POST /model/new, /model/delete and friends with STORE_MODEL_IN_DB off: an HTTPException turned into a
# ProxyException (management_endpoints/model_management_endpoints.py). Status 500.
STORE_MODEL_IN_DB_OFF = {"error": {
    "message": "{'error': \"Set `'STORE_MODEL_IN_DB='True'` in your env to enable this feature.\"}",
    "type": "auth_error", "param": "None", "code": "500"}}


def model_not_on_this_pod(model_id: str) -> dict[str, Any]:
    """`GET /model/info` (status 400) from a pod whose router has not loaded the model yet."""
    return {"detail": {"error": f"Model id = {model_id} not found on litellm proxy"}}


def empty_router_page(size: int = 50) -> dict[str, Any]:
    """`GET /v2/model/info` from a pod whose router holds no models: empty without looking at the DB."""
    return {"data": [], "total_count": 0, "current_page": 1, "total_pages": 0, "size": size}


def model_saved_not_live(model_id: str, action: str = "create") -> dict[str, Any]:
    """The 500 of a model write that is saved but not served by this pod's router after the reload
    (model_management_endpoints.py `raise_if_reload_degraded_serving`); `action` is "create" or "update"."""
    return {"error": {
        "message": f"Model {action} was saved to the database, but the model id(s) ['{model_id}'] are not live in "
                   "this pod's router after the reload and are not being served by this pod. Other pods reload on "
                   "their own interval. Check server logs for 'Error upserting deployment' or 'Error creating "
                   "deployment' for the cause.",
        "type": "internal_server_error", "param": None, "code": "500"}}
