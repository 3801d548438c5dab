"""A throwaway Kubernetes control plane on 127.0.0.1 for tests.

Runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (which plays the
kubelet of one fake node: pods become Running and Ready, pods of Jobs succeed). Workloads
therefore reach the same Ready/Complete states a real cluster reports, without containers.
PersistentVolumeClaims are bound by kube-controller-manager's host-path provisioner through a
default StorageClass. The binaries come from scripts/kube-tools; docs/local-kubernetes.md
explains the moving parts. Beside this module: kube_binaries (the binaries and their processes),
kube_pki (the certificates) and kube_api (the REST client).

    with LocalCluster() as cluster:
        cluster.api.create({...})          # any kind the API server serves, Route included
        os.environ["KUBECONFIG"] = str(cluster.kubeconfig)
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.kube_api import KubeApi, KubeApiError
from tests.support.kube_binaries import (  # noqa: F401 - KUBE_TOOLS, REQUIRED_BINARIES, ensure_binaries: used from here
    KUBE_TOOLS, REQUIRED_BINARIES, ClusterError, Component, die_with_parent, ensure_binaries, free_port, terminate,
)
from tests.support.kube_pki import issue, pem_key, x509_name

ROUTE_CRD = Path(__file__).with_name("route_crd.yaml")

# Service CIDR of the fake cluster; 10.96.0.1 becomes the `kubernetes` Service IP.
SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.1/16"
SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"
# kwok manages only nodes carrying this annotation, so nothing else is ever faked by accident.
KWOK_NODE_ANNOTATION = ("kwok.x-k8s.io/node", "fake")
NODE_NAME = "kwok-node-0"
STORAGE_CLASS = "standard"
# kube-controller-manager's host-path provisioner creates volumes under /tmp/<this>/<uuid>.
HOSTPATH_PV_ROOT = Path("/tmp/hostpath_pv")


class LocalCluster:
    """etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok on 127.0.0.1.

    Use as a context manager (or call start()/stop()). Everything started is stopped on exit,
    also when start() fails halfway. Logs live in ``work_dir/logs``; the work directory is removed
    on a clean stop unless ``keep_work_dir`` or LITEMAAS_KEEP_CLUSTER_LOGS=1 is set, and kept (with
    its path printed) when start-up failed or ``mark_failed()`` was called.

    After start(): ``kubeconfig`` (admin, certificates embedded), ``server`` (https URL),
    ``ca_file``, ``api`` (KubeApi), ``startup_seconds``.
    """

    def __init__(self, tool_dir: Path | None = None, startup_timeout: float = 180.0,
                 keep_work_dir: bool | None = None) -> None:
        self.tool_dir = tool_dir
        self.startup_timeout = startup_timeout
        self.keep_work_dir = (os.environ.get("LITEMAAS_KEEP_CLUSTER_LOGS") == "1"
                              if keep_work_dir is None else keep_work_dir)
        self.work_dir: Path | None = None
        self.kubeconfig: Path | None = None
        self.server: str | None = None
        self.ca_file: Path | None = None
        self.api: KubeApi | None = None
        self.startup_seconds = 0.0
        self._components: list[Component] = []
        self._pki = Path()
        self._etcd_url = ""
        self._failed = False
        self._stopped = True

    def __repr__(self) -> str:
        return f"LocalCluster(server={self.server!r}, work_dir={str(self.work_dir)!r})"

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> LocalCluster:
        self.start()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.mark_failed()
        self.stop()

    def start(self) -> LocalCluster:
        """Start every component and wait until the cluster can run workloads."""
        began = time.monotonic()
        tool_dir = self.tool_dir or ensure_binaries()
        self.work_dir = Path(tempfile.mkdtemp(prefix="litemaas-kube-"))
        (self.work_dir / "logs").mkdir()
        self._stopped = False
        atexit.register(self.stop)
        try:
            self._write_credentials()
            self._start_etcd(tool_dir / "bin")
            self._start_apiserver(tool_dir / "bin")
            self._start_controller_manager(tool_dir / "bin")
            self._start_scheduler(tool_dir / "bin")
            self._start_kwok(tool_dir)
            self._bootstrap_objects()
        except BaseException as error:
            self.mark_failed()
            report = self.log_report()
            self.stop()
            if isinstance(error, Exception):
                raise ClusterError(f"local cluster failed to start: {error}\n{report}") from error
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        """Stop all components (newest first) and clean up; safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        self._remove_provisioned_volumes()
        for component in reversed(self._components):
            terminate(component.process)
        if self._failed or self.keep_work_dir:
            print(f"kube_cluster: logs kept in {self.work_dir}/logs", file=sys.stderr)
        else:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def mark_failed(self) -> None:
        """Keep the work directory (logs, certificates) for inspection after stop()."""
        self._failed = True

    # -- diagnostics -------------------------------------------------------------------------

    def log_report(self, lines: int = 40) -> str:
        """Exit status and the last lines of every component's log, for failure messages."""
        parts = []
        for component in self._components:
            code = component.process.poll()
            state = "running" if code is None else f"exited with {code}"
            parts.append(f"----- {component.name} ({state}), {component.log_path} -----")
            with contextlib.suppress(OSError):
                parts.extend(component.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(parts)

    def check_alive(self) -> None:
        """Raise ClusterError if a component has exited."""
        dead = [c for c in self._components if c.process.poll() is not None]
        if dead:
            self.mark_failed()
            raise ClusterError(f"{', '.join(c.name for c in dead)} exited\n{self.log_report()}")

    def env(self) -> dict[str, str]:
        """Environment variables that point Kubernetes clients (kubectl, Pulumi) at this cluster."""
        return {"KUBECONFIG": str(self.kubeconfig)}

    # -- start-up steps ----------------------------------------------------------------------

    def _write_credentials(self) -> None:
        pki = self.work_dir / "pki"
        pki.mkdir(mode=0o700)
        ca = issue(x509_name("litemaas-test-ca"), None, ca=True)
        serving = issue(x509_name("kube-apiserver"), ca, server_names=(
            "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local"), server_ips=("127.0.0.1", "10.96.0.1"))
        # system:masters bypasses authorization: the admin may do everything.
        admin = issue(x509_name("litemaas-test-admin", "system:masters"), ca, client=True)
        service_account_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        files = {
            "ca.crt": ca.cert_pem, "ca.key": ca.key_pem,
            "apiserver.crt": serving.cert_pem, "apiserver.key": serving.key_pem,
            "admin.crt": admin.cert_pem, "admin.key": admin.key_pem,
            "sa.key": pem_key(service_account_key),
            "sa.pub": service_account_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        }
        for filename, content in files.items():
            path = pki / filename
            path.write_bytes(content)
            path.chmod(0o600)
        self.ca_file = pki / "ca.crt"
        self._pki = pki

    def _spawn(self, name: str, argv: list[str]) -> Component:
        log_path = self.work_dir / "logs" / f"{name}.log"
        log = log_path.open("wb")
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=self.work_dir,
            start_new_session=True, preexec_fn=die_with_parent)
        log.close()
        component = Component(name, process, log_path)
        self._components.append(component)
        return component

    def _wait(self, description: str, probe: Callable[[], Any], timeout: float | None = None) -> Any:
        deadline = time.monotonic() + (timeout or self.startup_timeout)
        while True:
            self.check_alive()
            with contextlib.suppress(requests.RequestException, KubeApiError):
                value = probe()
                if value:
                    return value
            if time.monotonic() > deadline:
                raise ClusterError(f"timed out waiting for {description}")
            time.sleep(0.25)

    def _start_etcd(self, bin_dir: Path) -> None:
        client_port, peer_port = free_port(), free_port()
        self._etcd_url = f"http://127.0.0.1:{client_port}"
        peer_url = f"http://127.0.0.1:{peer_port}"
        self._spawn("etcd", [
            str(bin_dir / "etcd"), "--name=default", f"--data-dir={self.work_dir / 'etcd'}",
            f"--listen-client-urls={self._etcd_url}", f"--advertise-client-urls={self._etcd_url}",
            f"--listen-peer-urls={peer_url}", f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=default={peer_url}",
            # The data is thrown away with the cluster; fsync only costs time.
            "--unsafe-no-fsync", "--log-level=warn",
        ])
        plain = requests.Session()
        plain.trust_env = False
        self._wait("etcd /health", lambda: plain.get(f"{self._etcd_url}/health", timeout=2)
                   .json().get("health") == "true")

    def _start_apiserver(self, bin_dir: Path) -> None:
        port = free_port()
        pki = self._pki
        self.server = f"https://127.0.0.1:{port}"
        self._spawn("kube-apiserver", [
            str(bin_dir / "kube-apiserver"),
            f"--etcd-servers={self._etcd_url}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={port}",
            f"--cert-dir={self.work_dir / 'apiserver'}",
            f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            "--authorization-mode=Node,RBAC",
            f"--service-account-issuer={SERVICE_ACCOUNT_ISSUER}",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            # The `kubernetes` Endpoints may not point at a loopback address; nothing in the
            # fake cluster needs them.
            "--endpoint-reconciler-type=none",
            "--allow-privileged=true", "--profiling=false",
        ])
        self.kubeconfig = self.work_dir / "kubeconfig"
        self._write_kubeconfig(self.kubeconfig)
        self.api = KubeApi(self.server, pki / "ca.crt", pki / "admin.crt", pki / "admin.key")
        self._wait("kube-apiserver /readyz", lambda: self.api.session.get(
            f"{self.server}/readyz", timeout=5).status_code == 200)

    def _write_kubeconfig(self, path: Path) -> None:
        pki = self._pki

        def b64(name: str) -> str:
            return base64.b64encode((pki / name).read_bytes()).decode()

        config = {
            "apiVersion": "v1", "kind": "Config", "current-context": "litemaas-local",
            "clusters": [{"name": "litemaas-local", "cluster": {
                "server": self.server, "certificate-authority-data": b64("ca.crt")}}],
            "users": [{"name": "litemaas-admin", "user": {
                "client-certificate-data": b64("admin.crt"), "client-key-data": b64("admin.key")}}],
            "contexts": [{"name": "litemaas-local", "context": {
                "cluster": "litemaas-local", "user": "litemaas-admin", "namespace": "default"}}],
        }
        path.write_text(yaml.safe_dump(config))
        path.chmod(0o600)

    def _start_controller_manager(self, bin_dir: Path) -> None:
        pki = self._pki
        self._spawn("kube-controller-manager", [
            str(bin_dir / "kube-controller-manager"),
            f"--kubeconfig={self.kubeconfig}", "--leader-elect=false",
            # No metrics/health endpoint: nothing scrapes it, and it would need its own port.
            "--secure-port=0",
            f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}",
            f"--cluster-signing-key-file={pki / 'ca.key'}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            # Dynamic provisioning of PersistentVolumes (StatefulSet volumeClaimTemplates) without
            # a CSI driver: directories under /tmp/hostpath_pv, for testing only.
            "--enable-hostpath-provisioner=true",
        ])

    def _start_scheduler(self, bin_dir: Path) -> None:
        self._spawn("kube-scheduler", [
            str(bin_dir / "kube-scheduler"),
            f"--kubeconfig={self.kubeconfig}", "--leader-elect=false", "--secure-port=0",
        ])

    def _start_kwok(self, tool_dir: Path) -> None:
        stages = sorted((tool_dir / "kwok-stages").glob("*.yaml"))
        if not stages:
            raise ClusterError(f"no kwok stages in {tool_dir / 'kwok-stages'}; rerun scripts/kube-tools")
        config = self.work_dir / "kwok.yaml"
        # Stages only: a KwokConfiguration document would replace kwok's defaults wholesale.
        config.write_text("\n---\n".join(stage.read_text() for stage in stages))
        key, value = KWOK_NODE_ANNOTATION
        self._spawn("kwok", [
            str(tool_dir / "bin" / "kwok"), f"--config={config}", f"--kubeconfig={self.kubeconfig}",
            "--manage-all-nodes=false", f"--manage-nodes-with-annotation-selector={key}={value}",
            f"--cidr={POD_CIDR}", "--node-ip=127.0.0.1",
            f"--server-address=127.0.0.1:{free_port()}",
            "--node-lease-duration-seconds=40",
        ])

    def _bootstrap_objects(self) -> None:
        api = self.api
        key, value = KWOK_NODE_ANNOTATION
        api.create({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": NODE_NAME, "annotations": {key: value}, "labels": {
                "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64", "type": "kwok"}},
        })
        api.create({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": STORAGE_CLASS, "annotations": {
                "storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "kubernetes.io/host-path",
            "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
        })
        self.install_crd(yaml.safe_load(ROUTE_CRD.read_text()))

        def node_ready() -> bool:
            node = api.get(f"/api/v1/nodes/{NODE_NAME}")
            conditions = {c["type"]: c["status"] for c in node.get("status", {}).get("conditions", [])}
            taints = node["spec"].get("taints", [])
            return conditions.get("Ready") == "True" and not taints

        self._wait("the kwok node to become Ready and untainted", node_ready)
        # Created by kube-controller-manager; pods cannot be admitted before it exists.
        self._wait("the default ServiceAccount",
                   lambda: api.get_or_none("/api/v1/namespaces/default/serviceaccounts/default"))

    def install_crd(self, crd: dict[str, Any]) -> None:
        """Create a CustomResourceDefinition and wait until the API server serves its kind."""
        api = self.api
        api.create(crd)
        name, spec = crd["metadata"]["name"], crd["spec"]
        api_version = f"{spec['group']}/{spec['versions'][0]['name']}"

        def established() -> bool:
            found = api.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
            # conditions are null until the apiextensions controller first writes them
            return any(c["type"] == "Established" and c["status"] == "True"
                       for c in (found.get("status") or {}).get("conditions") or [])

        def served() -> bool:
            try:
                return bool(api.resource_path(api_version, spec["names"]["kind"], "default"))
            except (KeyError, TypeError):  # not in discovery yet, or its resource list still null
                return False

        self._wait(f"the CRD {name} to be established", established)
        self._wait(f"{api_version} in discovery", served)

    def _remove_provisioned_volumes(self) -> None:
        """Delete the host-path directories this cluster's provisioner created under /tmp."""
        with contextlib.suppress(Exception):
            volumes = self.api.get("/api/v1/persistentvolumes")["items"]
            for volume in volumes:
                path = Path(volume["spec"].get("hostPath", {}).get("path", ""))
                if path.parent == HOSTPATH_PV_ROOT:
                    shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def local_cluster(**options: Any) -> Iterator[LocalCluster]:
    """Context manager form of LocalCluster (started on entry, stopped on exit)."""
    with LocalCluster(**options) as cluster:
        yield cluster
