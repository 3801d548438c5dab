"""Each kind's admin API calls as data: method, path, how the id is sent, how the answer is unwrapped.

A `Call` becomes a method of AdminClient named after its table entry (`api.team_new(body)`, `api.team_info(team_id)`,
`api.team_update(team_id, body)`, `api.team_delete(team_id)`). Lookups answer None for an object LiteLLM does not
have; deletes answer False when it was already gone. Where LiteLLM answers its own way, a named adapter sits beside
the kind's table. Free LiteLLM 1.108.7 endpoints only.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional
from urllib.parse import quote

from dynamic_providers.admin.errors import LiteLLMAdminError, absent_as_none

# An adapter wraps one call: adapter(api, send, object_id) -> answer, with send() making the request.
Adapter = Callable[[Any, Callable[[], Any], Optional[str]], Any]


def _answer(answer: Any, _object_id: Optional[str]) -> Any:
    return answer


def _or_empty(answer: Any, _object_id: Optional[str]) -> Any:
    return answer or {}


def _was_there(answer: Any, _object_id: Optional[str]) -> bool:
    return answer is not None


def _as_sent(_api: Any, send: Callable[[], Any], _object_id: Optional[str]) -> Any:
    return send()


@dataclass(frozen=True)
class Call:
    """One admin API call of a kind.

    `send_id`: where the object's id goes: "path" ({id} in `path`), "query:NAME", "body:NAME", "list:NAME" (a
    one-element list in the body), or "" (the body names the object). `body`: the call takes a body (the caller's
    fields; `wrap` puts them under one key, `fixed` adds fields always sent). `absent`: "not found" answers None.
    """

    method: str
    path: str
    send_id: str = ""
    body: bool = False
    wrap: Optional[str] = None
    fixed: Mapping[str, Any] = field(default_factory=dict)
    idempotent: bool = True
    ok: tuple[int, ...] = (200, 201)
    absent: bool = False
    unwrap: Callable[[Any, Optional[str]], Any] = _answer
    adapter: Adapter = _as_sent

    def run(self, api: Any, object_id: Optional[str], fields: Optional[Mapping[str, Any]]) -> Any:
        where, _, name = self.send_id.partition(":")
        path = self.path.format(id=quote(object_id, safe="")) if where == "path" else self.path
        params = {name: object_id} if where == "query" else None
        payload: Any = None
        if self.body or where in ("body", "list"):
            payload = dict(fields or {})
            if where == "body":
                payload[name] = object_id
            elif where == "list":
                payload[name] = [object_id]
            payload.update(self.fixed)
            if self.wrap:
                payload = {self.wrap: payload}

        def send() -> Any:
            return api.request(self.method, path, params=params, json=payload, idempotent=self.idempotent, ok=self.ok)

        def adapted() -> Any:
            return self.adapter(api, send, object_id)

        return self.unwrap(absent_as_none(adapted) if self.absent else adapted(), object_id)


def method_of(name: str, call: Call) -> Callable[..., Any]:
    """The AdminClient method of one table entry, with the arguments its shape takes."""
    if call.send_id and call.body:
        def method(self, object_id: str, body: Mapping[str, Any]) -> Any:
            return call.run(self, object_id, body)
    elif call.send_id:
        def method(self, object_id: str) -> Any:
            return call.run(self, object_id, None)
    else:
        def method(self, body: Mapping[str, Any]) -> Any:
            return call.run(self, None, body)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"{call.method} {call.path}"
    return method


def _inside(key: str) -> Callable[[Any, Optional[str]], Any]:
    """The answer's `key` object ({} when empty); None stays None (no such object)."""
    return lambda answer, _object_id: None if answer is None else (answer.get(key) or {})


def _row_with(id_key: str) -> Callable[[Any, Optional[str]], Any]:
    """The row of a listing answer whose `id_key` is the object's id, or None."""
    return lambda rows, object_id: next((r for r in rows or [] if isinstance(r, dict) and r.get(id_key) == object_id),
                                        None)


# litellm:Team ----------------------------------------------------------------------------------------------------
TEAM = {
    "team_new": Call("POST", "/team/new", body=True, idempotent=False),
    "team_info": Call("GET", "/team/info", "query:team_id", absent=True, unwrap=_inside("team_info")),
    "team_update": Call("PATCH", "/team/{id}", "path", body=True),
    "team_delete": Call("POST", "/team/delete", "list:team_ids", absent=True, unwrap=_was_there),
}


# litellm:User ----------------------------------------------------------------------------------------------------
def refuse_unknown_user(api: Any, send: Callable[[], Any], user_id: Optional[str]) -> Any:
    """`/user/update` on an unknown id CREATES the user: never resurrect one deleted by hand."""
    if api.user_info(user_id) is None:
        raise api.error("POST", "/user/update", 404, f"User {user_id} not found")
    return send()


USER = {
    # A user is made without a key: keys are resources of their own.
    "user_new": Call("POST", "/user/new", body=True, fixed={"auto_create_key": False}, idempotent=False),
    "user_info": Call("GET", "/v2/user/info", "query:user_id", absent=True),
    "user_update": Call("POST", "/user/update", "body:user_id", body=True, adapter=refuse_unknown_user),
    "user_delete": Call("POST", "/user/delete", "list:user_ids", absent=True, unwrap=_was_there),
}


# litellm:TeamMember ----------------------------------------------------------------------------------------------
def already_in_team_is_exists(api: Any, send: Callable[[], Any], _object_id: Optional[str]) -> Any:
    """LiteLLM says "already in team" with a 400: answered as the 409 "exists" it is."""
    try:
        return send()
    except LiteLLMAdminError as exc:
        if exc.status == 400 and exc.mentions("already in team"):
            raise api.error(exc.method, exc.endpoint, 409, f"team member already exists: {exc.message}") from None
        raise


TEAM_MEMBER = {
    "team_member_add": Call("POST", "/team/member_add", body=True, idempotent=False,
                            adapter=already_in_team_is_exists),
    "team_member_update": Call("POST", "/team/member_update", body=True),
}


# litellm:VirtualKey ----------------------------------------------------------------------------------------------
def hash_key(raw_key: str) -> str:
    """LiteLLM's id for a virtual key: sha256 of the raw `sk-...` value, hex."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


KEY = {
    "key_generate": Call("POST", "/key/generate", body=True, idempotent=False, unwrap=_or_empty),
    "key_update": Call("POST", "/key/update", body=True),
    # One key per call: LiteLLM answers 404 for a whole batch when one of them is gone.
    "key_delete": Call("POST", "/key/delete", "list:keys", absent=True, unwrap=_was_there),
}


# litellm:Model ---------------------------------------------------------------------------------------------------
MODEL = {
    "model_new": Call("POST", "/model/new", body=True, idempotent=False),
    "model_update": Call("PATCH", "/model/{id}/update", "path", body=True),
    "model_delete": Call("POST", "/model/delete", "body:id", absent=True, unwrap=_was_there),
}


# litellm:Credential: GET reads the answering pod's in-memory list (refreshed on the reload loop) -----------------
CREDENTIAL = {
    "credential_new": Call("POST", "/credentials", body=True, idempotent=False),
    "credential_info": Call("GET", "/credentials/by_name/{id}", "path", absent=True),
    "credential_update": Call("PATCH", "/credentials/{id}", "path", body=True),
    "credential_delete": Call("DELETE", "/credentials/{id}", "path", absent=True, unwrap=_was_there),
}


# litellm:Budget: LiteLLM answers "not found" with 200 `[]` (info) or 200 `null` (update, delete) -----------------
def null_is_not_found(api: Any, send: Callable[[], Any], budget_id: Optional[str]) -> Any:
    """`/budget/update` of an unknown budget answers 200 `null`: a 404, said LiteLLM's way."""
    answer = send()
    if answer is None:
        raise api.error("POST", "/budget/update", 404, f"budget {budget_id} not found (LiteLLM answered null)")
    return answer


BUDGET = {
    "budget_new": Call("POST", "/budget/new", body=True, idempotent=False),
    "budget_info": Call("POST", "/budget/info", "list:budgets", unwrap=_row_with("budget_id")),
    "budget_update": Call("POST", "/budget/update", "body:budget_id", body=True, adapter=null_is_not_found),
    "budget_delete": Call("POST", "/budget/delete", "body:id", unwrap=_was_there),
}


# litellm:Tag -----------------------------------------------------------------------------------------------------
def tag_status_inside_500(api: Any, send: Callable[[], Any], _object_id: Optional[str]) -> Any:
    """LiteLLM wraps every tag error in a 500 whose detail starts with the real status ("404: Tag x not found",
    "400: Tag x already exists"): unwrapped so the shared classification applies."""
    try:
        return send()
    except LiteLLMAdminError as exc:
        inner = re.match(r"^([1-5]\d\d): (.*)$", exc.message, re.DOTALL) if exc.status == 500 else None
        if inner is None:
            raise
        raise api.error(exc.method, exc.endpoint, int(inner.group(1)), inner.group(2),
                        error_type=exc.error_type, hint=exc.hint) from None


TAG = {
    "tag_new": Call("POST", "/tag/new", body=True, idempotent=False, adapter=tag_status_inside_500),
    "tag_info": Call("POST", "/tag/info", "list:names", absent=True, adapter=tag_status_inside_500,
                     unwrap=lambda found, name: None if found is None else found.get(name)),
    "tag_update": Call("POST", "/tag/update", body=True, adapter=tag_status_inside_500),
    "tag_delete": Call("POST", "/tag/delete", "body:name", absent=True, adapter=tag_status_inside_500,
                       unwrap=_was_there),
}


# litellm:Guardrail -----------------------------------------------------------------------------------------------
def unique_name_taken(column: str, what: str) -> Adapter:
    """The adapter for a kind whose taken name is a 500 "Unique constraint failed on ... (`column`)": answered as the
    400 it is (`what` names the kind in the message)."""
    def adapter(api: Any, send: Callable[[], Any], _object_id: Optional[str]) -> Any:
        try:
            return send()
        except LiteLLMAdminError as exc:
            if exc.status == 500 and exc.mentions("unique constraint") and exc.mentions(column):
                raise api.error(exc.method, exc.endpoint, 400, f"{what} name already exists: {exc.message}",
                                error_type=exc.error_type) from None
            raise
    return adapter


guardrail_name_taken = unique_name_taken("guardrail_name", "guardrail")


def without_masked_api_key(found: Any, _object_id: Optional[str] = None) -> Any:
    """A read guardrail without its `api_key`: LiteLLM shows it masked (`gr****56`), and a PUT of the mask would
    store the mask as the key, so no read value may ever be sent back."""
    if not isinstance(found, dict) or not isinstance(found.get("litellm_params"), dict):
        return found
    return {**found, "litellm_params": {k: v for k, v in found["litellm_params"].items() if k != "api_key"}}


GUARDRAIL = {
    # The create answer echoes the key in clear: the provider keeps only its id.
    "guardrail_new": Call("POST", "/guardrails", body=True, wrap="guardrail", idempotent=False,
                          adapter=guardrail_name_taken, unwrap=_or_empty),
    "guardrail_get": Call("GET", "/guardrails/{id}", "path", absent=True, unwrap=without_masked_api_key),
    "guardrail_put": Call("PUT", "/guardrails/{id}", "path", body=True, wrap="guardrail",
                          adapter=guardrail_name_taken),
    "guardrail_delete": Call("DELETE", "/guardrails/{id}", "path", absent=True, unwrap=_was_there),
}


# litellm:McpServer: the id goes in the body of a PUT, and the writes answer 201/202 ----------------------------
def empty_answer_is_done(_api: Any, send: Callable[[], Any], _object_id: Optional[str]) -> Any:
    """The delete answers 202/204 without a body: deleted all the same."""
    return send() or True


MCP_SERVER = {
    "mcp_server_new": Call("POST", "/v1/mcp/server", body=True, idempotent=False, ok=(200, 201)),
    "mcp_server_get": Call("GET", "/v1/mcp/server/{id}", "path", absent=True),
    "mcp_server_update": Call("PUT", "/v1/mcp/server", "body:server_id", body=True, ok=(200, 202)),
    "mcp_server_delete": Call("DELETE", "/v1/mcp/server/{id}", "path", ok=(200, 202, 204), absent=True,
                              adapter=empty_answer_is_done, unwrap=_was_there),
}


# litellm:SearchTool: the create and update answers echo the api key in clear; reads show it masked --------------
def without_clear_api_key(answer: Any, _object_id: Optional[str] = None) -> Any:
    """A write's answer without the `api_key` it echoes in clear: the key never leaves the client."""
    if not isinstance(answer, dict) or not isinstance(answer.get("litellm_params"), dict):
        return answer or {}
    return {**answer, "litellm_params": {k: v for k, v in answer["litellm_params"].items() if k != "api_key"}}


search_tool_name_taken = unique_name_taken("search_tool_name", "search tool")
SEARCH_TOOL = {
    "search_tool_new": Call("POST", "/search_tools", body=True, wrap="search_tool", idempotent=False,
                            adapter=search_tool_name_taken, unwrap=without_clear_api_key),
    "search_tool_get": Call("GET", "/search_tools/{id}", "path", absent=True),
    # PUT replaces the whole tool: the body is always the full desired tool, with the key.
    "search_tool_put": Call("PUT", "/search_tools/{id}", "path", body=True, wrap="search_tool",
                            adapter=search_tool_name_taken, unwrap=without_clear_api_key),
    "search_tool_delete": Call("DELETE", "/search_tools/{id}", "path", absent=True, unwrap=_was_there),
}

# litellm:UnifiedAccessGroup: a create answers 201, a delete 204 without a body; a taken name is a 409 ------------
UNIFIED_ACCESS_GROUP = {
    "access_group_new": Call("POST", "/v1/access_group", body=True, idempotent=False, ok=(200, 201)),
    "access_group_get": Call("GET", "/v1/access_group/{id}", "path", absent=True),
    "access_group_update": Call("PUT", "/v1/access_group/{id}", "path", body=True),
    "access_group_delete": Call("DELETE", "/v1/access_group/{id}", "path", ok=(200, 204), absent=True,
                                adapter=empty_answer_is_done, unwrap=_was_there),
}

ENDPOINTS: dict[str, Call] = {**TEAM, **USER, **TEAM_MEMBER, **KEY, **MODEL, **CREDENTIAL, **BUDGET, **TAG,
                              **GUARDRAIL, **MCP_SERVER, **SEARCH_TOOL, **UNIFIED_ACCESS_GROUP}


class KindCalls:
    """The table's calls as methods (added below), and the calls whose shape no table row has (two ids, a listing)."""

    def absent_as_none(self, call):
        return absent_as_none(call)

    def team_member_delete(self, team_id: str, user_id: str) -> bool:
        return absent_as_none(lambda: self.post("/team/member_delete", {"team_id": team_id, "user_id": user_id},
                                                idempotent=True)) is not None

    def budget_row_delete(self, budget_id: Optional[str]) -> None:
        """Remove the budget row LiteLLM made for an object it has just deleted (a tag, a team membership)."""
        if budget_id:
            absent_as_none(lambda: self.budget_delete(budget_id))

    # litellm:Fallback: one (model, fallback_type) rule of the proxy's router_settings
    def fallback_set(self, model: str, fallback_type: str, targets: list[str]) -> Any:
        body = {"model": model, "fallback_type": fallback_type, "fallback_models": list(targets)}
        return self.post("/fallback", body, idempotent=True)  # an upsert: safe to repeat

    def fallback_get(self, model: str, fallback_type: str) -> Optional[list[str]]:
        """The rule's targets as this pod's router holds them, or None when there is none."""
        found = absent_as_none(lambda: self.get(f"/fallback/{quote(model, safe='')}", {"fallback_type": fallback_type}))
        return None if found is None else list(found.get("fallback_models") or [])

    def fallback_delete(self, model: str, fallback_type: str) -> bool:
        return absent_as_none(lambda: self.request("DELETE", f"/fallback/{quote(model, safe='')}",
                                                   params={"fallback_type": fallback_type})) is not None


for _name, _call in ENDPOINTS.items():
    setattr(KindCalls, _name, method_of(_name, _call))
