"""litellm:VirtualKey day 2 against the real LiteLLM proxy: state written before day 2, expiry and renewal,
rotation (a strategy of the key kind) and adoption. State is inspected with real admin reads and SQL."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers import key_lifecycle, virtual_key
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.keys import (
    OFFLINE,
    admin_calls,
    changed,
    create,
    deleted_tokens,
    instant,
    key_info,
    live_tokens,
    news_for,
    sha256,
)
from tests.support.providers import TEST_STACK, checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def provider():
    return VirtualKeyProvider()


# --- day 2: state compatibility, expiry, rotation, adoption ------------------------------------------

DAY2_NAMES = ("rotation", "rotate_every", "rotation_grace_period", "renew", "adopt", "token_hash", "issued_at",
              "rotation_due", "renewal_due", "expired", "held_by_user", "retired")


def before_day2(props):
    """State as the provider wrote it before day 2: none of the new inputs or outputs."""
    return {k: v for k, v in props.items() if k not in DAY2_NAMES}


def program_inputs(api, **fields):
    """What VirtualKey sends from the program now: the day-2 inputs with their defaults."""
    return news_for(api, **{"renew": False, "adopt": False, **fields})


def works(backend, raw) -> bool:
    """The user's own check (`GET /key/info` with the key as the Bearer token) succeeds."""
    return backend.admin("GET", "/key/info", key=raw).status_code == 200


def alias_of(backend, token):
    return key_info(backend, token)["key_alias"]


def test_state_written_before_day2_has_no_diff(provider, litellm_api):
    old_inputs, token, outs = create(provider, litellm_api)
    old_inputs, old_outs = before_day2(old_inputs), before_day2(outs)
    news = checked(provider, old_inputs, program_inputs(litellm_api))
    assert news.get("rotation_due") is None and news.get("renewal_due") is None
    assert provider.diff(token, old_outs, news).changes is False
    refreshed = provider.read(token, old_outs)
    assert not refreshed.outs.get("expired") and refreshed.outs["issued_at"]  # from the key's created_at
    again = checked(provider, refreshed.inputs, program_inputs(litellm_api))
    assert provider.diff(token, refreshed.outs, again).changes is False


def test_expired_key_is_shown_on_refresh_and_renew_extends_it(provider, litellm_api):
    backend = litellm_api.backend
    inputs, token, outs = create(provider, litellm_api, duration="2s")
    assert not outs.get("expired") and works(backend, outs["key"])
    time.sleep(2.5)
    assert not works(backend, outs["key"])  # LiteLLM's own expiry
    read = provider.read(token, outs)
    assert read.outs["expired"] is True and read.inputs["expired"] is True

    # Without renew: nothing to do on `up`, the key stays expired.
    kept = checked(provider, read.inputs, program_inputs(litellm_api, duration="2s"))
    assert "renewal_due" not in kept and provider.diff(token, read.outs, kept).changes is False

    news = checked(provider, read.inputs, program_inputs(litellm_api, duration="1h", renew=True))
    assert "expired" in news["renewal_due"] and "1h" in news["renewal_due"]  # what the preview shows
    assert provider.diff(token, read.outs, news).changes is True
    litellm_api.reset_calls()
    renewed = provider.update(token, read.outs, news)
    assert [(c.path, c.body) for c in admin_calls(litellm_api)] == [("/key/update", {"key": token, "duration": "1h"})]
    left = instant(renewed.outs["expires"]) - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(minutes=59) < left <= dt.timedelta(hours=1) and not renewed.outs.get("expired")
    assert works(backend, outs["key"]) and renewed.outs["key"] == outs["key"]
    # Renewed and refreshed: renew stays set but there is nothing more to do.
    read = provider.read(token, renewed.outs)
    settled = checked(provider, read.inputs, program_inputs(litellm_api, duration="1h", renew=True))
    assert provider.diff(token, read.outs, settled).changes is False


@pytest.mark.every_litellm_version
def test_rotation_keeps_the_old_value_for_the_grace_period(provider, litellm_api):
    backend = litellm_api.backend
    inputs, token, outs = create(provider, litellm_api, rotation="1", rotation_grace_period="2s", team_id=None)
    backend.admin_json("POST", "/key/update", json={"key": token, "spend": 1.25})
    assert provider.diff(token, outs, checked(provider, inputs, dict(inputs))).changes is False

    news = checked(provider, inputs, changed(inputs, rotation="2"))
    assert news["rotation_due"] == "rotation changed from '1' to '2'"  # the preview's reason
    assert provider.diff(token, outs, news).changes is True
    rotated = provider.update(token, outs, news).outs
    new_token, new_raw = rotated["token"], rotated["key"]
    assert new_token != token and new_raw != outs["key"] and sha256(new_raw) == new_token
    assert works(backend, outs["key"]) and works(backend, new_raw)  # both during the grace period
    info = key_info(backend, new_token)
    assert info["key_alias"] == "alice" and info["models"] == ["granite-8b-instruct"] and info["max_budget"] == 25.0
    assert info["tpm_limit"] == 10000 and info["budget_duration"] == "30d" and \
        info["metadata"] == {"litemaas_stack": TEST_STACK, "owner": "alice"}  # the new value stamped too
    assert info["litellm_budget_table"]["soft_budget"] == 20.0
    assert info["spend"] == 1.25  # carried over
    assert alias_of(backend, token).startswith("alice.rotated-")
    assert [r["token"] for r in rotated["retired"]] == [token]
    assert live_tokens(backend, alias="alice") == [new_token]

    time.sleep(2.5)
    assert not works(backend, outs["key"]) and works(backend, new_raw)  # only the new value after it

    # The state keeps the first id; read, diff and delete follow the `token` output.
    read = provider.read(token, rotated)
    assert read.id == token and read.outs["token"] == new_token and read.outs["key"] == new_raw
    assert provider.diff(token, read.outs, checked(provider, read.inputs, dict(news))).changes is False
    provider.delete(token, read.outs)
    assert live_tokens(backend) == []


@pytest.mark.every_litellm_version
def test_rotation_without_grace_revokes_at_once_and_rotate_every(provider, litellm_api, monkeypatch):
    backend = litellm_api.backend
    inputs, token, outs = create(provider, litellm_api, rotate_every="3s", rotation_grace_period="0")
    assert "rotation_due" not in checked(provider, inputs, dict(inputs))  # not yet 3s old
    later = key_lifecycle.utc_now() + dt.timedelta(seconds=3.2)  # the provider's clock, not a sleep
    for module in (key_lifecycle, virtual_key):
        monkeypatch.setattr(module, "utc_now", lambda: later)
    news = checked(provider, inputs, dict(inputs))
    assert news["rotation_due"].startswith("rotateEvery 3s: the value was issued ")
    assert instant(news["issued_at"]) > instant(inputs["issued_at"])
    rotated = provider.update(token, outs, news).outs
    assert not works(backend, outs["key"]) and works(backend, rotated["key"])
    assert not rotated.get("retired") and deleted_tokens(backend) == [token]
    assert live_tokens(backend) == [rotated["token"]]


def test_rotate_every_counts_from_the_stored_issue_time(provider):
    olds = checked(provider, {}, news_for(OFFLINE, rotate_every="90d"))
    olds["issued_at"] = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=91)).isoformat()
    news = checked(provider, olds, news_for(OFFLINE, rotate_every="90d"))
    assert news["rotation_due"].startswith("rotateEvery 90d: the value was issued ") and "91d ago" in news["rotation_due"]
    olds["issued_at"] = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=89)).isoformat()
    news = checked(provider, olds, news_for(OFFLINE, rotate_every="90d"))
    assert "rotation_due" not in news and news["issued_at"] == olds["issued_at"]
    assert provider.diff("t", {**olds, "key": "sk-x"}, news).changes is False


@pytest.mark.parametrize("field, value, reason", [
    ("rotation_grace_period", "1y", "rotation_grace_period: '1y' is not a LiteLLM duration"),
    ("rotate_every", "soon", "rotate_every: 'soon' is not a LiteLLM duration"),
    ("token_hash", "sk-abc", "64 lower-case hex digits"),
])
def test_check_rejects_bad_lifecycle_inputs(provider, field, value, reason):
    failures = provider.check({}, news_for(OFFLINE, **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), \
        [(f.property, f.reason) for f in failures]


def make_legacy_key(backend, alias, **fields):
    made = backend.admin_json("POST", "/key/generate", json={
        **({"key_alias": alias} if alias else {}), "models": ["m1"], "max_budget": 10.0, "metadata": {"team": "x"},
        **fields})
    return made["key"], made["token"]


def test_adopting_a_key_by_alias_keeps_the_users_value(provider, litellm_api):
    backend = litellm_api.backend
    raw, token = make_legacy_key(backend, "legacy")
    litellm_api.reset_calls()
    inputs, adopted_id, outs = created(provider, connection(litellm_api, key_alias="legacy", models=["m1", "m2"],
                                                            max_budget=20.0, adopt=True))
    assert adopted_id == token == outs["token"] and outs.get("key") is None and outs["held_by_user"] is True
    assert [c.path for c in admin_calls(litellm_api) if c.method == "POST"] == ["/key/update"]
    assert live_tokens(backend) == [token] and works(backend, raw)  # nothing created, the value unchanged
    info = key_info(backend, token)
    assert info["models"] == ["m1", "m2"] and info["max_budget"] == 20.0
    assert info["metadata"]["team"] == "x" and "litemaas_adopted" in info["metadata"]
    read = provider.read(token, outs)
    assert read.outs["held_by_user"] is True and read.outs.get("key") is None
    assert provider.diff(token, read.outs, checked(provider, read.inputs, dict(inputs))).changes is False
    # A metadata change keeps the adoption stamp.
    updated = provider.update(token, read.outs, checked(provider, inputs, changed(inputs, metadata={"o": "1"})))
    assert "litemaas_adopted" in key_info(backend, token)["metadata"] and updated.outs["held_by_user"] is True

    with pytest.raises(LiteLLMAdminError, match="already adopted by a stack"):
        created(provider, connection(litellm_api, key_alias="legacy", adopt=True))
    with pytest.raises(LiteLLMAdminError, match="no key with alias 'ghost' to adopt"):
        created(provider, connection(litellm_api, key_alias="ghost", adopt=True))
    assert live_tokens(backend) == [token]


def test_adopting_a_key_without_alias_by_token_hash_then_rotating_it(provider, litellm_api):
    backend = litellm_api.backend
    raw, token = make_legacy_key(backend, None)
    inputs, _, outs = created(provider, connection(litellm_api, key_alias="bob", models=["m1"], token_hash=token,
                                                   rotation_grace_period="0"))
    assert outs["held_by_user"] is True and alias_of(backend, token) == "bob" and works(backend, raw)
    with pytest.raises(LiteLLMAdminError, match=r"no key with token 000000000000… to adopt"):
        created(provider, connection(litellm_api, key_alias="x", token_hash="0" * 64))
    rotated = provider.update(token, outs, checked(provider, inputs, changed(inputs, rotation="1"))).outs
    assert rotated["held_by_user"] is False and rotated["key"].startswith("sk-") and not works(backend, raw)
    assert key_info(backend, rotated["token"])["key_alias"] == "bob"
