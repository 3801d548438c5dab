"""`litemaas` finds its gateway through the Automation API (litemaas_cli/target.py): the real Pulumi CLI on a
`deployGateway: false` stack whose gateway is the real LiteLLM proxy, and the installed `.venv/bin/litemaas`."""

from __future__ import annotations

import io
import subprocess
import time
from contextlib import redirect_stdout

import pytest

from litemaas_cli.cli import EXIT_FINDINGS, EXIT_USAGE
from tests.support.pulumi_cli import REPO_ROOT, PulumiProject, ensure_toolchain
from tests.test_cli import wait_for

pytestmark = pytest.mark.e2e

LITEMAAS = REPO_ROOT / ".venv" / "bin" / "litemaas"


def test_the_stack_gives_url_key_and_catalog_to_status_and_handoff(tmp_path, real_litellm_server):
    litellm = real_litellm_server
    litellm.reset()
    project = PulumiProject(tmp_path, ensure_toolchain())
    project.set_plain({
        "deployGateway": False, "gatewayUrl": litellm.url,
        "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"},
        "models": [{"name": "stack-mock", "model": "openai/x", "extraParams": {"mock_response": "hi"},
                    "inputCostPerToken": 0.001, "outputCostPerToken": 0.002}],
        "teams": [{"alias": "stack-team", "models": ["stack-mock"], "maxBudget": 10}],
        "keys": [{"alias": "stack-alice", "team": "stack-team", "models": ["stack-mock"], "maxBudget": 2,
                  "budgetDuration": "30d"}],
    })
    project.set_secret("masterKey", litellm.master_key)
    project.up()
    user_key = project.outputs(show_secrets=True)["keys"]["stack-alice"]["key"]

    def litemaas(*argv: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(LITEMAAS), *argv], cwd=project.dir, env=project.env, capture_output=True,
                              text=True, timeout=300)
        assert litellm.master_key not in done.stdout + done.stderr
        return done

    status = litemaas("status")  # the stack `stack init` selected
    assert status.returncode == 0, status.stderr
    assert f"gateway:   {litellm.url} (stack e2e)" in status.stdout
    assert "models:    1 live, 1 declared" in status.stdout and "keys:      1 live, 1 declared" in status.stdout
    assert "declared vs live: in sync" in status.stdout
    assert "reading the outputs of stack e2e" in status.stderr

    # The hand-off carries the key from the secret `keys` output, and what it tells the user works.
    handoff = litemaas("--stack", "e2e", "handoff", "stack-alice")
    assert handoff.returncode == 0, handoff.stderr
    message = handoff.stdout
    assert f"API key:   {user_key}" in message and f"Base URL:  {litellm.url}/v1" in message
    assert "Budget:    2 USD per 30d, next reset " in message
    example = [line[4:] for line in message.splitlines() if line.startswith("    ") and "curl" not in line]
    assert len(example) == 3, message
    printed = io.StringIO()
    with redirect_stdout(printed):
        exec("\n".join(example), {})  # the three SDK lines as the user pastes them
    assert printed.getvalue().strip() == "hi"
    curl = next(line for line in message.splitlines() if "curl" in line)
    assert f"Bearer {user_key}" in curl and curl.endswith(f"{litellm.url}/key/info")
    own = wait_for(lambda: litellm.admin("GET", "/key/info", key=user_key).json()["info"]["spend"],
                   "the user's own spend on /key/info")
    assert own == pytest.approx(0.048)

    # Drift both ways, named, and nothing changed by looking.
    litellm.admin_json("POST", "/team/new", json={"team_alias": "made-by-hand"})
    litellm.admin_json("POST", "/key/delete", json={"key_aliases": ["stack-alice"]})
    drifted = litemaas("status")
    assert drifted.returncode == EXIT_FINDINGS
    assert "missing on the gateway (`pulumi up` creates them):\n  key    stack-alice" in drifted.stdout
    assert "not in the stack (made by hand? the stack does not manage them):\n  team   made-by-hand" in drifted.stdout
    assert {t["team_alias"] for t in litellm.teams()} == {"stack-team", "made-by-hand"}

    # Stack problems are named, with the way out.
    unknown = litemaas("--stack", "nope", "status")
    assert unknown.returncode == EXIT_USAGE and "pulumi could not read stack nope" in unknown.stderr
    assert "nope" in unknown.stderr.split("pulumi could not read stack nope", 1)[1]
    project.run("stack", "unselect")
    started = time.monotonic()
    unselected = litemaas("status")
    assert unselected.returncode == EXIT_USAGE
    assert "no stack selected in" in unselected.stderr and "pass --stack NAME" in unselected.stderr
    assert time.monotonic() - started < 60
