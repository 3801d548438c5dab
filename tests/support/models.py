"""Shared pieces of the litellm:Model tests: the inputs of a model, and looks at the proxy behind the fault proxy."""

from __future__ import annotations

import types
import uuid

from tests.support.providers import connection, created, next_program_inputs

UPSTREAM_KEY = "upstream-api-key-0123456789"
# check and diff never call the server: their inputs name one that is not there.
OFFLINE = types.SimpleNamespace(url="http://127.0.0.1:9", backend=types.SimpleNamespace(master_key="sk-offline-0123"))


def news_for(api, **fields):
    return connection(api, **{
        "model_name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
        "api_base": "https://granite.apps.example.com/v1", "api_key": UPSTREAM_KEY, "rpm": 60,
        "model_info": {"mode": "chat"}, **fields})


def program(inputs, **changes):
    return next_program_inputs(inputs, "model_id", **changes)


def create(provider, api, **fields):
    return created(provider, news_for(api, **fields))


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def served(api, model_id):
    """The model as the proxy serves it (`/model/info`, decrypted, secrets removed or masked), or None."""
    answer = api.backend.admin("GET", "/model/info", params={"litellm_model_id": model_id})
    if answer.status_code == 400 and "not found" in answer.text:
        return None
    answer.raise_for_status()
    return answer.json()["data"][0]


def stored_ids(api):
    return sorted(row[0] for row in api.backend.db.rows('SELECT model_id FROM "LiteLLM_ProxyModelTable"'))


def seed_model(api, model_name, litellm_params, model_id=None):
    """A model made by hand through the admin API (the admin UI does the same), bypassing the fault proxy."""
    model_id = model_id or unique("hand")
    api.backend.admin_json("POST", "/model/new", json={"model_name": model_name, "litellm_params": litellm_params,
                                                       "model_info": {"id": model_id}})
    return model_id


def edit_model(api, model_id, **body):
    api.backend.admin_json("PATCH", f"/model/{model_id}/update", json=body)


def delete_model(api, model_id):
    api.backend.admin_json("POST", "/model/delete", json={"id": model_id})
