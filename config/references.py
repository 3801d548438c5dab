"""Rules the kind parsers share: references to declared models, and the Enterprise-only hint. Its own module so the
kinds that use it (catalog, users, team members, tags) import it without importing each other.
"""

from __future__ import annotations

from config.reader import Reader

ENTERPRISE_HINT = ("is a LiteLLM Enterprise feature in 1.108.7 (the proxy refuses it without a licence); drop it, or "
                   "set `pulumi config set litellmEnterprise true` if the gateway runs with LITELLM_LICENSE")


def check_models_declared(reader: Reader, models: tuple[str, ...], declared: set[str]) -> None:
    unknown = [m for m in models if m not in declared]
    if unknown:
        listed = ", ".join(sorted(declared)) or "none"
        reader.fail_key("models", f"names model(s) the stack does not declare: {', '.join(unknown)}; "
                        f"declared models: {listed}")
