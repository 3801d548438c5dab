"""Two small LiteLLM kinds on the shared CRUD mechanism, over an in-memory admin API that records every call (for
tests/test_provider_mechanism.py): `Gadget` (the stack generates its id; a found object is ours when its name
matches) and `Widget` (the program names it; a name taken before our first try is refused)."""

from __future__ import annotations

import copy
import itertools
from types import SimpleNamespace
from typing import Any, Optional

import pulumi
import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import AdminConnection, Field, LiteLLMResource
from tests.support.providers import MASTER

# Nothing listens here: the in-memory admin API answers every call the kinds make.
ADMIN_URL = "http://127.0.0.1:9"
TOKEN = "tok-never-shown-again-0123456789"
CONNECTION = {"admin_url": ADMIN_URL, "master_key": MASTER}
LOST = "Connection reset by peer"

# The two kinds' declarations: when the way a kind is declared changes, only these change; the tests speak to
# the provider's check/diff/create/read/update/delete and to the calls it sends.
GADGET_FIELDS = (
    Field("gadget_id", "str"),
    Field("name", "str", required=True),
    Field("size", "int", minimum=1),
    Field("price", "number", exclusive_minimum=0),
    Field("period", "str", duration=True),
    Field("colour", "str", choices=("red", "blue")),
    Field("enabled", "bool"),
    Field("members", "list", unordered=True),
    Field("steps", "list"),
    Field("settings", "dict"),
    Field("token", "str", secret=True, write_only=True),
    Field("headers", "dict", secret=True),
    Field("region", "str", replaces=True),
    Field("display_name", "str", api_name="displayName"),
    Field("serial", "str", computed=True),
)


class FakeAdmin:
    """One kind's admin API in memory: objects by id in LiteLLM's names, every call recorded, faults on demand.

    Like LiteLLM: a create of an existing id is a 400 "already exists", updates are partial (null clears), a
    write-only value is never shown again, and the server numbers each object (`serial`)."""

    def __init__(self, id_field: str) -> None:
        self.id_field = id_field
        self.objects: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, Any]] = []
        self._create_faults: list[tuple[LiteLLMAdminError, bool, dict]] = []
        self._serials = itertools.count(1)

    def lose_create_answers(self, *, committed: bool, times: int = 1, then_changed: Optional[dict] = None) -> None:
        """The next creates get no answer (a reset); `committed`: the server saved the object first, and
        `then_changed` are the values another writer gave it before our lookup."""
        fault = (LiteLLMAdminError("POST", "/gadget/new", None, LOST), committed, then_changed or {})
        self._create_faults += [fault] * times

    def answer_create(self, status: int, message: str) -> None:
        self._create_faults.append((LiteLLMAdminError("POST", "/gadget/new", status, message), False, {}))

    def verbs(self) -> list[str]:
        return [verb for verb, _ in self.calls]

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("create", copy.deepcopy(body)))
        if self._create_faults:
            error, committed, then_changed = self._create_faults.pop(0)
            if committed:
                self.store(body)
                self.objects[body[self.id_field]].update(then_changed)
            raise error
        if body[self.id_field] in self.objects:
            raise LiteLLMAdminError("POST", "/gadget/new", 400, f"gadget {body[self.id_field]} already exists")
        return self.store(body)

    def store(self, body: dict[str, Any]) -> dict[str, Any]:
        saved = {k: v for k, v in copy.deepcopy(body).items() if k != "token"}
        saved["serial"] = f"serial-{next(self._serials)}"
        self.objects[body[self.id_field]] = saved
        return copy.deepcopy(saved)

    def get(self, object_id: str) -> Optional[dict[str, Any]]:
        self.calls.append(("get", object_id))
        return copy.deepcopy(self.objects.get(object_id))

    def update(self, object_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("update", copy.deepcopy(body)))
        if object_id not in self.objects:
            raise LiteLLMAdminError("POST", "/gadget/update", 404, f"gadget {object_id} not found")
        saved = self.objects[object_id]
        for name, value in body.items():
            if value is None:
                saved.pop(name, None)
            elif name != "token":
                saved[name] = copy.deepcopy(value)
        return copy.deepcopy(saved)

    def delete(self, object_id: str) -> bool:
        self.calls.append(("delete", object_id))
        return self.objects.pop(object_id, None) is not None


class FakeAdminKind(ObjectProvider):
    """The four client calls of a kind, sent to the class's in-memory admin API (set per test)."""

    admin: FakeAdmin

    def send_create(self, api, body):
        return self.admin.create(body)

    def fetch(self, api, object_id):
        return self.admin.get(object_id)

    def send_update(self, api, object_id, body):
        return self.admin.update(object_id, body)

    def send_delete(self, api, object_id, props):
        return self.admin.delete(object_id)


class GadgetProvider(FakeAdminKind):
    kind = "gadget"
    fields = GADGET_FIELDS
    id_field = "gadget_id"
    identity_field = "name"


class WidgetProvider(FakeAdminKind):
    kind = "widget"
    fields = (Field("widget_name", "str", required=True), Field("size", "int", minimum=1))
    id_field = "widget_name"
    generates_id = False
    taken_hint = "choose another name than {id}, or delete that widget"


class OwnedWidgetProvider(WidgetProvider):
    """A widget whose objects carry the creating stack's stamp (like teams and keys)."""

    marks_owner = True


class Gadget(LiteLLMResource, module="mechanismtest", name="Gadget"):
    provider_class = GadgetProvider
    serial: pulumi.Output[str]

    def __init__(self, resource_name: str, *, connection: AdminConnection, **props: Any) -> None:
        self._register(resource_name, connection, props, None)


@pytest.fixture
def gadget_admin(monkeypatch):
    """The in-memory admin API the Gadget kind talks to in this test."""
    admin = FakeAdmin("gadget_id")
    monkeypatch.setattr(GadgetProvider, "admin", admin, raising=False)
    return admin


@pytest.fixture
def widget_admin(monkeypatch):
    """The in-memory admin API the Widget kinds talk to in this test."""
    admin = FakeAdmin("widget_name")
    monkeypatch.setattr(WidgetProvider, "admin", admin, raising=False)
    return admin


def configured(provider: ObjectProvider, **stack_config: Any) -> ObjectProvider:
    """`provider` after the engine handed it the stack config (`litemaas:gatewayUrl`, `masterKey`, `adminApi`)."""
    provider.configure(SimpleNamespace(config=stack_config))
    return provider


def gadget(**fields: Any) -> dict[str, Any]:
    """What the program sends for a gadget (None: not declared)."""
    props = {**CONNECTION, "name": "g1", "size": 3, "members": ["a", "b"], "region": "eu", **fields}
    return {k: v for k, v in props.items() if v is not None}


def check(provider: ObjectProvider, news: dict[str, Any], olds: Optional[dict[str, Any]] = None):
    return provider.check(olds or {}, news)


def checked(provider: ObjectProvider, news: dict[str, Any], olds: Optional[dict[str, Any]] = None) -> dict:
    result = check(provider, news, olds)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


def created(provider: ObjectProvider, news: dict[str, Any]) -> tuple[dict, str, dict]:
    inputs = checked(provider, news)
    result = provider.create(inputs)
    return inputs, result.id, result.outs
