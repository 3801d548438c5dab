"""A LiteLLM credential (`POST /credentials`) as the dynamic resource `litellm:Credential`.

The id is the `credential_name`, chosen by the program; LiteLLM refuses renames, so a new name replaces the
credential (create-before-delete: models move to the new name before the old one goes). `credential_values` (api_key,
api_base, ...) are secret and never read back in clear: LiteLLM masks them on read (first 2 + `****` + last 2
characters of a sensitive value). Drift is detected by comparing LiteLLM's masked form now with the masked form
it showed after our last write (`values_mask`, a secret output); a change that keeps a value's first and last two
characters is not seen.

Traps: `PATCH` REPLACES `credential_info` in the database (while the pod's in-memory copy merges), so every update
sends the full `credential_info`; `credential_values` merge key by key, so a removed key is sent in
`credential_values_to_delete`. GET reads the answering pod's in-memory list, refreshed on the model reload loop
(30 s): a create waits for its mask, a refresh for the credential (once per run) before calling it gone
(`ObjectProvider.shown`).

API: `CredentialProvider` is pickled by reference; the module path and class names are stable API.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi

from kinds.declarations import CREDENTIAL
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource, same

class CredentialProvider(ObjectProvider):
    """CRUD for `litellm:Credential`. Stateless; pickled by reference."""

    kind = CREDENTIAL.name
    fields = CREDENTIAL.fields
    id_field = CREDENTIAL.id_field
    generates_id = False

    def secret_values(self, *props: Mapping[str, Any]) -> list[str]:
        values = super().secret_values(*props)
        return values + [v for p in props for v in (p.get("credential_values") or {}).values()
                         if isinstance(v, str) and v]

    def create_body(self, props):
        # credential_info is required by LiteLLM, even empty.
        return {**super().create_body(props), "credential_info": props.get("credential_info") or {}}

    def send_create(self, api, body):
        api.credential_new(body)
        return self._mask_answer(api, body["credential_name"])

    def fetch(self, api, object_id):
        # Not found is not final while a write may still be on its way to the answering pod: wait for it once per run.
        return self.shown(api, lambda: api.credential_info(object_id), f"credential {object_id}")

    def update_body(self, olds, news, changed):
        # Always the full info (LiteLLM replaces the stored dict) and the full values (merged key by key).
        body: dict[str, Any] = {"credential_info": news.get("credential_info") or {},
                                "credential_values": news.get("credential_values") or {}}
        removed = sorted(set(olds.get("credential_values") or {}) - set(news.get("credential_values") or {}))
        if removed:
            body["credential_values_to_delete"] = removed
        return body

    def send_update(self, api, object_id, body):
        api.credential_update(object_id, body)
        return self._mask_answer(api, object_id)

    def send_delete(self, api, object_id, props):
        return api.credential_delete(object_id)

    def _mask_answer(self, api, name: str) -> dict[str, Any]:
        """The masked values LiteLLM shows right after our write: the reference for drift on refresh (past the wait,
        the first refresh records them instead)."""
        found = self.shown(api, lambda: api.credential_info(name), f"credential {name}", after_write=True) or {}
        return {"values_mask": found["credential_values"]} if found.get("credential_values") else {}

    def computed_outputs(self, found):
        if isinstance(found, Mapping) and "values_mask" in found:
            return {"values_mask": found["values_mask"]}
        return {}

    def refreshed(self, object_id, props, found):
        outs = super().refreshed(object_id, props, found)
        outs.pop("values_mask", None)
        theirs: Optional[dict[str, Any]] = found.get("credential_values")
        known = props.get("values_mask")
        if known is None or props.get("credential_values") is None:
            # First sight (import, or no mask recorded): LiteLLM's mask becomes the reference.
            if theirs:
                outs["values_mask"] = theirs
            if props.get("credential_values") is None and theirs:
                outs["credential_values"] = theirs  # an import: the masked form, never a real value
        elif not same(theirs, known):
            # Changed outside Pulumi: the masked values differ from ours, so the next `up` sends ours again.
            outs["credential_values"], outs["values_mask"] = theirs, theirs
        else:
            outs["values_mask"] = known
        return outs


class Credential(LiteLLMResource, module="litellm", name="Credential"):
    """A LiteLLM credential; inputs: `kinds.CREDENTIAL`'s fields. Type token `pulumi-python:dynamic/litellm:Credential`."""

    provider_class = CredentialProvider
    credential_name: pulumi.Output[str]
