"""pyproject.toml states the project's dependencies by name and lowest version; requirements*.txt pin the exact
versions installed and tested. The two name the same packages, and every pin satisfies its stated range."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def pins(path: Path) -> dict[str, str]:
    """name -> pinned version of a requirements file's own lines (its `-r` includes are read separately)."""
    pinned = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r"):
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{path.name}: {line} is not an exact pin"
        pinned[canonicalize_name(requirement.name)] = specifier.version
    return pinned


def stated(requirements: list[str]) -> dict[str, Requirement]:
    return {canonicalize_name(Requirement(r).name): Requirement(r) for r in requirements}


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize("requirements_file, declared", [
    ("requirements.txt", PROJECT["dependencies"]),
    ("requirements-dev.txt", PROJECT["optional-dependencies"]["test"]),
], ids=["runtime", "test"])
def test_pyproject_names_each_pinned_package_in_a_range_its_pin_satisfies(requirements_file, declared):
    pinned, ranges = pins(ROOT / requirements_file), stated(declared)
    assert sorted(ranges) == sorted(pinned)
    for name, version in pinned.items():
        assert ranges[name].specifier.contains(version), (name, version, str(ranges[name].specifier))
