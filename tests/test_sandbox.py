"""`make sandbox` end to end: local Kubernetes, the real LiteLLM proxy, `pulumi up`, one chat completion, stop."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import pytest

from tests.support.pulumi_cli import REPO_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.real_litellm]


ANNOUNCED = re.compile(r"(?:Kubernetes API server|LiteLLM database|gateway URL|the litellm pod):? +\S+?://[^\s/]*?127\.0\.0\.1:(\d+)")


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_the_sandbox_generates_the_credentials_serves_a_chat_completion_and_stops_everything():
    """Its gateway runs from the Deployment's spec with the generated credentials (checked by the sandbox itself:
    the Secret's master key enforced, a stored provider key decrypting with the Secret's salt key)."""
    done = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "sandbox.py"), "check"],
                          capture_output=True, text=True, timeout=900, cwd=REPO_ROOT)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "chat completion as alice: 'Hello from your LiteMaaS sandbox'" in output, output[-6000:]
    assert "alice's key:   sk-" in output and output.rstrip().endswith("sandbox: stopped")
    ports = [int(port) for port in ANNOUNCED.findall(output)]
    assert len(ports) == 4, output[-3000:]  # the API server, PostgreSQL, the gateway and its pod
    assert "starting the litellm pod from the Deployment's spec" in output
    assert "the line above drives the stack: `pulumi stack output` and `litemaas spend`" in output
    (line,) = [line for line in output.splitlines() if line.startswith("cd ") and "PULUMI_BACKEND_URL=" in line]
    for name in ("PULUMI_CONFIG_PASSPHRASE=", "KUBECONFIG=", "PATH="):
        assert name in line
    assert [port for port in ports if listening(port)] == [], "the sandbox left servers running"
