"""How `litemaas` reads its connection: the stack's `adminApi` the way the program and the providers read it, and
the connection options on either side of the subcommand. No gateway needed: each case stops before a call."""

from __future__ import annotations

import io
import json

import pytest
from pulumi.automation import ConfigValue

from config import parse_stack_config
from dynamic_providers.provider_base import StackConnection
from litemaas_cli import cli, target

pytestmark = pytest.mark.usefixtures("mocked")  # the program's parser makes Outputs of secrets

# Sections as admins write them: YAML booleans, quoted booleans, durations.
SECTIONS = [
    {},
    {"verifyTls": "false"},
    {"verifyTls": False, "allowInsecureHttp": True},
    {"verifyTls": "true", "allowInsecureHttp": "true"},
    {"allowInsecureHttp": "false", "requestTimeout": "30s", "readinessTimeout": "2m"},
]


class StackConfigOfProvider:
    """What the engine hands a dynamic provider's `configure`: every value a string, objects as JSON."""

    def __init__(self, values: dict):
        self.values = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in values.items()}

    def get(self, key: str):
        return self.values.get(key)


class Workspace:
    """The three Automation API reads of `from_stack`, over a stack `pulumi config` would show."""

    def __init__(self, config: dict):
        self.config = {f"litemaas:{k}": ConfigValue(json.dumps(v) if isinstance(v, dict) else v)
                       for k, v in config.items()}

    def stack(self):
        return None

    def stack_outputs(self, _stack):
        class Output:
            def __init__(self, value):
                self.value = value

        return {"gatewayUrl": Output("https://litellm.example.com"), "masterKey": Output("sk-master-0123")}

    def get_all_config(self, _stack):
        return self.config


def command_target(monkeypatch, tmp_path, section: dict) -> target.Target:
    (tmp_path / "Pulumi.yaml").write_text("name: litemaas\nruntime: python\n")
    monkeypatch.setattr(target, "_workspace", lambda project: Workspace({"adminApi": section}))
    return target.from_stack(tmp_path, "dev", lambda message: None)


@pytest.mark.parametrize("section", SECTIONS, ids=json.dumps)
def test_the_program_the_providers_and_the_command_read_admin_api_alike(section, monkeypatch, tmp_path):
    program = parse_stack_config({"adminApi": section}).admin_api
    providers = StackConnection.from_stack_config(StackConfigOfProvider({"adminApi": section})).settings
    command = command_target(monkeypatch, tmp_path, section).connection(30.0)
    read = {"program": (program.verify_tls, program.allow_insecure_http),
            "providers": (providers["verify_tls"], providers["allow_insecure_http"]),
            "command": (command.verify_tls, command.allow_insecure_http)}
    assert len(set(read.values())) == 1, read
    assert (program.request_timeout, program.readiness_timeout) == \
        (providers["request_timeout"], providers["readiness_timeout"])


def test_the_command_takes_the_stacks_request_timeout_unless_given_one(monkeypatch, tmp_path):
    stacked = command_target(monkeypatch, tmp_path, {"requestTimeout": "2m"})
    assert stacked.connection(None).request_timeout == 120
    assert stacked.connection(5.0).request_timeout == 5
    assert command_target(monkeypatch, tmp_path, {}).connection(None).request_timeout == cli.COMMAND_TIMEOUT


@pytest.mark.parametrize("argv", [
    ["--url", "http://gateway.example.com", "--timeout", "5", "-q", "spend", "--by", "team"],
    ["spend", "--url", "http://gateway.example.com", "--timeout", "5", "-q", "--by", "team"],
    ["spend", "--by", "team", "--timeout=5", "--url=http://gateway.example.com", "--quiet"],
])
def test_connection_options_go_before_or_after_the_subcommand(argv):
    args = cli.parser().parse_args(argv)
    assert (args.url, args.timeout, args.quiet, args.by, args.stack) == \
        ("http://gateway.example.com", 5.0, True, "team", None)


def test_stack_cwd_and_insecure_http_after_the_subcommand():
    args = cli.parser().parse_args(["diagnose", "alice", "--stack", "dev", "--cwd", "/srv/project",
                                    "--allow-insecure-http", "--model", "granite"])
    assert (args.stack, args.cwd, args.allow_insecure_http, args.alias, args.model) == \
        ("dev", "/srv/project", True, "alice", "granite")
    defaults = cli.parser().parse_args(["status"])
    assert (defaults.stack, defaults.cwd, defaults.url, defaults.allow_insecure_http, defaults.timeout,
            defaults.quiet) == (None, ".", None, False, None, False)


def test_url_after_the_subcommand_reaches_the_gateway_check(monkeypatch):
    monkeypatch.setenv("LITELLM_MASTER_KEY", "sk-some-master-key")
    err = io.StringIO()
    assert cli.main(["status", "--url", "http://gateway.example.com"], out=io.StringIO(), err=err) == cli.EXIT_USAGE
    assert "refusing to send the master key over plain HTTP to gateway.example.com" in err.getvalue()
