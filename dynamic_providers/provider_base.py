"""The one mechanism behind every LiteLLM resource kind: connection, check, diff, create-confirm-retry, registration.

A kind is a provider class with a field table (`Field`: type, secret, forces replacement, computed, written only)
and a few calls on the typed admin client; everything else is here. Secret outputs, replacements and diffs are
derived from the table.

The connection (admin URL, master key, timeouts, TLS) reaches a provider in one of two ways. Settings the stack
config holds (`litemaas:gatewayUrl`, `litemaas:masterKey`, `litemaas:adminApi`) arrive ONCE per provider process
through `configure` (the engine hands a dynamic provider the whole decrypted stack config), so they are not
repeated in every resource's state and `refresh`/`destroy` use the current ones after a master-key rotation.
What the config does not hold (the generated master key and route URL of a deployed gateway) travels as inputs
of each resource, as before. Stack config wins where both exist.

Providers are pickled BY REFERENCE (module path + class name) into every resource's state and loaded
again by the provider host for read/update/delete. Their module paths and class names are API: never
rename or move them. Pickled providers hold no attributes; `configure` state lives only in the host process.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any, Callable, ClassVar, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, DiffResult, ResourceProvider

from dynamic_providers.admin_client import CONNECTION_FIELDS, AdminClient, Connection, LiteLLMAdminError
from dynamic_providers.connection import (  # noqa: F401 - re-exported: kinds and components import them from here
    STACK_ADMIN_API, STACK_MASTER_KEY, STACK_URL, TRANSPORT_DEFAULTS, UNCONFIGURED, AdminConnection, StackConnection,
    check_connection)
from kinds.schema import (  # noqa: F401  (re-exported: kinds import them from here)
    Field,
    above_limit_problem,
    has_unknown,
    int_floats,
    is_unknown,
    normalise_field,
    same,
    same_set,
)
from litemaas_common.sdk_patches import is_secret_envelope

log = logging.getLogger("litemaas.litellm_admin")
PROVIDER_KEY = "__provider"
# Ownership: the stack that creates an object stamps its full name in the object's metadata (keys, teams), so a
# tenant stack never takes over an object another stack owns. The name travels as an input the diff ignores:
# stacks made before the stamp existed show no change.
OWNER_INPUT, OWNER_MARKER = "owner_stack", "litemaas_stack"


def plain(value: Any) -> Any:
    """Drop secret envelopes (the host sends plaintext, but direct callers and tests may not)."""
    if isinstance(value, dict):
        if is_secret_envelope(value):
            return plain(value.get("value"))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def create_confirmed(api: AdminClient, what: str, send: Callable[[], Any], find: Callable[[], Optional[dict]], *,
                     reconcile: Callable[[dict, LiteLLMAdminError], Any],
                     refuse: Callable[[LiteLLMAdminError, int], Optional[Exception]] = lambda exc, attempt: None,
                     settled: Callable[[LiteLLMAdminError], bool] = lambda exc: exc.settled and not exc.already_exists,
                     attempts: int = 3) -> Any:
    """Create once, even when answers are lost: the id (or value) was chosen before the call, so after a reset, a
    timeout or a 5xx the object is looked up (`find`) before trying again; found, `reconcile` makes it match.

    `refuse(exc, attempt)` turns an answer into the caller's own error (e.g. a name taken before our first try).
    Answers that settle the outcome (`settled`: validation, auth, no database) are raised at once.
    """
    for attempt in range(1, attempts + 1):
        try:
            return send()
        except LiteLLMAdminError as exc:
            refusal = refuse(exc, attempt)
            if refusal is not None:
                raise refusal from None
            if settled(exc):
                raise
            found = find()
            if found is not None:
                log.warning("%s: the create answered %s but the object exists; keeping it", what,
                            exc.status or "no response")
                return reconcile(found, exc)
            if attempt == attempts:
                raise
            log.warning("%s not on the server after %s; creating again (attempt %d/%d)", what,
                        api.redact(exc.message), attempt + 1, attempts)
            time.sleep(api.policy.backoff_factor * attempt)
    raise AssertionError("unreachable")


class LiteLLMProvider(ResourceProvider):
    """Check, diff and connection for every kind; subclasses declare `fields` and make the calls."""

    fields: ClassVar[tuple[Field, ...]] = ()
    # Inputs that exist only to keep an id stable (e.g. a generated model id); compared like any other.
    internal_inputs: ClassVar[tuple[str, ...]] = ()
    # The program sends the stack's name (OWNER_INPUT, never compared): keys and teams stamp it on their objects,
    # kinds they are granted tell this stack's holders from other stacks' by it (ObjectProvider.held_as).
    marks_owner: ClassVar[bool] = False
    # The provider travels in every resource's state: plain (96 bytes), not a secret (262), as it holds nothing.
    serialize_as_secret_always = False
    _stack: Optional[StackConnection] = None  # set by configure in the provider host; never pickled (class default)

    def configure(self, req: Any) -> None:
        try:
            self._stack = StackConnection.from_stack_config(req.config)
        except (ValueError, TypeError) as exc:  # the program reports bad config at preview; never fail here
            log.warning("ignoring unreadable adminApi stack config: %s", exc)
            self._stack = StackConnection(settings=TRANSPORT_DEFAULTS)

    @property
    def stack(self) -> StackConnection:
        return self._stack or UNCONFIGURED

    # the field table ---------------------------------------------------------------------------------
    @property
    def input_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.computed)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.input_fields) + self.internal_inputs

    @classmethod
    def secret_outputs(cls) -> list[str]:
        return [f.name for f in cls.fields if f.secret] + ["master_key"]

    def secret_values(self, *props: Mapping[str, Any]) -> list[str]:
        return [p[f.name] for p in props for f in self.fields
                if f.secret and isinstance(p.get(f.name), str) and p.get(f.name)]

    def normalised(self, props: Optional[Mapping[str, Any]]) -> dict[str, Any]:
        """Props as the CRUD methods want them: no secret envelopes, whole numbers as ints again.

        Every number crosses gRPC as a float, including the ones check() already made ints.
        """
        props = plain(dict(props or {}))
        for spec in self.fields:
            value = props.get(spec.name)
            if spec.kind == "int" and isinstance(value, float) and value.is_integer():
                props[spec.name] = int(value)
            elif spec.kind == "dict" and isinstance(value, dict):
                props[spec.name] = int_floats(value)
        return props

    # connection --------------------------------------------------------------------------------------
    def connection(self, props: Mapping[str, Any]) -> Connection:
        resolved = self.stack.resolve(props)
        return Connection.from_props(resolved)

    def client(self, props: Mapping[str, Any], *secrets: Optional[str]) -> AdminClient:
        api = AdminClient(self.connection(props))
        for secret in (*self.secret_values(props), *secrets):
            api.add_secret(secret)
        return api

    def stored(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """Outputs to keep from `props`: everything but the provider and the connection the stack config supplies."""
        configured = self._stack is not None
        return {k: v for k, v in props.items()
                if k != PROVIDER_KEY and not (configured and k in CONNECTION_FIELDS and self.stack.supplies(k, v))}

    # check and diff ----------------------------------------------------------------------------------
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        olds, inputs = plain(dict(olds or {})), plain(dict(news or {}))
        failures: list[CheckFailure] = []
        for name in ("request_timeout", "readiness_timeout"):
            if isinstance(inputs.get(name), (int, float)) and not isinstance(inputs.get(name), bool):
                inputs[name] = float(inputs[name])
        check_connection(self.stack.resolve(inputs), failures)
        for spec in self.input_fields:
            normalise_field(inputs, spec, failures)
        for spec in self.input_fields:
            value, limit = inputs.get(spec.name), inputs.get(spec.at_most) if spec.at_most else None
            if isinstance(value, (int, float)) and isinstance(limit, (int, float)) and value > limit:
                failures.append(CheckFailure(spec.name, f"{spec.name} {above_limit_problem(value, limit, spec.at_most)}"))
        if not failures:
            self.check_resource(olds, inputs, failures)
        return CheckResult(inputs, failures)

    def check_resource(self, olds: dict[str, Any], inputs: dict[str, Any], failures: list[CheckFailure]) -> None:
        """Resource-specific validation and defaulting (ids); append failures, edit inputs in place."""

    def changed_fields(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        specs = {f.name: f for f in self.fields}
        return [name for name in self.input_names
                if not (specs[name].same if name in specs else same)(olds.get(name), news.get(name))]

    def connection_changed(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """The gateway or its key changed; moving a setting from the resource to the stack config is no change."""
        before, after = self.stack.resolve(olds), self.stack.resolve(news)
        return any(not same(before.get(n), after.get(n)) for n in CONNECTION_FIELDS)

    def replacements(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Inputs whose change LiteLLM cannot apply in place: the table's `replaces` fields, plus the kind's own."""
        return [f.name for f in self.input_fields if f.replaces and not f.same(olds.get(f.name), news.get(f.name))]

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # `olds` are the stored outputs; only the input names are compared, never server-filled values.
        olds, news = plain(dict(olds or {})), plain(dict(news or {}))
        changed = self.changed_fields(olds, news)
        if not changed and not self.connection_changed(olds, news):
            return DiffResult(changes=False, replaces=[], delete_before_replace=False)
        replaces = self.replacements(olds, news)
        return DiffResult(changes=True, replaces=replaces,
                          delete_before_replace=bool(replaces) and self.delete_before_replace(olds, news))

    def delete_before_replace(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        return False

    def only_connection_changed(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        return not [n for n in self.changed_fields(olds, news) if n not in self.internal_inputs]


def settle_id(olds: Mapping[str, Any], inputs: dict[str, Any], id_field: str, new_id: Callable[[], str],
              *, keep: bool = True) -> None:
    """A fixed id from the program wins (`<id>_fixed`); else the generated id is kept, unless `keep` is False
    (a replacement is due: a fresh id lets the new object exist before the old one goes)."""
    fixed = f"{id_field}_fixed"
    if inputs.get(id_field) is not None:
        inputs[fixed] = True
        return
    inputs[fixed] = False
    previous = olds.get(id_field)
    inputs[id_field] = previous if previous and not olds.get(fixed) and keep else new_id()


def refreshed_inputs(provider: "LiteLLMProvider", props: Mapping[str, Any], outs: Mapping[str, Any],
                     names: set[str]) -> Optional[dict[str, Any]]:
    """The inputs a refresh stores: the refreshed values of `names`, or None (the engine keeps the stored inputs)
    for an object stored before the ownership stamp existed: its outputs lack the owner, and inputs without it
    would differ from the program's at every `up` after a refresh (a checkpoint per resource)."""
    stored = any(props.get(f.name) is not None for f in provider.input_fields
                 if f.name != getattr(provider, "id_field", None))  # not an import (which needs inputs)
    if provider.marks_owner and stored and not props.get(OWNER_INPUT):
        return None
    return {k: v for k, v in outs.items() if k in names | {OWNER_INPUT}}


def declared(props: Mapping[str, Any], name: str) -> bool:
    value = props.get(name)
    return value is not None and value != [] and value != {}


def stack_owner() -> str:
    """This stack's full name (`organization/litemaas/dev`), as `platformStack` and stack references name it."""
    try:
        organization = pulumi.get_organization()
    except Exception:  # noqa: BLE001 - engines and mocks without an organization
        organization = "organization"
    return f"{organization}/{pulumi.get_project()}/{pulumi.get_stack()}"


def owner_of(found: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The stack stamped on a LiteLLM object (None: made outside any stack, or before the stamp existed)."""
    return ((found or {}).get("metadata") or {}).get(OWNER_MARKER) or None


def stamped(metadata: Optional[Mapping[str, Any]], props: Mapping[str, Any]) -> dict[str, Any]:
    """`metadata` with this stack's ownership stamp (kept when already there)."""
    stamp = {OWNER_MARKER: props[OWNER_INPUT]} if props.get(OWNER_INPUT) else {}
    return {**stamp, **dict(metadata or {})}


def _input(spec: Field, value: Any) -> Any:
    """An input as the state keeps it: an empty list or map is unset, a sequence a list, a mapping a dict."""
    if spec.kind == "list" and isinstance(value, (list, tuple)):
        return list(value) or None
    if spec.kind == "dict" and isinstance(value, Mapping):
        return dict(value) or None
    return value


class LiteLLMResource(pulumi.dynamic.Resource):
    """Registration shared by every kind: the connection inputs, the table's secret outputs, `get` by id."""

    provider_class: ClassVar[type[LiteLLMProvider]]
    register_options: ClassVar[Mapping[str, Any]] = {}  # more `ResourceOptions` the kind always sets

    def __init__(self, resource_name: str, *, connection: AdminConnection,
                 opts: Optional[pulumi.ResourceOptions] = None, **inputs: Any) -> None:
        """The kind's declared inputs as keyword arguments (its field table names them); unset ones stay unset."""
        declared = {f.name: f for f in self.provider_class.fields if not f.computed}
        unknown = sorted(set(inputs) - set(declared))
        missing = sorted(n for n, f in declared.items() if f.required and inputs.get(n) is None)
        if unknown or missing:
            raise TypeError(f"{type(self).__name__}: unknown inputs {unknown}, missing required inputs {missing}")
        self._register(resource_name, connection, {name: _input(declared[name], value)
                                                   for name, value in inputs.items()}, opts, **self.register_options)

    def _register(self, resource_name: str, connection: AdminConnection, props: Mapping[str, Any],
                  opts: Optional[pulumi.ResourceOptions], **options: Any) -> None:
        provider = self.provider_class
        own = pulumi.ResourceOptions(additional_secret_outputs=provider.secret_outputs(), **options)
        secret = {f.name for f in provider.fields if f.secret}
        values = {**connection.props(), **{k: pulumi.Output.secret(v) if k in secret else v
                                           for k, v in props.items() if v is not None}}
        # Only the outputs the class declares become attributes: the SDK tracks every named property as an Output
        # until the program ends and waits on all of them again each time one resolves, so at thousands of keys
        # each undeclared name costs time growing with N². None values never reach the state either way.
        values.update({name: None for name in self.output_attributes() if name not in values})
        if provider.marks_owner and (opts is None or opts.id is None):
            values[OWNER_INPUT] = stack_owner()
        pulumi.dynamic.Resource.__init__(self, provider(), resource_name, values,
                                         pulumi.ResourceOptions.merge(own, opts))

    @classmethod
    @functools.cache
    def output_attributes(cls) -> tuple[str, ...]:
        """The outputs the resource class annotates (`token: pulumi.Output[str]`), its own and its bases'."""
        names: list[str] = []
        for klass in cls.__mro__:
            if klass is LiteLLMResource:
                break
            names += [n for n in vars(klass).get("__annotations__", {}) if n != "provider_class" and n not in names]
        return tuple(names)

    @classmethod
    def get(cls, resource_name: str, id: pulumi.Input[str], connection: AdminConnection,
            opts: Optional[pulumi.ResourceOptions] = None):
        """An existing object read by its id alone (read-only: Pulumi never changes or deletes it)."""
        resource = cls.__new__(cls)
        props = {name: None for name in cls.provider_class().input_names}
        LiteLLMResource._register(resource, resource_name, connection, props,
                                  pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id)))
        return resource
