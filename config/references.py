"""Rules the kind parsers share: references to declared models, and the Enterprise-only hint. Its own module so the
kinds that use it (catalog, users, team members, tags) import it without importing each other.
"""

from __future__ import annotations

from config.kind_reader import check_reference
from config.reader import Reader

ENTERPRISE_HINT = ("is a LiteLLM Enterprise feature in 1.108.7 (the proxy refuses it without a licence); drop it, or "
                   "set `pulumi config set litellmEnterprise true` if the gateway runs with LITELLM_LICENSE")


def check_models_declared(reader: Reader, models: tuple[str, ...], declared: set[str]) -> None:
    check_reference(reader, "models", models, declared, "models")
