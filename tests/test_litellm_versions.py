"""The tested LiteLLM versions, reading a version from an image tag or the gateway, and the tested-range note."""

import pytest

from config import ConfigError, parse_stack_config

from litemaas_common.litellm_versions import (COMPAT_VERSION, DEFAULT_IMAGE, DEFAULT_VERSION, TESTED_VERSIONS, Version,
                                                image_version, parse_version, version_warning)


@pytest.mark.parametrize(("text", "expected"), [
    ("1.108.7", Version(1, 108, 7)), ("v1.108.14", Version(1, 108, 14)),
    ("main-v1.108.7-stable", Version(1, 108, 7)), ("1.110.2.post1", Version(1, 110, 2)),
    ("unknown", None), ("", None), (None, None), ("1.108", None),
])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


@pytest.mark.parametrize(("image", "expected"), [
    ("ghcr.io/berriai/litellm-non_root:v1.108.7", Version(1, 108, 7)),
    ("registry.example:5000/mirror/litellm:main-v1.110.0-stable", Version(1, 110, 0)),
    ("registry.example:5000/litellm", None),  # the port is no tag
    ("ghcr.io/berriai/litellm-non_root@sha256:" + "a" * 64, None),
    ("ghcr.io/berriai/litellm-non_root:main-stable", None),
])
def test_image_version_reads_the_tag_only(image, expected):
    assert image_version(image) == expected


def test_versions_compare_numerically():
    assert Version.parse("1.108.14") > Version.parse("1.108.7") and Version.parse("1.109.0") > Version.parse("1.108.14")


def test_the_default_image_is_the_default_version_and_both_are_tested():
    assert image_version(DEFAULT_IMAGE) == Version.parse(DEFAULT_VERSION)
    assert TESTED_VERSIONS == (DEFAULT_VERSION, COMPAT_VERSION)
    assert Version.parse(COMPAT_VERSION) >= Version.parse(DEFAULT_VERSION)


def test_the_warning_says_where_a_version_lies():
    assert version_warning(Version.parse(DEFAULT_VERSION)) is None and version_warning(Version.parse(COMPAT_VERSION)) is None
    assert "newer than the tested range (1.108.7, 1.108.14)" in version_warning(Version(1, 110, 2))
    assert "older than the tested range" in version_warning(Version(1, 80, 0))
    assert "between the tested versions" in version_warning(Version(1, 108, 10))
    assert "did not report its LiteLLM version" in version_warning(None)


@pytest.mark.usefixtures("mocked")
@pytest.mark.parametrize("image", ["ghcr.io/berriai/litellm-non_root:v1.108.5",
                                   "ghcr.io/berriai/litellm-non_root:main-v1.80.11-stable"])
def test_the_config_refuses_an_image_older_than_the_tested_versions(image):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"litellm": {"image": image}})
    message = str(raised.value)
    assert f"litemaas:litellm.image: '{image}' names LiteLLM" in message
    assert "older than the versions LiteMaaS is tested with (1.108.7, 1.108.14)" in message
    assert f"use {DEFAULT_IMAGE} or a newer tested tag" in message


@pytest.mark.usefixtures("mocked")
@pytest.mark.parametrize("image", [f"ghcr.io/berriai/litellm-non_root:v{COMPAT_VERSION}",
                                   "ghcr.io/berriai/litellm-non_root:v1.110.2",  # newer: status warns, not refused
                                   "mirror.example/litellm@sha256:" + "b" * 64])
def test_the_config_takes_tested_newer_and_digest_images(image):
    assert parse_stack_config({"litellm": {"image": image}}).litellm.image == image
