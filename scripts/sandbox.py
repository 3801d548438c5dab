"""`make sandbox`: the whole product on this machine, for someone with no cluster.

Starts a local Kubernetes API server (pods simulated by kwok), the real LiteLLM proxy with its PostgreSQL,
runs `pulumi up` of a `Pulumi.dev.yaml`-like stack against both, prints the gateway URL and a user's key, and
makes one chat completion through the OpenAI SDK against a `mock_response` model. Everything stops on Ctrl-C
or `make sandbox-down`.

Real: the Pulumi engine and CLI, the Kubernetes API server, controller manager and scheduler, LiteLLM 1.108.7,
PostgreSQL. Simulated: pods (kwok marks them running; no container runs), so the gateway the admin API and the
users talk to is the LiteLLM proxy started on 127.0.0.1, given to the stack as `gatewayUrl`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.support.kube_cluster import LocalCluster, ensure_binaries  # noqa: E402
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain  # noqa: E402
from tests.support.real_litellm import RealLiteLLM  # noqa: E402

PID_FILE = REPO_ROOT / ".state" / "sandbox.pid"
MOCK_ANSWER = "Hello from your LiteMaaS sandbox"
STACK = {
    "namespace": "litemaas-sandbox",
    "platform": "openshift",
    "hostname": "litellm.apps.sandbox.local",
    "litellm": {"replicas": 2, "allowReplicasWithoutRedis": True},
    "postgres": {"storageSize": "1Gi"},
    "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"},
    "models": [
        {"name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
         "extraParams": {"mock_response": MOCK_ANSWER},
         "inputCostPerToken": 0.00000027, "outputCostPerToken": 0.0000011},
    ],
    "teams": [{"alias": "data-science", "models": ["granite-8b-instruct"], "maxBudget": 500,
               "budgetDuration": "30d"}],
    "keys": [{"alias": "alice-notebook", "team": "data-science", "models": ["granite-8b-instruct"],
              "maxBudget": 25, "softBudget": 20, "budgetDuration": "30d", "duration": "90d"}],
}
# No pulumi-random plugin can be built here (docs/toolchain.md): the sandbox brings the generated credentials.
CREDENTIALS = {
    "litellm.saltKey": "sandbox-salt-" + "s" * 40,
    "litellm.uiPassword": "sandbox-ui-password",
    "postgres.password": "sandbox-postgres-password",
}


def say(message: str) -> None:
    print(f"sandbox: {message}", flush=True)


def run(keep_running: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="litemaas-sandbox-") as workdir:
        say("building or reusing the Pulumi and Kubernetes tools ...")
        bin_dir = ensure_toolchain()
        ensure_binaries()
        say("starting the local Kubernetes API server (pods simulated by kwok) and the real LiteLLM proxy ...")
        with LocalCluster() as cluster, RealLiteLLM(log_level="INFO") as litellm:
            project = PulumiProject(Path(workdir), bin_dir, stack="sandbox", extra_env=cluster.env())
            project.set_plain({**STACK, "gatewayUrl": litellm.url})
            for path, value in {**CREDENTIALS, "masterKey": litellm.master_key}.items():
                project.set_secret(path, value)
            say("pulumi up ...")
            print(project.up().stdout, flush=True)
            outputs = project.outputs(show_secrets=True)
            key = outputs["keys"]["alice-notebook"]["key"]
            base_url = f"{outputs['gatewayUrl']}/v1"
            say(f"Kubernetes API server: {cluster.server}  (KUBECONFIG={cluster.env()['KUBECONFIG']})")
            say(f"LiteLLM database: {litellm.db.url}")
            say(f"gateway URL:   {outputs['gatewayUrl']}")
            say(f"admin UI:      {outputs['adminUiUrl']}  (user {outputs['adminUsername']}, "
                f"password: pulumi stack output --show-secrets adminPassword)")
            say(f"alice's key:   {key}")

            from openai import OpenAI

            answer = OpenAI(base_url=base_url, api_key=key).chat.completions.create(
                model="granite-8b-instruct", messages=[{"role": "user", "content": "Hello"}])
            say(f"chat completion as alice: {answer.choices[0].message.content!r}")
            say(f"try it:  OPENAI_BASE_URL={base_url} OPENAI_API_KEY={key} python -c \"from openai import OpenAI; "
                "print(OpenAI().chat.completions.create(model='granite-8b-instruct', "
                "messages=[{'role': 'user', 'content': 'Hi'}]).choices[0].message.content)\"")
            if keep_running:
                say(f"running; the stack's program and state are in {workdir}. Ctrl-C or `make sandbox-down` stops "
                    "everything.")
                PID_FILE.parent.mkdir(exist_ok=True)
                PID_FILE.write_text(str(os.getpid()))
                with contextlib.suppress(KeyboardInterrupt):
                    signal.pause()
            say("stopping ...")
    PID_FILE.unlink(missing_ok=True)
    say("stopped")


def down() -> None:
    if not PID_FILE.exists():
        say("no sandbox is running")
        return
    pid = int(PID_FILE.read_text())
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
        for _ in range(120):
            os.kill(pid, 0)
            time.sleep(0.5)
    PID_FILE.unlink(missing_ok=True)
    say("stopped")


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["up", "down", "check"], default="up",
                        help="up: start and keep running (default); check: start, prove it works, stop; down: stop")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    if args.command == "down":
        down()
    else:
        run(keep_running=args.command == "up")


if __name__ == "__main__":
    main()
