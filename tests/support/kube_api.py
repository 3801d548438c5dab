"""A minimal client of the local Kubernetes API server (tests/support/kube_cluster.py): requests with the admin's
client certificate, discovery of REST paths, and polling."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests

T = TypeVar("T")


class KubeApiError(RuntimeError):
    """The API server answered a request with an error status."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else str(body)[:500]
        super().__init__(f"{method} {path} -> HTTP {status}: {message}")
        self.status = status
        self.body = body


class KubeApi:
    """Minimal Kubernetes REST client (requests + admin client certificate)."""

    def __init__(self, server: str, ca_file: Path, cert_file: Path, key_file: Path) -> None:
        self.server = server
        self.session = requests.Session()
        # Otherwise REQUESTS_CA_BUNDLE (set on CI machines) silently replaces the cluster's CA,
        # and proxy variables could capture 127.0.0.1 traffic.
        self.session.trust_env = False
        self.session.verify = str(ca_file)
        self.session.cert = (str(cert_file), str(key_file))
        self._resources: dict[str, list[dict[str, Any]]] = {}

    def request(self, method: str, path: str, body: Any = None, *, params: dict | None = None,
                content_type: str = "application/json", ok: tuple[int, ...] = ()) -> Any:
        """Send a request; return the decoded JSON body, raise KubeApiError on an error status."""
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        response = self.session.request(method, self.server + path, json=body, params=params,
                                        headers=headers, timeout=30)
        try:
            payload: Any = response.json()
        except ValueError:
            payload = response.text
        if response.status_code >= 400 and response.status_code not in ok:
            raise KubeApiError(method, path, response.status_code, payload)
        return payload

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def get_or_none(self, path: str) -> dict[str, Any] | None:
        """GET an object, or None when it does not exist."""
        body = self.request("GET", path, ok=(404,))
        return None if isinstance(body, dict) and body.get("kind") == "Status" and body.get("code") == 404 else body

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path, ok=(404,))

    def resource_path(self, api_version: str, kind: str, namespace: str | None = None,
                      name: str | None = None) -> str:
        """REST path of a kind (collection, or one object with ``name``), found via discovery."""
        base = f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"
        if api_version not in self._resources:
            self._resources[api_version] = self.get(base)["resources"]
        matches = [r for r in self._resources[api_version] if r["kind"] == kind and "/" not in r["name"]]
        if not matches:
            self._resources.pop(api_version)  # a CRD may have been added since
            raise KeyError(f"{api_version} {kind} is not served by {self.server}")
        resource = matches[0]
        path = base
        if resource["namespaced"]:
            if not namespace:
                raise ValueError(f"{kind} is namespaced: a namespace is required")
            path += f"/namespaces/{namespace}"
        path += f"/{resource['name']}"
        return f"{path}/{name}" if name else path

    def path_of(self, obj: dict[str, Any]) -> str:
        meta = obj["metadata"]
        return self.resource_path(obj["apiVersion"], obj["kind"], meta.get("namespace"), meta["name"])

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        """POST an object to its collection (like ``kubectl create``)."""
        meta = obj["metadata"]
        return self.request("POST", self.resource_path(obj["apiVersion"], obj["kind"],
                                                      meta.get("namespace")), obj)

    def wait_for(self, probe: Callable[[], T], *, timeout: float = 60, interval: float = 0.5,
                 description: str = "condition") -> T:
        """Call ``probe`` until it returns something truthy; raise TimeoutError with the last value."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            last = probe()
            if last:
                return last
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout}s waiting for {description}")
            time.sleep(interval)
