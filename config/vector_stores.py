"""`vectorStores[]`: LiteLLM's managed vector stores (fields: kinds/declarations.py); `credential` names one of
`credentials[]`, checked here because LiteLLM takes any name."""

from __future__ import annotations

from dataclasses import field as dataclass_field
from typing import Any, Collection

from config.kind_reader import read_entries
from config.reader import Reader, holds_credential
from kinds.declarations import VECTOR_STORE

VECTOR_STORE_KEYS = VECTOR_STORE.config_keys
VectorStoreConfig = VECTOR_STORE.config_class(
    "VectorStoreConfig", __name__, "A LiteLLM managed vector store (`vectorStores[]`); `credential` is a "
    "`credentials[]` name; `secret_params`: params hold a credential (a secret resource input). Treat the mappings "
    "as read-only.",
    extra=(("secret_params", bool, dataclass_field(default=False)),))
_CREDENTIAL_PARAM = VECTOR_STORE.field("litellm_credential_name").api  # the `credential` key's name in LiteLLM


def parse_vector_stores(top: Reader, stored_as_secret: bool, declared_credentials: Collection[str]
                        ) -> tuple[Any, ...]:
    stores = []
    for item, values in read_entries(top, VECTOR_STORE, declared={"credentials": declared_credentials}):
        params = values["params"]
        if _CREDENTIAL_PARAM in params:
            item.fail_key(f"params.{_CREDENTIAL_PARAM}", "duplicates a first-class field; use `credential`")
        secrets = sorted(name for name, value in params.items()
                         if name != _CREDENTIAL_PARAM and holds_credential(name, value))
        if secrets and not stored_as_secret:
            item.fail_key(f"params.{secrets[0]}", "is a credential stored in plain text; declare it in a "
                          "`credentials[]` entry and name that entry in `credential` (or set it with `pulumi config "
                          f"set --secret --path '{item.key_path('params.' + secrets[0])}' …`)")
        stores.append(VectorStoreConfig(**values, secret_params=bool(secrets)))
    return tuple(stores)
