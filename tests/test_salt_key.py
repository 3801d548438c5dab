"""`litemaas:SaltKeyGuard`: a change of the gateway's effective salt key is refused at preview."""

import pytest
from pulumi.runtime import rpc

from dynamic_providers.salt_key import ACKNOWLEDGE_KEY, SaltKeyGuardProvider
from litemaas_common.sdk_patches import secret_envelope

OLD_KEY, NEW_KEY = "old-salt-" + "o" * 40, "new-salt-" + "n" * 40
GENERATED = {"salt_key": OLD_KEY, "source": "generated", "acknowledged": False, "namespace": "ai"}
CONFIGURED = {**GENERATED, "source": "config"}


def refusal(olds, news):
    failures = SaltKeyGuardProvider().check(olds, news).failures
    assert len(failures) <= 1
    return failures[0].reason if failures else None


@pytest.mark.parametrize("olds, news, what", [
    (CONFIGURED, {**CONFIGURED, "salt_key": NEW_KEY}, "changes the salt key"),
    (GENERATED, {**CONFIGURED, "salt_key": NEW_KEY}, "sets a salt key other than the one this stack generated"),
    # removed from config: a new one is generated, unknown at preview
    (CONFIGURED, {**GENERATED, "salt_key": rpc.UNKNOWN}, "removes the salt key, so a new one would be generated"),
    (CONFIGURED, {**GENERATED, "salt_key": NEW_KEY}, "removes the salt key"),
], ids=["changed", "set-other-than-generated", "removed-at-preview", "removed-at-up"])
def test_a_new_salt_key_is_refused_with_the_safe_path(olds, news, what):
    reason = refusal(olds, news)
    assert reason is not None and reason.startswith("litemaas:litellm.saltKey: this change " + what)
    assert "kubectl -n ai get secret litellm-credentials" in reason
    assert "pulumi config set --secret --path litellm.saltKey" in reason
    assert f"pulumi config set --path {ACKNOWLEDGE_KEY} true" in reason
    assert OLD_KEY not in reason and NEW_KEY not in reason


@pytest.mark.parametrize("olds, news", [
    (None, GENERATED),  # the first `up`, or the first with this version
    (GENERATED, GENERATED),
    (GENERATED, CONFIGURED),  # adopting the generated value in config
    (CONFIGURED, GENERATED),  # and back to the generated resource holding the same value
    (CONFIGURED, {**CONFIGURED, "salt_key": NEW_KEY, "acknowledged": True}),
    (CONFIGURED, {**CONFIGURED, "namespace": "other"}),
    ({**CONFIGURED, "acknowledged": True}, CONFIGURED),
], ids=["create", "same", "adopt", "back-to-generated", "acknowledged", "namespace-only", "ack-removed"])
def test_everything_else_passes(olds, news):
    assert refusal(olds, news) is None


def test_a_left_over_acknowledgement_does_not_cover_the_next_change():
    acknowledged = {**CONFIGURED, "salt_key": NEW_KEY, "acknowledged": True}
    reason = refusal(acknowledged, {**acknowledged, "salt_key": OLD_KEY})
    assert reason is not None and "still true from an earlier change" in reason


def test_secret_envelopes_are_compared_by_value():
    envelope = secret_envelope(OLD_KEY)
    assert refusal({**GENERATED, "salt_key": envelope}, GENERATED) is None
    assert refusal({**GENERATED, "salt_key": envelope}, {**GENERATED, "salt_key": NEW_KEY}) is not None


def test_only_a_salt_key_change_or_the_acknowledgement_is_a_diff():
    provider = SaltKeyGuardProvider()
    assert not provider.diff("salt-key", GENERATED, {**GENERATED, "namespace": "other"}).changes
    assert provider.diff("salt-key", GENERATED, {**GENERATED, "salt_key": NEW_KEY}).changes
    assert provider.diff("salt-key", GENERATED, CONFIGURED).changes
    assert not provider.diff("salt-key", GENERATED, GENERATED).replaces
