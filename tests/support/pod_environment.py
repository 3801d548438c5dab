"""What a kubelet gives a container, read from the local API server (tests/support/pods.py): its environment from
`env`/`envFrom` with Secret and ConfigMap references and `$(VAR)`, its volumes as local files, and container
paths and Service addresses mapped to the local stand-ins."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any, Optional

from tests.support.kube_api import KubeApi

_VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


class PodStartError(RuntimeError):
    """What a kubelet would report for the pod (CreateContainerConfigError, a crash, never ready)."""


def _decoded(data: dict[str, str] | None) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in (data or {}).items()}


class PodEnvironment:
    """Reads a pod's Secrets and ConfigMaps from the API server, as the kubelet does when it starts a container."""

    def __init__(self, api: KubeApi, namespace: str):
        self.api = api
        self.namespace = namespace

    def _object(self, kind: str, name: str, optional: bool) -> Optional[dict[str, str]]:
        path = f"/api/v1/namespaces/{self.namespace}/{kind.lower()}s/{name}"
        found = self.api.get_or_none(path)
        if found is None:
            if optional:
                return None
            raise PodStartError(f'CreateContainerConfigError: {kind.lower()} "{name}" not found')
        return _decoded(found.get("data")) if kind == "Secret" else dict(found.get("data") or {})

    def _key(self, kind: str, selector: dict[str, Any]) -> Optional[str]:
        optional = bool(selector.get("optional"))
        values = self._object(kind, selector["name"], optional)
        if values is None:
            return None
        if selector["key"] not in values:
            if optional:
                return None
            raise PodStartError(f"CreateContainerConfigError: couldn't find key {selector['key']} in {kind} "
                                f"{self.namespace}/{selector['name']}")
        return values[selector["key"]]

    def env(self, container: dict[str, Any]) -> dict[str, str]:
        """The container's environment: envFrom first, then env in order ($(VAR) expanded), later names win."""
        env: dict[str, str] = {}
        for source in container.get("envFrom") or []:
            prefix = source.get("prefix", "")
            for kind, ref in (("Secret", source.get("secretRef")), ("ConfigMap", source.get("configMapRef"))):
                if ref:
                    env.update({prefix + k: v for k, v in (self._object(kind, ref["name"],
                                                                         bool(ref.get("optional"))) or {}).items()})
        for variable in container.get("env") or []:
            name, source = variable["name"], variable.get("valueFrom")
            if source is None:
                value: Optional[str] = _VAR_REF.sub(lambda m: env.get(m.group(1), m.group(0)),
                                                    variable.get("value", ""))
            elif "secretKeyRef" in source:
                value = self._key("Secret", source["secretKeyRef"])
            elif "configMapKeyRef" in source:
                value = self._key("ConfigMap", source["configMapKeyRef"])
            else:
                raise PodStartError(f"env {name}: only secretKeyRef and configMapKeyRef are simulated, got {source}")
            if value is not None:
                env[name] = value
        return env

    def mount(self, pod_spec: dict[str, Any], container: dict[str, Any], root: Path) -> dict[str, Path]:
        """Each volume mount of the container as a local directory (ConfigMap and Secret keys as files):
        container path -> local path."""
        volumes = {v["name"]: v for v in pod_spec.get("volumes") or []}
        mounts: dict[str, Path] = {}
        for mount in container.get("volumeMounts") or []:
            volume = volumes.get(mount["name"])
            if volume is None:
                raise PodStartError(f"volumeMount {mount['name']!r} names no volume of the pod")
            local = root / "volumes" / mount["name"]
            if not local.exists():
                local.mkdir(parents=True)
                self._fill(volume, local)
            mounts[mount["mountPath"].rstrip("/") or "/"] = local / mount.get("subPath", "")
        return mounts

    def _fill(self, volume: dict[str, Any], local: Path) -> None:
        if "emptyDir" in volume:
            return
        if "configMap" in volume:
            source, kind, name = volume["configMap"], "ConfigMap", volume["configMap"]["name"]
        elif "secret" in volume:
            source, kind, name = volume["secret"], "Secret", volume["secret"]["secretName"]
        else:
            raise PodStartError(f"volume {volume['name']!r}: only emptyDir, configMap and secret are simulated")
        values = self._object(kind, name, bool(source.get("optional"))) or {}
        items = source.get("items") or [{"key": k, "path": k} for k in values]
        for item in items:
            if item["key"] not in values:
                raise PodStartError(f"volume {volume['name']!r}: {kind} {name} has no key {item['key']}")
            target = local / item["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(values[item["key"]])


def map_paths(value: str, mounts: dict[str, Path]) -> str:
    """A container path under a volume mount -> the local directory standing in for it (longest mount first)."""
    for mount_path in sorted(mounts, key=len, reverse=True):
        if value == mount_path or value.startswith(mount_path + "/"):
            return str(mounts[mount_path]) + value[len(mount_path):]
    return value


def map_services(value: str, namespace: str, services: dict[tuple[str, int], int]) -> str:
    """`<service>.<namespace>.svc[.cluster.local]:<port>` -> the local port standing in for that Service."""
    pattern = re.compile(rf"\b([a-z0-9-]+)\.{re.escape(namespace)}\.svc(?:\.cluster\.local)?:(\d+)\b")

    def local(match: re.Match[str]) -> str:
        port = services.get((match.group(1), int(match.group(2))))
        return f"127.0.0.1:{port}" if port else match.group(0)

    return pattern.sub(local, value)
