"""Read-only GETs against the Kubernetes API from the program itself, with the kubeconfig the provider uses.

`CustomResource.get` of a missing object fails the whole run in the engine ("resource 'ns/name' does not
exist" plus a Python traceback) before the program can say which config key named it. Reading here instead
lets the stack config checks report a missing or unready object as one ConfigError naming the key.

Credentials, as the Kubernetes provider finds them: the `kubernetes:kubeconfig` / `kubernetes:context`
config, else $KUBECONFIG (its first file), else ~/.kube/config, else the pod's ServiceAccount. A user entry
may hold a token, a token file, a client certificate, or an `exec` plugin (e.g. `oc`, cloud CLIs);
the legacy `auth-provider` entries are not supported.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import requests
import yaml

from litemaas_common.redaction import redact

IN_CLUSTER_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
TIMEOUT = 30


class KubeReadError(Exception):
    """The API server could not be reached or refused the read (the message says which and how to fix it)."""


class KubeReader:
    """GET Kubernetes objects by REST path; a missing object is None."""

    def __init__(self, server: str, session: requests.Session, secrets: Sequence[str] = ()) -> None:
        """`secrets`: the credentials the session carries, masked in every error (requests names an unsendable
        header's value in its own, and a proxy's error page may echo the request)."""
        self.server = server.rstrip("/")
        self.session = session
        self.secrets = tuple(secrets)

    def get(self, path: str) -> Optional[dict[str, Any]]:
        try:
            response = self.session.get(self.server + path, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise self._error(f"cannot reach the Kubernetes API at {self.server}: {exc}") from None
        if response.status_code == 404:
            return None
        if response.status_code in (401, 403):
            raise self._error(f"the Kubernetes API refused GET {path} (HTTP {response.status_code}); the "
                              "credentials Pulumi deploys with need `get` on it")
        if response.status_code >= 400:
            raise self._error(f"GET {path} on the Kubernetes API answered HTTP {response.status_code}: "
                              f"{response.text[:300]}")
        return response.json()

    def _error(self, message: str) -> KubeReadError:
        return KubeReadError(redact(message, self.secrets))

    @classmethod
    def from_environment(cls, kubeconfig: Optional[str] = None, context: Optional[str] = None) -> "KubeReader":
        """The reader for `kubeconfig` (file contents or a path; default: $KUBECONFIG, ~/.kube/config, in-cluster)."""
        document = _kubeconfig_document(kubeconfig)
        if document is None:
            return _in_cluster()
        return _from_kubeconfig(document, context)


def _kubeconfig_document(kubeconfig: Optional[str]) -> Optional[dict[str, Any]]:
    if kubeconfig:
        text = Path(kubeconfig).expanduser().read_text() if "\n" not in kubeconfig and \
            Path(kubeconfig).expanduser().is_file() else kubeconfig
        return yaml.safe_load(text)
    for candidate in [*(os.environ.get("KUBECONFIG") or "").split(os.pathsep), "~/.kube/config"]:
        if candidate and Path(candidate).expanduser().is_file():
            return yaml.safe_load(Path(candidate).expanduser().read_text())
    return None


def _named(document: Mapping[str, Any], kind: str, name: Optional[str]) -> dict[str, Any]:
    for entry in document.get(f"{kind}s") or []:
        if entry.get("name") == name:
            return entry.get(kind) or {}
    raise KubeReadError(f"the kubeconfig has no {kind} named {name!r}")


def _from_kubeconfig(document: Mapping[str, Any], context_name: Optional[str]) -> KubeReader:
    context = _named(document, "context", context_name or document.get("current-context"))
    cluster = _named(document, "cluster", context.get("cluster"))
    user = _named(document, "user", context.get("user")) if context.get("user") else {}
    session = requests.Session()
    # Like the provider: proxies and REQUESTS_CA_BUNDLE from the environment must not replace the cluster's CA.
    session.trust_env = False
    if cluster.get("insecure-skip-tls-verify"):
        session.verify = False
    elif cluster.get("certificate-authority-data"):
        session.verify = _temp_file(base64.b64decode(cluster["certificate-authority-data"]))
    elif cluster.get("certificate-authority"):
        session.verify = cluster["certificate-authority"]
    if "auth-provider" in user:
        raise KubeReadError("the kubeconfig user uses an `auth-provider`, which this program cannot read with; "
                            "log in with a token (`oc login`) or an `exec` plugin")
    if "exec" in user:
        user = {**user, **_exec_credential(user["exec"])}
    cert, key = _pem(user, "client-certificate"), _pem(user, "client-key")
    if cert and key:
        session.cert = (cert, key)
    token = user.get("token")
    if not token and user.get("tokenFile"):
        token = Path(user["tokenFile"]).read_text().strip()
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    if not cluster.get("server"):
        raise KubeReadError("the kubeconfig's cluster has no server")
    return KubeReader(cluster["server"], session, secrets=[token] if token else [])


def _pem(user: Mapping[str, Any], key: str) -> Optional[str]:
    if user.get(f"{key}-data"):
        return _temp_file(base64.b64decode(user[f"{key}-data"]))
    return user.get(key)


def _exec_credential(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Run a client-go credential plugin; its ExecCredential status as kubeconfig user fields.

    A failure names the command, never its arguments or environment (plugins take secrets there too); its stderr
    is shown with those values masked."""
    extra_env = {e["name"]: e["value"] for e in spec.get("env") or []}
    args = [str(a) for a in spec.get("args") or []]
    hidden = [*args, *(v.split("=", 1)[-1] for v in args), *map(str, extra_env.values())]
    try:
        completed = subprocess.run([spec["command"], *args], env={**os.environ, **extra_env}, capture_output=True,
                                   text=True, timeout=TIMEOUT, check=True)
        status = json.loads(completed.stdout).get("status") or {}
    except subprocess.CalledProcessError as exc:
        stderr = (exc.stderr or "").strip()[-300:]
        reason = f"exited with status {exc.returncode}" + (f": {stderr}" if stderr else "")
    except subprocess.TimeoutExpired:
        reason = f"did not finish within {TIMEOUT} s"
    except (OSError, ValueError, AttributeError) as exc:
        reason = str(exc) if isinstance(exc, OSError) else "did not print an ExecCredential (JSON with a status)"
    else:
        reason = None
    if reason is not None:
        raise KubeReadError(f"the kubeconfig's exec credential plugin {spec.get('command')!r} failed: "
                            f"{redact(reason, hidden)}") from None
    fields: dict[str, Any] = {"token": status.get("token")}
    for field, kubeconfig_key in (("clientCertificateData", "client-certificate"), ("clientKeyData", "client-key")):
        if status.get(field):
            fields[kubeconfig_key] = _temp_file(status[field].encode())
    return fields


def _in_cluster() -> KubeReader:
    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    token_file = IN_CLUSTER_ACCOUNT / "token"
    if not host or not token_file.is_file():
        raise KubeReadError("no kubeconfig found ($KUBECONFIG, ~/.kube/config, kubernetes:kubeconfig) and not "
                            "running in a pod; log in to the cluster (`oc login …`) first")
    session = requests.Session()
    session.trust_env = False
    session.verify = str(IN_CLUSTER_ACCOUNT / "ca.crt")
    token = token_file.read_text().strip()
    session.headers["Authorization"] = f"Bearer {token}"
    return KubeReader(f"https://{host}:{port}", session, secrets=[token])


_TEMP_DIR: list[str] = []


def _temp_file(content: bytes) -> str:
    """A private file for key material requests needs as a path; removed when the program exits."""
    if not _TEMP_DIR:
        _TEMP_DIR.append(tempfile.mkdtemp(prefix="litemaas-kube-"))
        atexit.register(shutil.rmtree, _TEMP_DIR[0], True)
    handle, path = tempfile.mkstemp(dir=_TEMP_DIR[0])
    with os.fdopen(handle, "wb") as file:
        file.write(content)
    return path
