"""The local control plane's binaries and processes (tests/support/kube_cluster.py): the binaries scripts/kube-tools
builds, free ports, children that die with the test run, and a graceful stop of a process group."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
KUBE_TOOLS = REPO_ROOT / "scripts" / "kube-tools"
REQUIRED_BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")


class ClusterError(RuntimeError):
    """The local cluster could not be started, or a component died."""


def ensure_binaries(build: bool = True) -> Path:
    """Return the directory with the control plane binaries, building them if they are missing.

    A cold build takes 6-15 minutes on 2 cores (docs/local-kubernetes.md); CI runs scripts/kube-tools
    before the tests so that this only checks.
    """
    check = subprocess.run([str(KUBE_TOOLS), "check"], check=False)
    if check.returncode != 0:
        if not build:
            raise ClusterError(f"Kubernetes binaries are not built; run {KUBE_TOOLS}")
        print(f"kube_cluster: building Kubernetes binaries with {KUBE_TOOLS} ...", file=sys.stderr)
        subprocess.run([str(KUBE_TOOLS), "build"], check=True, stdout=subprocess.DEVNULL)
    tool_dir = Path(subprocess.run([str(KUBE_TOOLS), "tool-dir"], check=True, capture_output=True,
                                   text=True).stdout.strip())
    missing = [b for b in REQUIRED_BINARIES if not os.access(tool_dir / "bin" / b, os.X_OK)]
    if missing:
        raise ClusterError(f"{tool_dir}/bin lacks {missing} even after scripts/kube-tools build")
    return tool_dir


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the test process dies, even by SIGKILL."""
    PR_SET_PDEATHSIG = 1
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Component:
    """One running binary of the control plane and its log."""

    name: str
    process: subprocess.Popen
    log_path: Path


def terminate(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the component's process group, SIGKILL it after ``grace`` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
