"""`models[].inferenceService`: a KServe InferenceService (OpenShift AI model server) as a LiteLLM model.

At preview and up the program reads the InferenceService (serving.kserve.io/v1beta1) and, when one is
named, the token Secret, and fills in the model's `api_base` (the predictor's in-cluster address + `/v1`,
the OpenAI-compatible API of the vLLM runtime), its `model` (`hosted_vllm/<served name>` unless set) and
its `api_key` (secret). Every problem (missing, not Ready, no address, token needed but not configured)
is collected and raised as one ConfigError that names the `litemaas:models[N].inferenceService` key.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from typing import Any, Callable, Mapping, Optional, Sequence

import pulumi

from config import ConfigError, ModelConfig, PROJECT
from config.catalog import InferenceServiceRef

API_VERSION = "serving.kserve.io/v1beta1"
# OpenShift AI's switch for the kube-rbac-proxy in front of the predictor (odh-kserve ODHKserveRawAuth), and
# the label older releases used for raw deployments.
AUTH_ANNOTATION = "security.opendatahub.io/enable-auth"
LEGACY_AUTH_LABEL = "security.openshift.io/enable-authentication"
SERVED_MODEL_NAME_FLAG = "--served-model-name"
# LiteLLM's provider for vLLM's OpenAI-compatible server.
DEFAULT_PROVIDER = "hosted_vllm"

Read = Callable[[str], Optional[dict[str, Any]]]


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """What the model server's InferenceService says about how to call it."""

    api_base: str
    served_model_name: str
    requires_token: bool


def isvc_path(ref: InferenceServiceRef) -> str:
    return f"/apis/{API_VERSION}/namespaces/{ref.namespace}/inferenceservices/{ref.name}"


def ready_condition(isvc: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    for condition in (isvc.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition
    return None


def predictor_url(isvc: Mapping[str, Any]) -> Optional[str]:
    """The in-cluster address: `status.address.url` (RawDeployment: http://<isvc>-predictor.<ns>.svc.cluster.local,
    https://…:8443 with auth), else the predictor component's address."""
    status = isvc.get("status") or {}
    predictor = (status.get("components") or {}).get("predictor") or {}
    return (status.get("address") or {}).get("url") or (predictor.get("address") or {}).get("url")


def served_model_name(isvc: Mapping[str, Any]) -> str:
    """vLLM's `--served-model-name`: the OpenShift AI runtime templates pass `{{.Name}}` (the InferenceService
    name); a `--served-model-name` in the predictor's args overrides it (argparse: the last flag wins, and of
    several names the first is the one vLLM reports)."""
    predictor = (isvc.get("spec") or {}).get("predictor") or {}
    args = list(((predictor.get("model") or {}).get("args")) or [])
    for container in predictor.get("containers") or []:
        args.extend(container.get("args") or [])
    name = isvc["metadata"]["name"]
    for index, arg in enumerate(args):
        if arg.startswith(SERVED_MODEL_NAME_FLAG + "=") and arg.split("=", 1)[1].split():
            name = arg.split("=", 1)[1].split()[0]
        elif arg == SERVED_MODEL_NAME_FLAG and index + 1 < len(args) and not args[index + 1].startswith("-"):
            name = args[index + 1]
    return name


def requires_token(isvc: Mapping[str, Any]) -> bool:
    metadata = isvc.get("metadata") or {}
    return (str((metadata.get("annotations") or {}).get(AUTH_ANNOTATION, "")).lower() == "true"
            or str((metadata.get("labels") or {}).get(LEGACY_AUTH_LABEL, "")).lower() == "true")


def endpoint(ref: InferenceServiceRef, read: Read, problems: list[str]) -> Optional[Endpoint]:
    """The InferenceService's endpoint, or None after recording why it cannot be used."""
    where = f"{PROJECT}:{ref.key_path}"
    described = f"InferenceService {ref.id} ({API_VERSION})"
    isvc = read(isvc_path(ref))
    if isvc is None:
        problems.append(f"{where}: {described} does not exist (or KServe is not installed); deploy the model "
                        f"first (`oc get inferenceservice -n {ref.namespace}` lists what is there) or fix "
                        f"{ref.key_path}.name / .namespace")
        return None
    ready = ready_condition(isvc)
    if ready is None or ready.get("status") != "True":
        state = "has no Ready condition yet" if ready is None else (
            f"is not Ready (Ready={ready.get('status')}"
            + "".join(f", {k}: {ready[k]}" for k in ("reason", "message") if ready.get(k)) + ")")
        problems.append(f"{where}: {described} {state}; wait until `oc get inferenceservice -n {ref.namespace} "
                        f"{ref.name}` shows READY True, then run again")
        return None
    url = predictor_url(isvc)
    if not url:
        problems.append(f"{where}: {described} is Ready but has no status.address.url; it must be a KServe "
                        "predictor with an in-cluster address (RawDeployment or Serverless)")
        return None
    return Endpoint(api_base=url.rstrip("/") + "/v1", served_model_name=served_model_name(isvc),
                    requires_token=requires_token(isvc))


def token_from_secret(ref: InferenceServiceRef, read: Read, problems: list[str]) -> Optional[pulumi.Output[str]]:
    where = f"{PROJECT}:{ref.key_path}.tokenSecret"
    secret = read(f"/api/v1/namespaces/{ref.namespace}/secrets/{ref.token_secret_name}")
    if secret is None:
        problems.append(f"{where}: Secret {ref.namespace}/{ref.token_secret_name} does not exist; name the "
                        "ServiceAccount token Secret of the model's service account (OpenShift AI creates "
                        f"`<token-name>-{ref.name}-sa` when token authentication is turned on)")
        return None
    encoded = (secret.get("data") or {}).get(ref.token_secret_key)
    try:
        token = base64.b64decode(encoded, validate=True).decode().strip() if encoded else ""
    except (binascii.Error, UnicodeDecodeError):
        token = ""
    if not token:
        keys = ", ".join(sorted(secret.get("data") or {})) or "none"
        problems.append(f"{where}: Secret {ref.namespace}/{ref.token_secret_name} has no (non-empty) key "
                        f"{ref.token_secret_key!r} (keys: {keys}); set {ref.key_path}.tokenSecret.key, or wait "
                        "for the token controller to fill a kubernetes.io/service-account-token Secret")
        return None
    return pulumi.Output.secret(token)


def resolve(model: ModelConfig, read: Read, problems: list[str]) -> ModelConfig:
    """The model with api_base, model and api_key taken from its InferenceService (unchanged without one)."""
    ref = model.inference_service
    if ref is None:
        return model
    found = endpoint(ref, read, problems)
    if found is None:
        return model
    api_key = ref.token
    if ref.token_secret_name is not None:
        api_key = token_from_secret(ref, read, problems)
    if found.requires_token and ref.token is None and ref.token_secret_name is None:
        problems.append(
            f"{PROJECT}:{ref.key_path}: InferenceService {ref.id} requires a token ({AUTH_ANNOTATION}: \"true\"); "
            f"name its ServiceAccount token Secret: `pulumi config set --path '{ref.key_path}.tokenSecret.name' "
            f"<secret>`, or set the token: `pulumi config set --secret --path '{ref.key_path}.token' …`")
    return dataclasses.replace(model, api_base=found.api_base, api_key=api_key,
                               model=model.model or f"{DEFAULT_PROVIDER}/{found.served_model_name}")


def resolve_models(models: Sequence[ModelConfig], read: Optional[Read] = None) -> tuple[ModelConfig, ...]:
    """All models, those with an InferenceService resolved; one ConfigError listing every problem."""
    if not any(m.inference_service for m in models):
        return tuple(models)
    problems: list[str] = []
    if read is None:
        read = _default_reader(problems)
    if read is None:
        raise ConfigError("Invalid stack config:\n" + "\n".join(f"  - {p}" for p in problems))
    resolved = tuple(_resolve_guarded(m, read, problems) for m in models)
    if problems:
        raise ConfigError("Invalid stack config:\n" + "\n".join(f"  - {p}" for p in problems))
    return resolved


def _resolve_guarded(model: ModelConfig, read: Read, problems: list[str]) -> ModelConfig:
    from resolve.kube_reader import KubeReadError

    try:
        return resolve(model, read, problems)
    except KubeReadError as exc:
        problems.append(f"{PROJECT}:{model.inference_service.key_path}: cannot read InferenceService "
                        f"{model.inference_service.id}: {exc}")
        return model


def _default_reader(problems: list[str]) -> Optional[Read]:
    from resolve.kube_reader import KubeReader, KubeReadError

    kubernetes = pulumi.Config("kubernetes")
    try:
        return KubeReader.from_environment(kubernetes.get("kubeconfig"), kubernetes.get("context")).get
    except (KubeReadError, OSError, ValueError) as exc:
        problems.append(f"{PROJECT}:models[].inferenceService: cannot read InferenceServices from the cluster: {exc}")
        return None
