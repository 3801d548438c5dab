"""Redis for the gateway pods' shared state: LiteLLM's coordination Redis (rate limits, spend counters, key and
config invalidation broadcasts). One pod, no persistence: the counters it holds are rebuilt from the database
and the current window, and the password never leaves the Secret (a config file mounted from it)."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Optional
from urllib.parse import quote

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components import kube
from config import RedisConfig

COMPONENT = "redis"
PORT = 6379
SECRET_NAME = "redis-credentials"
CONFIG_DIR = "/etc/redis"
# Share of the memory limit Redis may fill before evicting keys that expire anyway (LiteLLM sets TTLs on its
# counters and cache entries); the rest is headroom for buffers and the process itself.
MAXMEMORY_SHARE = 0.75
MEMORY_UNITS = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4, "K": 1000, "M": 1000**2, "G": 1000**3}


def maxmemory_bytes(limit: Optional[str]) -> Optional[int]:
    """MAXMEMORY_SHARE of a memory limit such as `256Mi`, or None when it cannot be read."""
    match = re.fullmatch(r"(\d+)(Ki|Mi|Gi|Ti|K|M|G)?", limit or "")
    if not match:
        return None
    return int(int(match.group(1)) * MEMORY_UNITS.get(match.group(2) or "", 1) * MAXMEMORY_SHARE)


def conf_word(value: str) -> str:
    """One redis.conf argument: as it is when plain (generated passwords stay as they were), else in double
    quotes with every other byte as `\\xHH` (Redis starts a quoted string at a `"` or `'` anywhere in a word)."""
    if re.fullmatch(r"[A-Za-z0-9._~!$%&*+,\-/:;<=>?@^`|()\[\]{}#]+", value):
        return value
    return '"' + "".join(chr(b) if 0x20 <= b < 0x7f and chr(b) not in "\\\"'" else f"\\x{b:02x}"
                         for b in value.encode()) + '"'


def credentials_digest(password: str, key: Optional[str] = None) -> str:
    """What rolls the pod when the password changes, without putting it on the pod: a plain hash of a generated
    (high-entropy) password, an HMAC keyed by a generated key for a chosen one."""
    if key is None:
        return hashlib.sha256(password.encode()).hexdigest()[:16]
    return hmac.new(key.encode(), password.encode(), hashlib.sha256).hexdigest()[:16]


def redis_conf(password: str, maxmemory: Optional[int]) -> str:
    lines = [f"requirepass {conf_word(password)}", f"port {PORT}", "bind * -::*", "protected-mode no", "dir /data",
             'save ""', "appendonly no"]
    if maxmemory:
        lines += [f"maxmemory {maxmemory}", "maxmemory-policy volatile-lru"]
    return "\n".join(lines) + "\n"


@dataclass
class RedisArgs:
    namespace: pulumi.Input[str]
    config: RedisConfig
    openshift: bool


class Redis(pulumi.ComponentResource):
    """A password-protected Redis that only the gateway pods may reach."""

    password: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: RedisArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("litemaas:index:Redis", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args.config
        selector = kube.selector_labels(COMPONENT)

        digest_key: Optional[pulumi.Output[str]] = None
        if config.password is not None:
            self.password = config.password
            # A chosen password may be guessable: its digest on the pod is keyed, so whoever can read pods
            # cannot test guesses against it (generated once, like the migration Job's salt-keyed name).
            digest_key = random.RandomPassword(f"{name}-digest-key", length=32, special=False, opts=child).result
        else:
            # Letters and digits only (nothing to encode in REDIS_URL). No keepers: generated once.
            self.password = random.RandomPassword(f"{name}-password", length=32, special=False, opts=child).result

        maxmemory = maxmemory_bytes(config.resources.limits.get("memory"))
        self.secret = k8s.core.v1.Secret(
            f"{name}-credentials",
            metadata=kube.metadata(SECRET_NAME, args.namespace, COMPONENT),
            type="Opaque",
            string_data={"redis.conf": pulumi.Output.from_input(self.password).apply(
                lambda password: redis_conf(password, maxmemory)),
                "REDISCLI_AUTH": self.password},
            opts=child)

        # redis-cli reads the password from REDISCLI_AUTH, so it is never on a command line.
        ping = ["sh", "-c", "redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG"]
        config_digest = pulumi.Output.unsecret(pulumi.Output.all(self.password, digest_key).apply(
            lambda values: credentials_digest(*values)))
        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=kube.metadata("redis", args.namespace, COMPONENT),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                # One Redis at a time: two would split the counters.
                strategy=k8s.apps.v1.DeploymentStrategyArgs(type="Recreate"),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        labels=kube.labels(COMPONENT),
                        annotations={"litemaas.io/credentials-digest": config_digest}),
                    spec=k8s.core.v1.PodSpecArgs(
                        automount_service_account_token=False,
                        security_context=kube.pod_security_context(args.openshift, kube.REDIS_ALPINE_UID),
                        termination_grace_period_seconds=30,
                        containers=[k8s.core.v1.ContainerArgs(
                            name="redis",
                            image=config.image,
                            command=["redis-server", f"{CONFIG_DIR}/redis.conf"],
                            ports=[k8s.core.v1.ContainerPortArgs(name="redis", container_port=PORT)],
                            env=kube.secret_env(["REDISCLI_AUTH"], SECRET_NAME),
                            resources=kube.resource_requirements(config.resources),
                            security_context=kube.container_security_context(),
                            startup_probe=kube.exec_probe(ping, period=2, timeout=5, failures=30),
                            readiness_probe=kube.exec_probe(ping, period=10, timeout=5, failures=3),
                            liveness_probe=kube.exec_probe(ping, period=15, timeout=5, failures=4),
                            volume_mounts=[
                                k8s.core.v1.VolumeMountArgs(name="config", mount_path=CONFIG_DIR, read_only=True),
                                k8s.core.v1.VolumeMountArgs(name="data", mount_path="/data"),
                            ],
                        )],
                        volumes=[
                            k8s.core.v1.VolumeArgs(name="config", secret=k8s.core.v1.SecretVolumeSourceArgs(
                                secret_name=SECRET_NAME, items=[k8s.core.v1.KeyToPathArgs(
                                    key="redis.conf", path="redis.conf")])),
                            kube.empty_dir_volume("data", "256Mi"),
                        ],
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.secret]))

        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=kube.metadata("redis", args.namespace, COMPONENT),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP", selector=selector,
                ports=[k8s.core.v1.ServicePortArgs(name="redis", port=PORT, target_port="redis")]),
            opts=child)

        self.network_policy = kube.client_ingress_policy(f"{name}-network-policy", args.namespace, COMPONENT, PORT,
                                                         kube.REDIS_CLIENT_LABEL, child)

        self.host = pulumi.Output.concat("redis.", args.namespace, ".svc")
        # The image serves no TLS; traffic stays inside the namespace behind the NetworkPolicy.
        self.url = pulumi.Output.secret(pulumi.Output.all(self.host, self.password).apply(
            lambda parts: f"redis://:{quote(parts[1], safe='')}@{parts[0]}:{PORT}/0"))
        self.register_outputs({"host": self.host, "url": self.url})
