"""One run of `litemaas`: its target and output streams, the exit codes, and how admin API errors read."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Optional

from dynamic_providers.admin_client import PLAIN_HTTP_REFUSED, AdminClient, LiteLLMAdminError, RetryPolicy
from litemaas_cli.target import Target, TargetError, estate, from_stack, from_url

EXIT_FINDINGS, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_AUTH, EXIT_API = 1, 2, 3, 4, 5
# A person is waiting: two quick retries, not the providers' patient backoff.
CLI_RETRIES = RetryPolicy(attempts=2, backoff_factor=0.2, backoff_max=2.0, retry_after_max=5)


class CliError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def duration(value: str) -> timedelta:
    from config import parse_litellm_duration

    try:
        return timedelta(seconds=parse_litellm_duration(value))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class Session:
    """One command run: the target, the output streams (master key masked on both) and progress on stderr."""

    def __init__(self, args: argparse.Namespace, out=None, err=None):
        self.args = args
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.target: Optional[Target] = None

    def progress(self, message: str) -> None:
        if not self.args.quiet:
            print(f"litemaas: {self._mask(message)}", file=self.err, flush=True)

    def emit(self, text: str) -> None:
        self.out.write(self._mask(text))
        self.out.flush()

    def _mask(self, text: str) -> str:
        master = self.target.master_key if self.target else None
        return text.replace(master, "***") if master else text

    def resolve(self) -> Target:
        args = self.args
        try:
            if args.url and not args.stack:
                self.target = from_url(args.url, allow_insecure_http=args.allow_insecure_http)
            else:
                self.target = from_stack(Path(args.cwd).resolve(), args.stack, self.progress)
                if args.url:  # e.g. a port-forward to the stack's gateway: the stack's permission was for its URL
                    self.target = replace(self.target, url=args.url, settings=replace(
                        self.target.settings, allow_insecure_http=args.allow_insecure_http))
                elif args.allow_insecure_http:
                    self.target = replace(self.target, settings=replace(self.target.settings, allow_insecure_http=True))
        except TargetError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        return self.target

    def client(self) -> AdminClient:
        assert self.target is not None
        return AdminClient(self.target.connection(self.args.timeout), policy=CLI_RETRIES, wait_ready=False)


def api_error(exc: LiteLLMAdminError, url: str) -> CliError:
    if exc.status in (401, 403):
        return CliError(f"the gateway at {url} rejected the master key (HTTP {exc.status}): {exc.message}. "
                        "Is this the stack's gateway, and was the master key rotated without `pulumi up`?", EXIT_AUTH)
    if exc.message.startswith(PLAIN_HTTP_REFUSED):
        return CliError(f"{exc.message.split(': anyone', 1)[0]}: anyone on the path could read it; use the https:// "
                        "URL, a port-forward (http://127.0.0.1:4000), or --allow-insecure-http on a lab network",
                        EXIT_USAGE)
    if exc.no_response:
        return CliError(f"cannot reach the gateway at {url}: {exc.message}"
                        + (f". {exc.hint}" if exc.hint else ""), EXIT_UNREACHABLE)
    return CliError(str(exc), EXIT_API)


def gateway_health(session: Session, api: AdminClient) -> dict[str, Any]:
    """/health/readiness/details: proves the gateway answers and accepts the master key."""
    session.progress(f"asking {session.target.url} for its health")
    return api.readiness_details()


def require_database(details: dict[str, Any]) -> None:
    if details.get("db") != "connected":
        raise CliError(f"the gateway has no working database (db: {details.get('db')!r}); keys, teams and spend "
                       "live there: check DATABASE_URL and the postgres pod", EXIT_API)


def tenant_stacks(session: Session) -> dict[str, dict[str, Any]]:
    target = session.target
    if not target.stack or target.platform_stack:
        raise CliError("--all needs the platform stack: run it in the platform's project with `--stack PLATFORM` "
                       f"(stack {target.stack} is a tenant of {target.platform_stack})" if target.platform_stack else
                       "--all needs the platform stack (--stack NAME), not --url", EXIT_USAGE)
    try:
        return estate(Path(session.args.cwd).resolve(), target.stack, session.progress)
    except TargetError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
