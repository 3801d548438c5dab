"""LiteLLMCatalog under Pulumi mocks: users[] and teams[].members[]."""

from __future__ import annotations


import pulumi

from config import KeyConfig, TeamConfig
from tests.support.pulumi_program import plain
from tests.support.catalog_mocks import MASTER, build


# --- users[] (litellm:User) ------------------------------------------------------------------------

USER_T = "pulumi-python:dynamic/litellm:User"


@pulumi.runtime.test
def test_users_become_resources_and_their_keys_depend_on_them(catalog_mocks):
    from config import UserConfig

    users = (UserConfig(id="alice", email="alice@example.com", role="internal_user", max_budget=20.0,
                        models=("granite-8b-instruct",)), UserConfig(id="bob"))
    keys = (KeyConfig(alias="alice-laptop", user="alice"), KeyConfig(alias="ci", user_id="svc-ci"))
    gateway, catalog = build(catalog_mocks, users=users, keys=keys)

    def check(values):
        gateway_urn, alice_urn, model_urn = values
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        assert set(catalog.users) == {"alice", "bob"} and seen["catalog-user-alice"].typ == USER_T
        alice = plain(seen["catalog-user-alice"].inputs)
        assert (alice["user_id"], alice["user_email"], alice["user_role"], alice["max_budget"]) == \
            ("alice", "alice@example.com", "internal_user", 20)
        assert not {"models", "metadata", "budget_duration"} & set(plain(seen["catalog-user-bob"].inputs))
        assert {gateway_urn, model_urn} <= set(wire["catalog-user-alice"][1])
        assert plain(seen["catalog-key-alice-laptop"].inputs)["user_id"] == "alice"
        assert alice_urn in wire["catalog-key-alice-laptop"][1]  # so removal deletes the key first
        assert plain(seen["catalog-key-ci"].inputs)["user_id"] == "svc-ci" and alice_urn not in wire["catalog-key-ci"][1]

    return pulumi.Output.all(gateway.urn, catalog.users["alice"].urn, catalog.models["granite-8b-instruct"].urn,
                             *[k.urn for k in catalog.keys.values()]).apply(lambda v: check(v[:3]))


@pulumi.runtime.test
def test_a_user_is_read_by_its_id_alone(catalog_mocks):
    from dynamic_providers.provider_base import AdminConnection
    from dynamic_providers.user import User

    found = User.get("existing-user", "alice", AdminConnection("https://litellm.apps.example.com",
                                                               pulumi.Output.secret(MASTER)))

    def check(_):
        seen = catalog_mocks.seen["existing-user"]
        assert (seen.typ, seen.resource_id) == (USER_T, "alice") and "user_email" not in seen.inputs

    return found.urn.apply(check)


# --- teams[].members[] (litellm:TeamMember) --------------------------------------------------------

MEMBER_T = "pulumi-python:dynamic/litellm:TeamMember"


@pulumi.runtime.test
def test_team_members_become_resources_that_wait_for_their_team_and_user(catalog_mocks):
    from config import MemberConfig, UserConfig

    users = (UserConfig(id="alice"),)
    teams = (TeamConfig(alias="ml", members=(MemberConfig(user="alice", max_budget_in_team=5.0, managed=True),
                                             MemberConfig(user="outsider", role="user"))),)
    gateway, catalog = build(catalog_mocks, users=users, teams=teams, keys=())

    def check(values):
        team_urn, alice_urn = values[:2]
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        assert set(catalog.members) == {("ml", "alice"), ("ml", "outsider")}
        alice = plain(seen["catalog-member-ml-alice"].inputs)
        assert seen["catalog-member-ml-alice"].typ == MEMBER_T
        assert (alice["team_id"], alice["user_id"], alice["max_budget_in_team"]) == \
            ("generated-catalog-team-ml", "alice", 5) and "role" not in alice
        assert {team_urn, alice_urn} <= set(wire["catalog-member-ml-alice"][1])
        outsider = plain(seen["catalog-member-ml-outsider"].inputs)
        assert (outsider["user_id"], outsider["role"]) == ("outsider", "user")
        assert team_urn in wire["catalog-member-ml-outsider"][1] and alice_urn not in wire["catalog-member-ml-outsider"][1]

    return pulumi.Output.all(catalog.teams["ml"].urn, catalog.users["alice"].urn,
                             *[m.urn for m in catalog.members.values()]).apply(check)


@pulumi.runtime.test
def test_a_replaced_team_member_is_removed_before_it_is_added_again(catalog_mocks):
    """Create-before-delete of one (team, user) would find the member, keep it, then remove it."""
    from config import MemberConfig

    teams = (TeamConfig(alias="ml", members=(MemberConfig(user="svc-ci"),)),)
    _, catalog = build(catalog_mocks, teams=teams, keys=())

    def check(_):
        request = catalog_mocks.requests["catalog-member.2.ml-svc-ci"]
        assert request.deleteBeforeReplaceDefined and request.deleteBeforeReplace

    return catalog.members[("ml", "svc-ci")].urn.apply(check)


@pulumi.runtime.test
def test_memberships_whose_names_would_run_together_get_their_own_resources(catalog_mocks):
    """`ml` + `ops-bob` and `ml-ops` + `bob` were both `member-ml-ops-bob` (the engine refused the duplicate)."""
    from config import MemberConfig

    teams = (TeamConfig(alias="ml", members=(MemberConfig(user="ops-bob"), MemberConfig(user="alice"))),
             TeamConfig(alias="ml-ops", members=(MemberConfig(user="bob"),)))
    _, catalog = build(catalog_mocks, teams=teams, keys=())

    def check(_):
        seen = catalog_mocks.seen
        by_member = {(plain(seen[n].inputs)["team_id"], plain(seen[n].inputs)["user_id"]): n
                     for n in seen if seen[n].typ == MEMBER_T}
        assert by_member == {("generated-catalog-team-ml", "ops-bob"): "catalog-member.2.ml-ops-bob",
                             ("generated-catalog-team-ml", "alice"): "catalog-member-ml-alice",
                             ("generated-catalog-team-ml-ops", "bob"): "catalog-member-ml-ops-bob"}
        # The old name is taken by the other membership here: no alias to it.
        request = catalog_mocks.requests["catalog-member.2.ml-ops-bob"]
        assert not request.aliases and not request.aliasURNs

    return pulumi.Output.all(*[m.urn for m in catalog.members.values()]).apply(check)


@pulumi.runtime.test
def test_a_renamed_membership_keeps_its_state_through_an_alias(catalog_mocks):
    """A user id with '-' is named with the team's length now; its earlier name is an alias, so an existing stack
    sees the same resource (no delete and re-add of the membership)."""
    from config import MemberConfig

    teams = (TeamConfig(alias="ml", members=(MemberConfig(user="svc-ci"),)),)
    _, catalog = build(catalog_mocks, teams=teams, keys=())

    def check(_):
        request = catalog_mocks.requests["catalog-member.2.ml-svc-ci"]
        assert [a.spec.name for a in request.aliases] == ["catalog-member-ml-svc-ci"] and not request.aliasURNs

    return catalog.members[("ml", "svc-ci")].urn.apply(check)


