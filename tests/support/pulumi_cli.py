"""Drive the real Pulumi CLI on a copy of this program, offline, with a local file backend.

The program is copied into a scratch directory so that the stack file, state and plugin home of a test
never touch the working tree; the copy uses the repository's `.venv`.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLCHAIN = REPO_ROOT / "scripts" / "toolchain"
POLICY_PACK = REPO_ROOT / "policy"
PROGRAM_FILES = ("__main__.py", "requirements.txt")
PROGRAM_DIRS = ("components", "config", "dynamic_providers", "kinds", "litemaas_common", "resolve")


class PulumiError(AssertionError):
    """A CLI command failed; carries the command and its output."""


@dataclass
class CommandResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def ensure_toolchain() -> Path:
    """The directory holding `pulumi` and its plugins, built by scripts/toolchain when missing."""
    completed = subprocess.run([str(TOOLCHAIN)], capture_output=True, text=True, cwd=REPO_ROOT)
    if completed.returncode != 0:
        raise PulumiError(f"scripts/toolchain failed:\n{completed.stdout}\n{completed.stderr}")
    bin_dir = Path(completed.stdout.strip().splitlines()[-1])
    if not (bin_dir / "pulumi").exists():
        raise PulumiError(f"scripts/toolchain printed {bin_dir}, which holds no pulumi binary")
    return bin_dir


def ensure_policy_pack() -> Path:
    """The repository's policy pack with its venv (`make policy-venv`: created once, then a no-op)."""
    completed = subprocess.run(["make", "--no-print-directory", "policy-venv"], capture_output=True, text=True,
                               cwd=REPO_ROOT)
    if completed.returncode != 0:
        raise PulumiError(f"make policy-venv failed:\n{completed.stdout}\n{completed.stderr}")
    return POLICY_PACK


class PulumiProject:
    """A scratch copy of the program with one stack, driven through the CLI."""

    def __init__(self, workdir: Path, bin_dir: Path, *, stack: str = "e2e", passphrase: str = "e2e-passphrase",
                 extra_env: Optional[dict[str, str]] = None, source: Path = REPO_ROOT) -> None:
        self.dir = workdir / "program"
        self.stack = stack
        self.dir.mkdir(parents=True)
        self.install_program(source)
        project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
        project["runtime"]["options"]["virtualenv"] = str(REPO_ROOT / ".venv")
        (self.dir / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
        state = workdir / "state"
        state.mkdir()
        self.env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PULUMI_HOME": str(workdir / "pulumi-home"),
            "PULUMI_BACKEND_URL": f"file://{state}",
            "PULUMI_CONFIG_PASSPHRASE": passphrase,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            **(extra_env or {}),
        }
        self.run("stack", "init", stack, "--secrets-provider", "passphrase")

    def install_program(self, source: Path) -> None:
        """Put the program of `source` (this checkout, or an older revision's tree) in the project directory."""
        for name in PROGRAM_DIRS:
            shutil.rmtree(self.dir / name, ignore_errors=True)
            if (source / name).is_dir():
                shutil.copytree(source / name, self.dir / name, ignore=shutil.ignore_patterns("__pycache__"))
        for name in PROGRAM_FILES:
            shutil.copy2(source / name, self.dir / name)

    def another_stack(self, name: str) -> "PulumiProject":
        """A second stack of this project in the same backend (a tenant beside its platform)."""
        self.explicit_stack = True  # `stack init` selects the new stack: name this one from now on
        other = copy.copy(self)
        other.stack, other.explicit_stack = name, True
        other.run("stack", "init", name, "--secrets-provider", "passphrase")
        return other

    explicit_stack = False  # True: every command names the stack (`--stack`), whichever one is selected

    def run(self, *args: str, check: bool = True, timeout: float = 900) -> CommandResult:
        if self.explicit_stack and args[:2] != ("stack", "init"):
            at = 2 if args[0] in ("stack", "config") and len(args) > 1 and not args[1].startswith("-") else 1
            args = (*args[:at], "--stack", self.stack, *args[at:])
        argv = ["pulumi", "--non-interactive", *args]
        completed = subprocess.run(argv, cwd=self.dir, env=self.env, capture_output=True, text=True,
                                   timeout=timeout)
        result = CommandResult(argv, completed.returncode, completed.stdout, completed.stderr)
        if check and completed.returncode != 0:
            raise PulumiError(f"`{' '.join(argv)}` exited {completed.returncode}\n--- stdout\n"
                              f"{completed.stdout[-8000:]}\n--- stderr\n{completed.stderr[-8000:]}")
        return result

    @property
    def stack_file(self) -> Path:
        return self.dir / f"Pulumi.{self.stack}.yaml"

    def edit_config(self, change) -> None:
        """Apply `change(config)` to the stack file's `config:` map (keys `litemaas:<name>`), keeping secure values."""
        document = yaml.safe_load(self.stack_file.read_text()) or {}
        config = document.setdefault("config", {})
        change(config)
        self.stack_file.write_text(yaml.safe_dump(document, sort_keys=False))

    def set_plain(self, values: dict[str, Any]) -> None:
        self.edit_config(lambda config: config.update({f"litemaas:{k}": v for k, v in values.items()}))

    def set_secret(self, path: str, value: str) -> None:
        """`pulumi config set --secret --path litemaas:<path>`: stored encrypted in the stack file."""
        self.run("config", "set", "--secret", "--path", f"litemaas:{path}", "--", value)

    def preview(self, *extra: str) -> dict:
        return json.loads(self.run("preview", "--json", *extra).stdout)

    def up(self, *extra: str) -> CommandResult:
        return self.run("up", "--yes", "--skip-preview", *extra)

    def refresh(self, *extra: str) -> CommandResult:
        return self.run("refresh", "--yes", *extra)

    def destroy(self, *extra: str) -> CommandResult:
        return self.run("destroy", "--yes", *extra)

    def outputs(self, *, show_secrets: bool = False) -> dict:
        args = ["stack", "output", "--json"] + (["--show-secrets"] if show_secrets else [])
        return json.loads(self.run(*args).stdout)

    def export(self) -> dict:
        return json.loads(self.run("stack", "export").stdout)

    def resources(self) -> list[dict]:
        return self.export()["deployment"].get("resources") or []


def deployed_platform(workdir: Path, litellm, config: dict[str, Any]) -> PulumiProject:
    """A `deployGateway: false` platform stack `platform` on the real proxy `litellm`, after its `up`.

    Tenant stacks go beside it (`another_stack`) and read it as `organization/litemaas/platform`.
    """
    platform = PulumiProject(workdir, ensure_toolchain(), stack="platform")
    platform.set_plain({"deployGateway": False, "gatewayUrl": litellm.url, **config})
    platform.set_secret("masterKey", litellm.master_key)
    platform.up()
    return platform
