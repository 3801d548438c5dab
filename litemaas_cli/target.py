"""Which gateway `litemaas` talks to, and with which master key: the current Pulumi stack's outputs (read with
the Automation API, nothing changed), or `--url` plus `LITELLM_MASTER_KEY`."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional

from dynamic_providers.admin_client import REDACTED, Connection, redact
from litemaas_common.admin_settings import ADMIN_API, COMMAND_DEFAULTS, AdminSettings
from litemaas_cli.reports import Declared

MASTER_KEY_ENV = "LITELLM_MASTER_KEY"
REPO_ROOT = Path(__file__).resolve().parents[1]
# The toolchain's CLI (scripts/toolchain) when no `pulumi` is on PATH.
BUNDLED_PULUMI = REPO_ROOT / ".tools" / "bin" / "pulumi"


class TargetError(Exception):
    """The gateway or its key could not be found; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    url: str
    master_key: str = field(repr=False)
    stack: Optional[str] = None
    declared: Optional[Declared] = None  # None: no stack to compare with
    key_details: dict[str, dict] = field(default_factory=dict, repr=False)  # the secret `keys` output
    config: dict[str, Any] = field(default_factory=dict, repr=False)  # litemaas:* stack config (for fix paths)
    settings: AdminSettings = COMMAND_DEFAULTS  # the stack's adminApi, read as the program and providers read it
    platform_stack: Optional[str] = None  # a tenant stack: the platform stack it runs on

    def connection(self, timeout: Optional[float]) -> Connection:
        """The connection of this run: `timeout` (--timeout) bounds every call when given."""
        return Connection.of(self.url, self.master_key, self.settings.with_timeout(timeout))

    def __repr__(self) -> str:
        return f"Target(url={self.url!r}, stack={self.stack!r}, master_key={REDACTED!r})"


def find_project(start: Path) -> Path:
    """The directory holding Pulumi.yaml at or above `start`, as the pulumi CLI finds it."""
    for directory in (start, *start.parents):
        if (directory / "Pulumi.yaml").is_file():
            return directory
    raise TargetError(f"no Pulumi project (Pulumi.yaml) in {start} or above: run litemaas in the project "
                      f"directory, pass --cwd DIR, or use --url URL with {MASTER_KEY_ENV}")


def pulumi_root() -> Optional[str]:
    """The install root (`<root>/bin/pulumi`) of the CLI to drive, or None for `pulumi` on PATH."""
    found = shutil.which("pulumi")
    if found is None and BUNDLED_PULUMI.exists():
        found = str(BUNDLED_PULUMI)
    if found is None:
        raise TargetError("no pulumi CLI found on PATH (nor .tools/bin/pulumi from scripts/toolchain): install "
                          f"Pulumi, or use --url URL with {MASTER_KEY_ENV}")
    path = Path(found)
    return str(path.parent.parent) if path.parent.name == "bin" else None


def _cli_error(exc: Exception) -> str:
    """The `error: ...` lines of a failed pulumi command, secrets masked."""
    text = getattr(exc, "stderr", "") or str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip().lower().startswith("error")]
    return redact(" ".join(lines) or text.strip()[-500:])


def _config_value(config: dict[str, Any], name: str) -> Any:
    item = config.get(f"litemaas:{name}")
    if item is None:
        return None
    value = item.value
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _workspace(project: Path):
    from pulumi import automation as auto

    return auto.LocalWorkspace(work_dir=str(project), pulumi_command=auto.PulumiCommand(root=pulumi_root()))


def estate(cwd: Path, platform: str, progress: Callable[[str], None]) -> dict[str, dict[str, Any]]:
    """The tenant stacks of `platform` in this backend (stack name -> plain outputs): those whose `platformStack`
    output names it."""
    from pulumi import automation as auto

    project = find_project(cwd)
    try:
        workspace = _workspace(project)
        progress("listing the stacks (pulumi stack ls)")
        tenants = {}
        for summary in workspace.list_stacks():
            if summary.name.rsplit("/", 1)[-1] == platform.rsplit("/", 1)[-1]:
                continue
            progress(f"reading the outputs of stack {summary.name}")
            outputs = {name: value.value for name, value in workspace.stack_outputs(summary.name).items()}
            named = outputs.get("platformStack")
            if named and (named == platform or named.rsplit("/", 1)[-1] == platform.rsplit("/", 1)[-1]):
                tenants[summary.name] = {k: v for k, v in outputs.items() if k in ("teams", "platformStack")}
                tenants[summary.name]["keys"] = sorted(outputs.get("keys") or {})
    except auto.CommandError as exc:
        raise TargetError(f"pulumi could not list the stacks in {project}: {_cli_error(exc)}") from None
    return tenants


def from_stack(cwd: Path, stack: Optional[str], progress: Callable[[str], None]) -> Target:
    """Read the gateway URL, master key and declared catalog from a stack's outputs (and its adminApi config)."""
    from pulumi import automation as auto

    project = find_project(cwd)
    try:
        workspace = _workspace(project)
        if stack is None:
            progress("finding the current stack (pulumi stack ls)")
            current = workspace.stack()
            if current is None:
                raise TargetError(f"no stack selected in {project}: run `pulumi stack select NAME`, or pass "
                                  f"--stack NAME (or --url URL with {MASTER_KEY_ENV})")
            stack = current.name
        progress(f"reading the outputs of stack {stack} (pulumi stack output)")
        outputs = {name: value.value for name, value in workspace.stack_outputs(stack).items()}
        config = workspace.get_all_config(stack)
    except auto.CommandError as exc:
        raise TargetError(f"pulumi could not read stack {stack or '(current)'} in {project}: {_cli_error(exc)}") from None
    missing = [name for name in ("gatewayUrl", "masterKey") if not outputs.get(name)]
    if missing:
        raise TargetError(f"stack {stack} has no {' or '.join(missing)} output yet: run `pulumi up` first")
    try:  # a caBundle path in the stack config is relative to the project, as the program reads it
        settings = AdminSettings.from_section(_config_value(config, ADMIN_API), relative_to=str(project),
                                              defaults=COMMAND_DEFAULTS)
    except ValueError as exc:
        raise TargetError(f"stack {stack}: unreadable {ADMIN_API} config ({exc}); `pulumi preview` names the "
                          "key to fix") from None
    teams = outputs.get("teams") or {}
    keys = outputs.get("keys") or {}
    return Target(
        url=str(outputs["gatewayUrl"]), master_key=str(outputs["masterKey"]), stack=stack,
        declared=Declared(models=list(outputs.get("models") or []), teams=dict(teams), keys=sorted(keys)),
        key_details=dict(keys),
        config={name: _config_value(config, name) for name in ("keys", "teams", "models")},
        settings=settings, platform_stack=outputs.get("platformStack"),
    )


def from_url(url: str, *, allow_insecure_http: bool = False) -> Target:
    master_key = os.environ.get(MASTER_KEY_ENV)
    if not master_key:
        raise TargetError(f"--url needs the master key in {MASTER_KEY_ENV} (export it; it is never read from "
                          "the command line, where other users could see it)")
    return Target(url=url, master_key=master_key,
                  settings=replace(COMMAND_DEFAULTS, allow_insecure_http=allow_insecure_http))
