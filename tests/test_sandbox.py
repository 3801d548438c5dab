"""`make sandbox` end to end: local Kubernetes, the real LiteLLM proxy, `pulumi up`, one chat completion, stop."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.pulumi_cli import REPO_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.real_litellm]


SERVERS = "kube-apiserver|kube-controller-manager|kube-scheduler|etcd|kwok|litellm --config|postgres -D"


def running_servers() -> set[str]:
    return set(subprocess.run(["pgrep", "-f", SERVERS], capture_output=True, text=True).stdout.split())


def test_the_sandbox_serves_a_chat_completion_and_stops_everything():
    before = running_servers()
    done = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "sandbox.py"), "check"],
                          capture_output=True, text=True, timeout=900, cwd=REPO_ROOT)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "chat completion as alice: 'Hello from your LiteMaaS sandbox'" in output, output[-6000:]
    assert "alice's key:   sk-" in output and output.rstrip().endswith("sandbox: stopped")
    assert running_servers() - before == set(), "the sandbox left servers running"
