"""The PostgreSQL volume guard: at preview, growth is accepted (the claim is expanded in place), while shrinking
and a new storage class are refused with the procedure, because neither can ever be done in place."""

import pytest

from dynamic_providers.database_volume import DatabaseVolumeProvider, parse_quantity

APPLIED = {"namespace": "litemaas", "claim": "data-postgres-0", "statefulset_uid": "uid-1",
           "storage_size": "10Gi", "storage_class": None}


def check(olds, **changes):
    return DatabaseVolumeProvider().check(olds, {**APPLIED, **changes})


def reasons(result) -> str:
    return "\n".join(f.reason for f in result.failures)


def test_a_new_volume_is_accepted_as_configured():
    assert check({}, storage_size="1Ti", storage_class="fast").failures == []


@pytest.mark.parametrize("size", ["10Gi", "20Gi", "10737418240", "0.5Ti", "11G"])
def test_the_same_size_or_growth_is_accepted(size):
    assert check(APPLIED, storage_size=size).failures == []


def test_shrinking_is_refused_with_the_procedure():
    message = reasons(check(APPLIED, storage_size="5Gi"))
    assert "litemaas:postgres.storageSize:" in message and "5Gi" in message and "10Gi" in message
    assert "pg_dump" in message and "data-postgres-0" in message  # the way to get there


@pytest.mark.parametrize("before, after", [(None, "fast"), ("standard", "fast"), ("fast", None)])
def test_a_new_storage_class_is_refused_with_the_procedure(before, after):
    message = reasons(check({**APPLIED, "storage_class": before}, storage_class=after))
    assert "litemaas:postgres.storageClass:" in message and "pg_dump" in message


@pytest.mark.parametrize("uid", ["uid-2", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"])
def test_a_recreated_statefulset_gets_the_configured_volume(uid):
    # The documented procedure deletes the StatefulSet and its claim: the new one is created as configured.
    assert check(APPLIED, statefulset_uid=uid, storage_size="5Gi", storage_class="fast").failures == []


def test_an_unknown_statefulset_uid_at_preview_is_accepted():
    from pulumi.runtime import rpc
    assert check(APPLIED, statefulset_uid=rpc.UNKNOWN, storage_size="5Gi").failures == []


def test_changes_update_in_place_and_never_replace():
    result = DatabaseVolumeProvider().diff("litemaas/data-postgres-0", APPLIED, {**APPLIED, "storage_size": "20Gi"})
    assert result.changes is True and not result.replaces
    assert DatabaseVolumeProvider().diff("litemaas/data-postgres-0", APPLIED, dict(APPLIED)).changes is False


@pytest.mark.parametrize("quantity, value", [("10Gi", 10 * 2**30), ("1Ti", 2**40), ("500M", 5 * 10**8),
                                             ("1.5Gi", 1.5 * 2**30), ("2e3", 2000), ("100m", 0.1)])
def test_kubernetes_quantities_are_compared_by_value(quantity, value):
    assert parse_quantity(quantity) == value
