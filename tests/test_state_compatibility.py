"""Stacks made by earlier code keep working: an `up` of the current program changes nothing, and the state shrinks.

The earlier program is the tree of `BEFORE_SHARED_MECHANISM` (the last commit before the kinds moved onto one
mechanism and the connection moved to the stack config), taken from this repository's history. It `up`s a catalog
against the real LiteLLM proxy with the real CLI; then the current program replaces it in the same project.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.pulumi_cli import REPO_ROOT, PulumiProject, ensure_toolchain
from tests.support.real_litellm import RealLiteLLM

pytestmark = pytest.mark.e2e

BEFORE_SHARED_MECHANISM = "eb59312d9e99fcb4b2606424a8203c25bba66857"
MODELS = [{"name": "compat-mock", "model": "openai/compat-mock", "extraParams": {"mock_response": "ok"},
           "inputCostPerToken": 0.001}]
TEAMS = [{"alias": "compat-team", "models": ["compat-mock"], "maxBudget": 10}]
KEYS = [{"alias": f"compat-{i}", "team": "compat-team", "models": ["compat-mock"], "maxBudget": 5,
         "budgetDuration": "30d"} for i in range(3)] + [{"alias": "compat-plain"}]
LITELLM_TYPES = ("litellm:Model", "litellm:Team", "litellm:VirtualKey")


# The last commit before team memberships got names unique by construction (`member-<team>-<user>` before).
BEFORE_UNIQUE_MEMBER_NAMES = "e49a5da6aeba30f0e895e087408bc0237c9ab2ae"


def earlier_program(destination: Path, commit: str = BEFORE_SHARED_MECHANISM) -> Path:
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", "--format=tar", commit],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(destination, filter="data")
    return destination


def litellm_resources(project: PulumiProject) -> list[dict]:
    return [r for r in project.resources() if r["type"].endswith(LITELLM_TYPES)]


def admin_calls(api: FaultProxy) -> list[str]:
    return [f"{c.method} {c.path}" for c in api.calls if not c.path.startswith("/health")]


@pytest.fixture()
def upgraded(tmp_path, real_litellm):
    with FaultProxy(real_litellm.url) as api:
        project = PulumiProject(tmp_path, ensure_toolchain(), stack="compat",
                                source=earlier_program(tmp_path / "earlier"))
        project.set_plain({"deployGateway": False, "gatewayUrl": api.url,
                           "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"},
                           "models": MODELS, "teams": TEAMS, "keys": KEYS})
        project.set_secret("masterKey", real_litellm.master_key)
        project.up()
        before = litellm_resources(project)
        project.install_program(REPO_ROOT)
        yield project, api, before
        project.destroy()


def test_an_earlier_stack_previews_and_ups_with_no_change_and_no_litellm_call(upgraded):
    project, api, before = upgraded
    assert len(before) == 1 + 1 + len(KEYS)
    assert all("master_key" in r["inputs"] for r in before)  # the earlier code stored it in every resource
    api.reset_calls()
    preview = project.preview("--expect-no-changes")
    assert set(preview["changeSummary"]) == {"same"}, preview["changeSummary"]
    project.up("--expect-no-changes")
    assert admin_calls(api) == []
    after = {r["urn"]: r for r in litellm_resources(project)}
    assert {r["urn"]: r["id"] for r in before} == {urn: r["id"] for urn, r in after.items()}  # nothing replaced
    # The current program no longer sends what the stack config holds: the stored inputs shrink at once.
    for resource in after.values():
        assert not {"master_key", "admin_url", "request_timeout", "verify_tls"} & set(resource["inputs"])
    # The ownership stamp arrives as an input the diff ignores: stored, no change shown, no call made.
    assert {r["inputs"].get("owner_stack") for r in after.values() if not r["type"].endswith("litellm:Model")} == \
        {"organization/litemaas/compat"}


def test_refresh_shrinks_the_outputs_of_an_earlier_stack_and_reads_no_drift(upgraded):
    project, api, before = upgraded
    project.up("--expect-no-changes")
    project.refresh("--expect-no-changes")
    after = litellm_resources(project)
    for resource in after:
        assert "master_key" not in resource["outputs"] and "admin_url" not in resource["outputs"], resource["urn"]
    assert all(r["inputs"].get("owner_stack") for r in after if not r["type"].endswith("litellm:Model"))
    project.up("--expect-no-changes")  # the refreshed inputs still hold it: no checkpoint churn
    size = lambda resources: sum(len(json.dumps(r)) for r in resources)  # noqa: E731
    assert size(after) < 0.7 * size(before)


def test_memberships_renamed_for_unique_names_stay_the_same_resources(tmp_path, real_litellm):
    """A user id with '-' gets the new `member.<len>.` name; its earlier name is an alias, so the upgraded program
    sees the same memberships: no change, no LiteLLM call."""
    with FaultProxy(real_litellm.url) as api:
        project = PulumiProject(tmp_path, ensure_toolchain(), stack="members",
                                source=earlier_program(tmp_path / "earlier", BEFORE_UNIQUE_MEMBER_NAMES))
        project.set_plain({"deployGateway": False, "gatewayUrl": api.url,
                           "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"},
                           "users": [{"id": "compat-svc-ci"}, {"id": "compat"}],
                           "teams": [{"alias": "compat-ml", "members": [{"user": "compat-svc-ci"},
                                                                        {"user": "compat", "maxBudgetInTeam": 5}]}]})
        project.set_secret("masterKey", real_litellm.master_key)
        project.up()
        members = lambda: {r["urn"].rsplit("::", 1)[1]: r["id"] for r in project.resources()  # noqa: E731
                           if r["type"].endswith("litellm:TeamMember")}
        before = members()
        assert set(before) == {"catalog-member-compat-ml-compat-svc-ci",
                               "catalog-member-compat-ml-compat"}
        project.install_program(REPO_ROOT)
        api.reset_calls()
        preview = project.preview("--expect-no-changes")
        assert set(preview["changeSummary"]) == {"same"}, preview["changeSummary"]
        project.up("--expect-no-changes")
        assert admin_calls(api) == []
        assert members() == {"catalog-member.9.compat-ml-compat-svc-ci": before[
            "catalog-member-compat-ml-compat-svc-ci"], "catalog-member-compat-ml-compat": before[
            "catalog-member-compat-ml-compat"]}
        project.destroy()


def test_refresh_and_destroy_after_a_master_key_rotation(tmp_path, real_litellm):
    """The gateway's master key is rotated (a new pod, same database and salt key) and the stack config updated:
    refresh and destroy use the new key from the config, not a copy in the state."""
    project = PulumiProject(tmp_path, ensure_toolchain(), stack="rotate")
    project.set_plain({"deployGateway": False, "gatewayUrl": real_litellm.url,
                       "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"},
                       "models": MODELS, "teams": TEAMS, "keys": KEYS[:2]})
    project.set_secret("masterKey", real_litellm.master_key)
    project.up()
    with RealLiteLLM(database_url=real_litellm.db.url, salt_key=real_litellm.salt_key) as rotated:
        assert rotated.master_key != real_litellm.master_key
        project.set_plain({"gatewayUrl": rotated.url})
        project.set_secret("masterKey", rotated.master_key)
        project.refresh("--expect-no-changes")
        project.destroy()
        assert rotated.keys() == [] and rotated.teams() == []


# The last commit before the kinds' fields were declared once (dynamic_providers/kinds.py).
BEFORE_KIND_SCHEMA = "3705f132674c2fa54ef700dedf83e3c6b1ba7b08"
SCHEMA_KINDS = {"budgets": [{"name": "compat-tier", "maxBudget": 20, "softBudget": 10, "budgetDuration": "30d",
                             "rpmLimit": 60, "maxParallelRequests": 2}],
                "tags": [{"name": "compat-tag", "description": "compat", "models": ["compat-mock"], "maxBudget": 5}],
                "users": [{"id": "compat-user", "email": "compat@example.com", "role": "internal_user",
                           "maxBudget": 3, "models": ["compat-mock"], "metadata": {"dept": "ml"}}],
                "teams": [{**TEAMS[0], "members": [{"user": "compat-user", "maxBudgetInTeam": 1}]}],
                "keys": [{"alias": "compat-tiered", "budget": "compat-tier", "user": "compat-user"}],
                "credentials": [{"name": "compat-cred", "provider": "openai", "info": {"team": "ml"}}],
                "mcpServers": [{"name": "compat_docs", "url": "https://mcp.example.com/mcp", "transport": "http",
                                "description": "docs", "teams": ["compat-team"]}]}


def test_kinds_declared_by_the_schema_keep_the_state_of_an_earlier_stack(tmp_path, real_litellm):
    """A stack made before the kind schema previews and ups with no change and no LiteLLM call: the Resources built
    from the schema send the inputs the hand-written ones sent."""
    with FaultProxy(real_litellm.url) as api:
        project = PulumiProject(tmp_path, ensure_toolchain(), stack="compat",
                                source=earlier_program(tmp_path / "earlier", BEFORE_KIND_SCHEMA))
        project.set_plain({"deployGateway": False, "gatewayUrl": api.url,
                           "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"},
                           "models": MODELS, **SCHEMA_KINDS})
        project.set_secret("masterKey", real_litellm.master_key)
        project.set_secret("credentials[0].values.api_key", "sk-compat-upstream-0123")
        project.up()
        before = {r["urn"]: r["id"] for r in project.resources() if "litellm:" in r["type"]}
        assert {urn.rsplit("::", 1)[0].rsplit("$", 1)[-1] for urn in before} >= {
            "pulumi-python:dynamic/litellm:Budget", "pulumi-python:dynamic/litellm:Tag",
            "pulumi-python:dynamic/litellm:User", "pulumi-python:dynamic/litellm:TeamMember",
            "pulumi-python:dynamic/litellm:Credential", "pulumi-python:dynamic/litellm:McpServer"}
        project.install_program(REPO_ROOT)
        api.reset_calls()
        preview = project.preview("--expect-no-changes")
        assert set(preview["changeSummary"]) == {"same"}, preview["changeSummary"]
        project.up("--expect-no-changes")
        assert admin_calls(api) == []
        assert {r["urn"]: r["id"] for r in project.resources() if "litellm:" in r["type"]} == before
        project.destroy()
