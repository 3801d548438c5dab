"""Pods as processes: the gateway Deployment's container run on 127.0.0.1 the way a kubelet would start it.

The local API server has no kubelet (kwok only marks pods running), so the sandbox and the end-to-end tests run
the real LiteLLM proxy from the Deployment's own spec while it exists in the API server:

- the command is the image's entrypoint (`litellm`, as `docker/prod_entrypoint.sh` runs it) with the container's
  `args`; the environment is the container's `env`/`envFrom`, with `secretKeyRef`/`configMapKeyRef` read from
  the API server, and a missing Secret, ConfigMap or key fails the start as a kubelet's CreateContainerConfigError;
- every volume mount (emptyDir, configMap, secret) is a local directory, and container paths in args and env
  values are mapped into them, so `--config /etc/litellm/config.yaml` reads the ConfigMap's file;
- the port in `--port` must be the one the readiness probe checks; the process listens on a free local port;
- the pod is ready when that probe path answers and the database is connected (the proxy's own readiness).

Simulated, and nothing else: cluster DNS (`<service>.<namespace>.svc:<port>` in env values points at the local
server standing in for that Service), the image (the proxy's venv from `scripts/real-litellm` and the variables
its Dockerfile sets), and the PostgreSQL StatefulSet: one local PostgreSQL with LiteLLM's migrations applied
(which the migration Job would run), whose role and password come from the StatefulSet's env when the role does
not exist yet, as the postgres image's entrypoint does on an empty volume (and only then, so a kept volume keeps
its password). A template change rolls the pod (new process, then the old one stops); a deleted Deployment stops it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import requests

from tests.support.fault_proxy import FaultProxy
from tests.support.kube_api import KubeApi
from tests.support.pod_environment import PodEnvironment, PodStartError, map_paths, map_services
from tests.support.real_litellm import START_TIMEOUT, Installation, Postgres, RealLiteLLM, free_port

LITELLM_DEFAULT_PORT = 4000
# How long a proxy may answer its probe before its database connects (Prisma connects right after start).
NO_DATABASE_GRACE = 15.0
# What the LiteLLM image brings besides the proxy (its Dockerfile's ENV): offline cost map, no telemetry.
IMAGE_ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "CHECKPOINT_DISABLE": "1", "NO_PROXY": "*"}
@dataclass
class Launch:
    """How the container is started: argv (the local port in place of the container's) and environment."""

    argv: list[str]
    env: dict[str, str]
    port: int
    readiness_path: str
    workdir: Path = field(repr=False)


def container_port(container: dict[str, Any], port: Any) -> int:
    """A probe's port (a number, or the name of one of the container's ports)."""
    if isinstance(port, int):
        return port
    for declared in container.get("ports") or []:
        if declared.get("name") == port:
            return declared["containerPort"]
    raise PodStartError(f"the probe names port {port!r}, which the container does not declare")


def gateway_launch(api: KubeApi, namespace: str, deployment: dict[str, Any], install: Installation,
                   services: dict[tuple[str, int], int], workdir: Path) -> Launch:
    """The LiteLLM container of a Deployment as a local command, or PodStartError as a kubelet would fail it."""
    pod_spec = deployment["spec"]["template"]["spec"]
    (container,) = [c for c in pod_spec["containers"] if c["name"] == "litellm"]
    if container.get("command"):
        raise PodStartError(f"the container overrides the image's entrypoint with {container['command']}; only "
                            "the LiteLLM image's own entrypoint (`litellm`) is simulated")
    environment = PodEnvironment(api, namespace)
    mounts = environment.mount(pod_spec, container, workdir)
    env = {name: map_services(map_paths(value, mounts), namespace, services)
           for name, value in environment.env(container).items()}
    args = [map_paths(arg, mounts) for arg in container.get("args") or []]
    probe = container.get("readinessProbe", {}).get("httpGet")
    if probe is None:
        raise PodStartError("the container has no HTTP readiness probe: nothing would say it is ready")
    listens = int(args[args.index("--port") + 1]) if "--port" in args else LITELLM_DEFAULT_PORT
    probed = container_port(container, probe["port"])
    if listens != probed:
        raise PodStartError(f"the proxy listens on {listens} but the readiness probe checks {probed}: the pod "
                            "would never become ready")
    port = free_port()
    if "--port" in args:
        args[args.index("--port") + 1] = str(port)
    else:
        args += ["--port", str(port)]
    image_env = {"PATH": f"{install.python.parent}:/usr/bin:/bin", **IMAGE_ENV, **install.engine_env()}
    return Launch([str(install.litellm), *args, "--host", "127.0.0.1"], {**image_env, **env}, port,
                  probe.get("path", "/"), workdir)


class GatewayPod(RealLiteLLM):
    """The real proxy started from a `Launch`; `admin()`, `models()`, `stored_model()` use the keys of its env."""

    def __init__(self, launch: Launch, db: Postgres):
        super().__init__(database_url=launch.env.get("DATABASE_URL", ""),
                         master_key=launch.env.get("LITELLM_MASTER_KEY", "(none)"),
                         salt_key=launch.env.get("LITELLM_SALT_KEY", "(none)"))
        self.launch = launch
        self.port = launch.port
        self.shared_db = db

    def start(self) -> None:
        self.workdir = self.launch.workdir
        self._log = open(self.workdir / "proxy.log", "wb")
        self._process = subprocess.Popen(self.launch.argv, env=self.launch.env, cwd=self.workdir, stdout=self._log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()
        self.db = self.shared_db

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """The readiness probe's path answers 200, and the proxy reports its database connected."""
        deadline = time.monotonic() + timeout
        last, answering_since = "no answer yet", 0.0
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise PodStartError(f"the container exited with {self._process.returncode} (CrashLoopBackOff):\n"
                                    f"{self.log_tail()}")
            try:
                answer = requests.get(f"{self.url}{self.launch.readiness_path}", timeout=5)
                if answer.status_code == 200 and answer.json().get("db") == "connected":
                    return
                last = f"{answer.status_code} {answer.text[:200]}"
                if answer.status_code == 200:
                    # LiteLLM answers its probe without a database; every admin call would fail.
                    answering_since = answering_since or time.monotonic()
                    if time.monotonic() - answering_since > NO_DATABASE_GRACE:
                        raise PodStartError(f"the proxy answers but its database is not connected: {last}\n"
                                            f"{self.log_tail()}")
            except (requests.RequestException, ValueError) as exc:
                last = type(exc).__name__
            time.sleep(0.5)
        raise PodStartError(f"never ready: {self.launch.readiness_path} answered {last}\n{self.log_tail()}")

    def stop(self) -> None:
        self.db = None  # the database outlives the pod
        super().stop()

    def credential_errors(self, master_key: str, salt_key: str,
                          stored: Optional[tuple[str, str]] = None) -> list[str]:
        """What is wrong between the credentials the stack stored in the cluster and what this pod does with them:
        the stack's master key must be accepted and another refused; what the pod encrypts now, and `stored`
        (a model id and its api_key, written earlier), must decrypt with the stack's salt key."""
        errors = []
        if self.admin("GET", "/key/list", key=master_key).status_code != 200:
            errors.append("the gateway refuses the stack's master key")
        if self.admin("GET", "/key/list", key="sk-not-the-master-key").status_code not in (400, 401, 403):
            errors.append("the gateway accepts any key as admin: it runs without the stack's master key")
        probe = self.admin("POST", "/model/new", key=master_key, json={
            "model_name": "litemaas-salt-probe", "litellm_params": {"model": "openai/probe", "api_key": "sk-probe"}})
        checks = [stored] if stored else []
        if probe.ok:
            checks.append((probe.json()["model_id"], "sk-probe"))
        self.salt_key = salt_key
        try:
            for model_id, api_key in checks:
                if (self.stored_model(model_id) or {}).get("litellm_params", {}).get("api_key") != api_key:
                    errors.append(f"the stored credential of model {model_id} does not decrypt with the stack's "
                                  "salt key")
        finally:
            if probe.ok:
                self.admin("POST", "/model/delete", key=master_key, json={"id": probe.json()["model_id"]})
        return errors


def init_database(api: KubeApi, namespace: str, statefulset: dict[str, Any], db: Postgres) -> None:
    """What the postgres image's entrypoint does on an empty volume, from the StatefulSet's env: the role with its
    password, owning the database. A role that exists already keeps its password (the volume is initialised)."""
    (container,) = statefulset["spec"]["template"]["spec"]["containers"][:1]
    env = PodEnvironment(api, namespace).env(container)
    user, password, database = env.get("POSTGRES_USER"), env.get("POSTGRES_PASSWORD"), env.get("POSTGRES_DB")
    if not (user and password) or database != "litellm":
        raise PodStartError("the postgres container needs POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB=litellm "
                            f"(the database holding LiteLLM's schema here); it has {sorted(env)}")
    if db.rows(f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'", "postgres"):
        return
    quoted = password.replace("'", "''")
    db.psql(f"""CREATE ROLE "{user}" LOGIN PASSWORD '{quoted}';
        ALTER DATABASE litellm OWNER TO "{user}";
        ALTER SCHEMA public OWNER TO "{user}";
        DO $$ DECLARE t record; BEGIN
          FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
            EXECUTE format('ALTER TABLE public.%I OWNER TO "{user}"', t.tablename);
          END LOOP;
          FOR t IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
            EXECUTE format('ALTER SEQUENCE public.%I OWNER TO "{user}"', t.sequencename);
          END LOOP;
          FOR t IN SELECT typname FROM pg_type JOIN pg_namespace n ON n.oid = typnamespace
                   WHERE nspname = 'public' AND typtype = 'e' LOOP
            EXECUTE format('ALTER TYPE public.%I OWNER TO "{user}"', t.typname);
          END LOOP;
        END $$;""")
    # The superuser keeps trust (the tests' psql); the application role must give its password.
    hba = db.data / "pg_hba.conf"
    hba.write_text(f"host all {user} 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
    db._pg_ctl("reload")


class SimulatedWorkloads:
    """Watches a namespace of the local API server and runs its PostgreSQL and LiteLLM workloads as processes.

    `front` (a FaultProxy whose URL is the stack's `gatewayUrl`) plays the Service: it forwards to the ready pod,
    and `front.backend` is that pod (a `GatewayPod`). `errors` holds what a kubelet would have reported.
    """

    def __init__(self, api: KubeApi, namespace: str, front: FaultProxy, *,
                 say: Callable[[str], None] = lambda message: None, poll: float = 0.5):
        self.api = api
        self.namespace = namespace
        self.front = front
        self.say = say
        self.poll = poll
        self.install = Installation.find()
        self.workdir = Path(tempfile.mkdtemp(prefix="litemaas-pods-"))
        self.workdir.chmod(0o755)  # PostgreSQL runs as `postgres` under root
        self.db = Postgres(self.install, self.workdir / "postgres")
        self.pod: Optional[GatewayPod] = None
        self.pod_template: Optional[str] = None
        self.errors: list[str] = []  # pods that crashed or never became ready
        self.waiting: Optional[str] = None  # why no pod could be started at the last poll (e.g. a missing Secret)
        self.started = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def __enter__(self) -> "SimulatedWorkloads":
        self.db.workdir.mkdir(parents=True)
        try:
            self.db.start()
        except BaseException:
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise
        self._no_endpoints = None
        self._route_to(None)
        self._thread = threading.Thread(target=self._watch, name="simulated-workloads", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        self._stop_pod()
        self.db.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def _get(self, api_version: str, kind: str, name: str) -> Optional[dict[str, Any]]:
        return self.api.get_or_none(self.api.resource_path(api_version, kind, self.namespace, name))

    def _watch(self) -> None:
        failed_template: Optional[str] = None
        database_ready = False
        while not self._stop.wait(self.poll):
            try:
                statefulset = self._get("apps/v1", "StatefulSet", "postgres")
                if statefulset is not None and not database_ready:
                    init_database(self.api, self.namespace, statefulset, self.db)
                    database_ready = True
                deployment = self._get("apps/v1", "Deployment", "litellm")
                if deployment is None:
                    if self.pod is not None:
                        self.say("the litellm Deployment is gone: stopping its pod")
                        self._stop_pod()
                    failed_template = None
                    continue
                template = json.dumps(deployment["spec"]["template"], sort_keys=True)
                if template in (self.pod_template, failed_template) or not database_ready:
                    continue
                try:
                    self._roll(deployment, template)
                    failed_template = self.waiting = None
                except PodStartError as exc:
                    if "CreateContainerConfigError" in str(exc):
                        raise  # retried at the next poll, as a kubelet does, until the Secret or key exists
                    failed_template = template  # crashed or never ready: the next template is tried
                    self.errors.append(f"litellm pod: {exc}")
                    self.say(f"the litellm pod failed to start: {exc}")
            except Exception as exc:  # noqa: BLE001 - what the pod waits for; the API server may be stopping
                if str(exc) != self.waiting:
                    self.say(f"waiting: {exc}")
                self.waiting = str(exc)

    def _roll(self, deployment: dict[str, Any], template: str) -> None:
        self.say("starting the litellm pod from the Deployment's spec ...")
        workdir = Path(tempfile.mkdtemp(prefix="pod-", dir=self.workdir))
        launch = gateway_launch(self.api, self.namespace, deployment, self.install,
                                {("postgres", 5432): self.db.port}, workdir)
        pod = GatewayPod(launch, self.db)
        try:
            pod.start()
        except BaseException:
            pod.stop()
            raise
        old, self.pod, self.pod_template = self.pod, pod, template
        self._route_to(pod)
        self.started += 1
        self.say(f"the litellm pod is ready on {pod.url}")
        if old is not None:
            old.stop()

    def wait_until_current(self, timeout: float = 300) -> None:
        """Until the pod runs the Deployment's current template, or PodStartError with what failed."""
        errors = len(self.errors)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.errors) > errors:
                raise PodStartError("; ".join(self.errors[errors:]))
            deployment = self._get("apps/v1", "Deployment", "litellm")
            if deployment is not None and json.dumps(deployment["spec"]["template"], sort_keys=True) == \
                    self.pod_template:
                return
            time.sleep(self.poll)
        raise PodStartError(f"the litellm pod does not run the Deployment's template after {timeout:.0f} s")

    def _route_to(self, pod: Optional[GatewayPod]) -> None:
        """The Route's answer: the ready pod, or 503 as OpenShift's router answers for a Service without one."""
        if pod is None:
            if self._no_endpoints is None:
                self._no_endpoints = self.front.fail("*", "/**", status=503, times=-1,
                                                     body="Application is not available")
            return
        self.front.upstream, self.front.backend = pod.url, pod
        if self._no_endpoints is not None:
            self._no_endpoints.times = 0
            self._no_endpoints = None

    def _stop_pod(self) -> None:
        self._route_to(None)
        pod, self.pod, self.pod_template = self.pod, None, None
        if pod is not None:
            with contextlib.suppress(Exception):
                pod.stop()
