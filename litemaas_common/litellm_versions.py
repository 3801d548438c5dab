"""The LiteLLM versions LiteMaaS is tested with, and everything that differs between LiteLLM versions.

One place: the default image, the tested range, and reading a version out of an image reference or out of what
the gateway reports (`/health/readiness/details` → `litellm_version`). The test tooling installs `DEFAULT_VERSION`
and `COMPAT_VERSION` (`scripts/real-litellm` reads these two lines). No admin behaviour differs between the tested
versions (README: LiteLLM versions), so nothing is selected by version yet; a difference goes here, selected by
the version the gateway reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

# The newest 1.108 LTS patch whose exact pins PyPI serves (1.108.8 and later pin litellm-enterprise
# 0.1.79.post2/.post3 or litellm-proxy-extras 0.4.110.post1, which it does not): the tests run it exactly.
DEFAULT_VERSION = "1.108.7"
# The newest release whose schema migrations are served (its schema.prisma is the one litellm-proxy-extras
# 0.4.110 makes; 1.109's and 1.110's need 0.4.113 / 0.4.114.post1): the compatibility suite and the upgrade
# tests run on it as well.
COMPAT_VERSION = "1.108.14"
TESTED_VERSIONS = (DEFAULT_VERSION, COMPAT_VERSION)
# The newest release of the minor line before the LTS that runs with its own pins (no 1.107 is served): a stack
# made on it is upgraded to COMPAT_VERSION by the minor upgrade test (real schema migrations in between). Not a
# version the config takes: only the starting point of that test.
MINOR_UPGRADE_FROM = "1.106.12"

# The tag LiteLLM's release workflow publishes since 1.84 (`v<version>`, on litellm, litellm-database and
# litellm-non_root alike); `main-v<version>-stable` is the naming of the releases before it.
IMAGE_REPOSITORY = "ghcr.io/berriai/litellm-non_root"
DEFAULT_IMAGE = f"{IMAGE_REPOSITORY}:v{DEFAULT_VERSION}"

_VERSION = re.compile(r"(?<![\d.])v?(\d+)\.(\d+)\.(\d+)(?![\d])")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> "Version":
        found = parse_version(text)
        if found is None:
            raise ValueError(f"{text!r} is not a LiteLLM version (x.y.z)")
        return found

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def parse_version(text: Optional[str]) -> Optional[Version]:
    """`1.108.7`, `v1.108.7`, `main-v1.108.7-stable`, `1.108.7.post1` → Version(1, 108, 7); else None."""
    match = _VERSION.search(text or "")
    return Version(*(int(part) for part in match.groups())) if match else None


def image_version(image: str) -> Optional[Version]:
    """The LiteLLM version an image reference names by its tag (None for a digest or a tag without one)."""
    name = image.rsplit("/", 1)[-1]
    if "@" in name or ":" not in name:
        return None
    return parse_version(name.split(":", 1)[1])


def tested_range() -> tuple[Version, Version]:
    versions = sorted(Version.parse(v) for v in TESTED_VERSIONS)
    return versions[0], versions[-1]


def version_warning(version: Optional[Version]) -> Optional[str]:
    """None when `version` is one LiteMaaS was tested with; else why it is not (for `litemaas status`)."""
    low, high = tested_range()
    tested = ", ".join(TESTED_VERSIONS)
    if version is None:
        return f"the gateway did not report its LiteLLM version; LiteMaaS is tested with {tested}"
    if str(version) in TESTED_VERSIONS:
        return None
    if low < version < high:
        return f"LiteLLM {version} lies between the tested versions {tested} but was not tested itself"
    side = "older" if version < low else "newer"
    return f"LiteLLM {version} is {side} than the tested range ({tested}): upgrade tested only within it"
