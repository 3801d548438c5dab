"""`litemaas:DatabaseHome`: a change that would give the gateway a new, empty database is refused at preview."""

import pytest

from dynamic_providers.database_home import DatabaseHomeProvider

BUNDLED = {"namespace": "litemaas", "kind": "bundled", "acknowledged": None, "namespace_object": "adopted"}
OWNED = {**BUNDLED, "namespace_object": "owned"}


def refusal(olds, news):
    failures = DatabaseHomeProvider().check(olds, news).failures
    assert len(failures) <= 1
    return failures[0].reason if failures else None


@pytest.mark.parametrize("news, key", [
    ({**BUNDLED, "namespace": "litemaas-2"}, "litemaas:namespace:"),
    ({**BUNDLED, "kind": "cloudnativepg"}, "litemaas:postgres.mode:"),
    ({**BUNDLED, "kind": "external"}, "litemaas:postgres.externalDatabaseUrl:"),
    ({"namespace": "litemaas-2", "kind": "bundled", "acknowledged": "litemaas-2/cloudnativepg"}, "litemaas:namespace:"),
], ids=["namespace", "mode", "to-external", "acknowledged-something-else"])
def test_a_new_database_is_refused_with_the_procedure(news, key):
    reason = refusal(BUNDLED, news)
    assert reason is not None and reason.startswith(key)
    assert "pg_dump" in reason and "new stack" in reason
    assert f"postgres.acknowledgeNewDatabase {news['namespace']}/{news['kind']}" in reason


def test_another_cloudnativepg_operator_is_a_new_database():
    cnpg = {**BUNDLED, "kind": "cloudnativepg"}
    reason = refusal(cnpg, {**cnpg, "kind": "cloudnativepg-edb"})
    assert reason.startswith("litemaas:postgres.cloudnativepg.apiGroup:")


@pytest.mark.parametrize("olds, news", [
    (None, BUNDLED),  # the first `up`, or the first with this version
    (BUNDLED, BUNDLED),
    (BUNDLED, {**BUNDLED, "namespace": "litemaas-2", "acknowledged": "litemaas-2/bundled"}),
    (BUNDLED, {**BUNDLED, "kind": "cloudnativepg", "acknowledged": "litemaas/cloudnativepg"}),
    # an external database does not live in the namespace: the gateway may move
    ({"namespace": "a", "kind": "external", "acknowledged": None},
     {"namespace": "b", "kind": "external", "acknowledged": None}),
    (OWNED, BUNDLED), (BUNDLED, OWNED), (BUNDLED, {**BUNDLED, "namespace_object": "none"}),
], ids=["create", "same", "acknowledged-namespace", "acknowledged-mode", "external-moves",
        "owned-to-adopted", "adopted-to-owned", "adopted-to-existing"])
def test_everything_else_passes(olds, news):
    assert refusal(olds, news) is None


def test_a_left_over_acknowledgement_does_not_cover_the_next_move():
    moved = {**BUNDLED, "namespace": "litemaas-2", "acknowledged": "litemaas-2/bundled"}
    assert refusal(moved, {**moved, "namespace": "litemaas-3"}) is not None


def test_an_owned_namespace_is_never_dropped_from_the_stack():
    """createNamespace true -> false while the stack owns the namespace (deleteDataOnDestroy) would delete it now."""
    reason = refusal(OWNED, {**OWNED, "namespace_object": "none"})
    assert reason.startswith("litemaas:createNamespace:") and "postgres.deleteDataOnDestroy` to false first" in reason
