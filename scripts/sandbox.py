"""`make sandbox`: the whole product on this machine, for someone with no cluster.

Starts a local Kubernetes API server (pods simulated by kwok) and runs `pulumi up` of a newcomer's stack: no
credential in config, so the master key, salt key, UI password and database password are generated. The gateway
is the real LiteLLM proxy started from the Deployment's own spec while the `up` runs (tests/support/pods.py: its
args, its env with the Secret values read from the API server, its mounted files), on a real PostgreSQL. Then it
proves the gateway enforces the stack's generated credentials, prints the gateway URL, a user's key and the
environment to drive the stack by hand, and makes one chat completion through the OpenAI SDK against a
`mock_response` model. Everything stops on Ctrl-C or `make sandbox-down`.

Real: the Pulumi engine and CLI with the kubernetes and random plugins, the Kubernetes API server, controller
manager and scheduler, LiteLLM 1.108.7, PostgreSQL. Simulated: pods are processes (kwok marks them running; the
gateway's container runs as a local process, the others not at all), images are not pulled (the proxy's venv
stands in for the LiteLLM image), cluster DNS (the `postgres` Service is the local PostgreSQL, pre-migrated as
the migration Job would leave it) and the Route (the stack's `gatewayUrl` is a local forwarder to the pod).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import shlex
import subprocess
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.support.fault_proxy import FaultProxy  # noqa: E402
from tests.support.kube_cluster import LocalCluster, ensure_binaries  # noqa: E402
from tests.support.pods import PodStartError, SimulatedWorkloads  # noqa: E402
from tests.support.pulumi_cli import PulumiProject, PulumiError, ensure_toolchain  # noqa: E402

PID_FILE = REPO_ROOT / ".state" / "sandbox.pid"
MOCK_ANSWER = "Hello from your LiteMaaS sandbox"
STACK = {
    "namespace": "litemaas-sandbox",
    "platform": "openshift",
    "hostname": "litellm.apps.sandbox.local",
    "litellm": {"replicas": 2, "allowReplicasWithoutRedis": True},
    "postgres": {"storageSize": "1Gi"},
    # The gateway's first start (Prisma client, router) takes 30-60 s on a busy laptop.
    "adminApi": {"readinessTimeout": "300s", "requestTimeout": "30s"},
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
# The provider's key of the model: stored by LiteLLM under the generated salt key (the sandbox checks it decrypts).
PROVIDER_KEY = "sk-sandbox-provider-key"


def say(message: str) -> None:
    print(f"sandbox: {message}", flush=True)


def hand_driving_line(project: PulumiProject, cluster: LocalCluster) -> str:
    """One shell line that points `pulumi` and `litemaas` at this stack (backend, passphrase, tools, cluster)."""
    names = ("PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_HOME", "PULUMI_SKIP_UPDATE_CHECK",
             "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "KUBECONFIG")
    path = f"{project.env['PATH'].split(os.pathsep)[0]}:{REPO_ROOT / '.venv' / 'bin'}:$PATH"
    exports = " ".join(f"{name}={shlex.quote(project.env[name])}" for name in names)
    return f"cd {shlex.quote(str(project.dir))} && export {exports} PATH={path}"


def check_gateway(cluster: LocalCluster, pods: SimulatedWorkloads) -> None:
    """The pod enforces what the stack generated: its master key, and its salt key for stored credentials."""
    pod = pods.front.backend
    credentials = cluster.api.get(f"/api/v1/namespaces/{STACK['namespace']}/secrets/litellm-credentials")["data"]
    master_key, salt_key = (base64.b64decode(credentials[name]).decode()
                            for name in ("LITELLM_MASTER_KEY", "LITELLM_SALT_KEY"))
    model_id = next(m["model_info"]["id"] for m in pod.models() if m["model_name"] == "granite-8b-instruct")
    errors = pod.credential_errors(master_key, salt_key, (model_id, PROVIDER_KEY))
    if errors:
        raise PodStartError("the gateway does not run with the stack's credentials: " + "; ".join(errors))


def run(keep_running: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="litemaas-sandbox-") as workdir:
        say("building or reusing the Pulumi and Kubernetes tools ...")
        bin_dir = ensure_toolchain()
        ensure_binaries()
        say("starting the local Kubernetes API server (pods simulated by kwok) and PostgreSQL ...")
        with LocalCluster() as cluster, FaultProxy("http://127.0.0.1:9") as gateway, \
                SimulatedWorkloads(cluster.api, STACK["namespace"], gateway, say=say) as pods:
            project = PulumiProject(Path(workdir), bin_dir, stack="sandbox", passphrase="sandbox",
                                    extra_env=cluster.env())
            project.set_plain({**STACK, "gatewayUrl": gateway.url})
            project.set_secret("models[0].apiKey", PROVIDER_KEY)
            say("pulumi up (no credentials in config: generated by pulumi-random) ...")
            try:
                print(project.up().stdout, flush=True)
            except PulumiError:
                reasons = pods.errors + ([pods.waiting] if pods.waiting else [])
                if reasons:  # why the gateway never answered, as a kubelet would report it
                    raise PodStartError("; ".join(reasons)) from None
                raise
            check_gateway(cluster, pods)
            outputs = project.outputs(show_secrets=True)
            key = outputs["keys"]["alice-notebook"]["key"]
            base_url = f"{outputs['gatewayUrl']}/v1"
            say(f"Kubernetes API server: {cluster.server}  (KUBECONFIG={cluster.env()['KUBECONFIG']})")
            say(f"LiteLLM database: {pods.db.url}")
            say(f"gateway URL:   {outputs['gatewayUrl']}  (the litellm pod: {pods.front.backend.url})")
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
            say("drive the stack by hand (pulumi config set / preview / up, pulumi stack output --show-secrets, "
                "litemaas spend) after:")
            line = hand_driving_line(project, cluster)
            print(line, flush=True)
            if not keep_running:  # `check`: the line must work as printed
                shown = subprocess.run(["bash", "-c", f"{line} && pulumi stack output --json && litemaas -q spend"],
                                       capture_output=True, text=True,
                                       env={"PATH": os.environ["PATH"], "HOME": os.environ["HOME"]})
                if shown.returncode != 0 or f'"gatewayUrl": "{outputs["gatewayUrl"]}"' not in shown.stdout \
                        or "alice-notebook" not in shown.stdout.split("}")[-1]:
                    raise RuntimeError(f"the line above does not drive the stack:\n{shown.stdout}{shown.stderr}")
                say("the line above drives the stack: `pulumi stack output` and `litemaas spend` through it answered")
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
