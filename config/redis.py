"""`redis.*`: the Redis the gateway pods share (rate limits, budgets, key revocation), bundled or existing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

import pulumi

from config.reader import MISSING, Reader, ResourcesConfig, check_image, read_resources, secret_string


# The Docker library image, Alpine variant, like the bundled PostgreSQL: it runs under any UID (the entrypoint
# only drops privileges when started as root, which restricted-v2 never does), needs no pull secret, and the
# 7.2 line is the last BSD-licensed Redis (7.4 moved to RSALv2/SSPL).
DEFAULT_REDIS_IMAGE = "docker.io/library/redis:7.2.7-alpine"


@dataclass(frozen=True)
class RedisConfig:
    enabled: bool = False  # deploy the bundled Redis
    url: Optional[pulumi.Output[str]] = None  # secret; an existing Redis (redis:// or rediss://)
    image: str = DEFAULT_REDIS_IMAGE
    resources: ResourcesConfig = field(
        default_factory=lambda: ResourcesConfig({"cpu": "100m", "memory": "128Mi"}, {"cpu": "500m", "memory": "256Mi"})
    )
    password: Optional[pulumi.Output[str]] = None  # secret; generated once when unset

    @property
    def configured(self) -> bool:
        """The gateway pods share a Redis (bundled or existing)."""
        return self.enabled or self.url is not None


REDIS_KEYS = ["enabled", "url", "image", "resources", "password"]


def check_redis_url(value: str) -> Optional[str]:
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        return "is not a Redis URL; use redis://:<password>@host:6379/0 (or rediss:// for TLS)"
    return None


def parse_redis(top: Reader, secret_keys: set[str] | frozenset[str]) -> RedisConfig:
    section = top.child("redis", REDIS_KEYS)
    defaults = RedisConfig()
    enabled = section.boolean("enabled", False)
    url = section.string("url", secret=True, check=check_redis_url)
    if url is not None and "redis" not in secret_keys:
        section.fail_key("url", "may hold a password but is stored in plain text; set it with "
                         "`pulumi config set --secret --path redis.url redis://…`")
    if url is not None and enabled:
        section.fail_key("url", "and redis.enabled both choose a Redis; use the existing one (`pulumi config rm "
                         "--path redis.enabled`) or the bundled one (`pulumi config rm --path redis.url`)")
    if not enabled:
        for key in ("image", "resources", "password"):
            if section.raw(key) is not MISSING:
                section.fail_key(key, "applies to the bundled Redis only; set `pulumi config set --path "
                                 f"redis.enabled true`, or `pulumi config rm --path redis.{key}`")
    return RedisConfig(
        enabled=enabled,
        url=pulumi.Output.secret(url) if url is not None else None,
        image=section.string("image", defaults.image, check=check_image(DEFAULT_REDIS_IMAGE)),
        resources=read_resources(section, "resources", defaults.resources),
        password=secret_string(section, "password", "redis" in secret_keys, min_length=16),
    )
