"""Access groups on the real LiteLLM proxy: a model carries its groups (`model_info.access_groups`, owned by the
litellm:Model resource), a key grants the group by name, and a model added to the group later is reachable with
the key unchanged; leaving a group is an in-place update; hand edits show as drift."""

from __future__ import annotations

import uuid

import pytest
import requests

from dynamic_providers.model import ModelProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.providers import checked, connection, created, next_program_inputs

pytestmark = pytest.mark.usefixtures("fast_retries")


def model_news(api, name, groups=None):
    info = {"mode": "chat", **({"access_groups": groups} if groups else {})}
    return connection(api, model_name=name, model="openai/gpt-4o", api_key="sk-unused",
                      extra_params={"mock_response": f"hi from {name}"}, model_info=info)


def chat(backend, key, model):
    return requests.post(f"{backend.url}/v1/chat/completions", timeout=60, headers={"Authorization": f"Bearer {key}"},
                         json={"model": model, "messages": [{"role": "user", "content": "hello"}]}).status_code


def test_a_model_added_to_the_group_later_reaches_the_key_unchanged(litellm_api):
    backend, models, keys = litellm_api.backend, ModelProvider(), VirtualKeyProvider()
    uid = uuid.uuid4().hex[:8]
    group, first, later = f"grp-{uid}", f"ag-a-{uid}", f"ag-b-{uid}"
    _, first_id, _ = created(models, model_news(litellm_api, first, [group]))
    later_inputs, later_id, later_outs = created(models, model_news(litellm_api, later))
    _, _, key = created(keys, connection(litellm_api, key_alias=f"k-{uid}", models=[group]))
    raw = key["key"]
    assert chat(backend, raw, first) == 200
    assert chat(backend, raw, later) in (401, 403)

    # one change, on the model only: it joins the group; the key is not touched
    joined = checked(models, later_outs, next_program_inputs(later_inputs, "model_id",
                                                              model_info={"mode": "chat", "access_groups": [group]}))
    diff = models.diff(later_id, later_outs, joined)
    assert diff.changes and diff.replaces == []
    joined_outs = models.update(later_id, later_outs, joined).outs
    assert chat(backend, raw, later) == 200

    # drift: removed from the group by hand (admin API) -> refresh shows it
    backend.admin_json("PATCH", f"/model/{later_id}/update", json={"model_info": {"access_groups": []}})
    read = models.read(later_id, joined_outs)
    assert read.outs["model_info"].get("access_groups") in (None, [])
    models.update(later_id, read.outs, joined)  # `up` puts it back
    assert chat(backend, raw, later) == 200

    # leaving the group (the stack drops access_groups from model_info) updates in place and revokes access
    left = checked(models, joined_outs, next_program_inputs(later_inputs, "model_id", model_info={"mode": "chat"}))
    diff = models.diff(later_id, joined_outs, left)
    assert diff.changes and diff.replaces == []
    models.update(later_id, joined_outs, left)
    info = backend.admin_json("GET", "/model/info", params={"litellm_model_id": later_id})["data"][0]["model_info"]
    assert not info.get("access_groups")
    assert chat(backend, raw, later) in (401, 403)
    assert chat(backend, raw, first) == 200


def test_a_team_granted_the_group_admits_its_keys_to_a_model_added_later(litellm_api):
    from dynamic_providers.team import TeamProvider

    backend, models, keys, teams = litellm_api.backend, ModelProvider(), VirtualKeyProvider(), TeamProvider()
    uid = uuid.uuid4().hex[:8]
    group, first, later = f"tgrp-{uid}", f"tg-a-{uid}", f"tg-b-{uid}"
    created(models, model_news(litellm_api, first, [group]))
    later_inputs, later_id, later_outs = created(models, model_news(litellm_api, later))
    _, team_id, _ = created(teams, connection(litellm_api, team_alias=f"t-{uid}", models=[group]))
    _, _, key = created(keys, connection(litellm_api, key_alias=f"tk-{uid}", models=[group], team_id=team_id))
    assert chat(backend, key["key"], first) == 200
    assert chat(backend, key["key"], later) in (401, 403)
    joined = checked(models, later_outs, next_program_inputs(later_inputs, "model_id",
                                                              model_info={"mode": "chat", "access_groups": [group]}))
    models.update(later_id, later_outs, joined)
    assert chat(backend, key["key"], later) == 200
