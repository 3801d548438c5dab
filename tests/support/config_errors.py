"""The one ConfigError a stack config raises, as text (for the per-section config tests)."""

import pytest

from config import ConfigError, parse_stack_config


def error_of(values, secret_keys=()) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(values, set(secret_keys))
    return str(raised.value)
