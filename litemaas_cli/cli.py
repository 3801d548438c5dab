"""`litemaas`: day-2 admin command for a LiteMaaS gateway. Read-only: it changes nothing on the gateway or stack.

Exit codes: 0 fine; 1 findings (drift, keys needing attention, a failed diagnosis check); 2 usage or stack
problems (no stack selected, no master key); 3 gateway unreachable (connection, TLS, timeout); 4 master key
rejected (401/403); 5 any other admin API error (e.g. no database).
"""

from __future__ import annotations

import argparse
from typing import Optional, Sequence

from dynamic_providers.admin_client import LiteLLMAdminError
from litemaas_cli import reports
from litemaas_cli.diagnose import cmd_diagnose, cmd_handoff
from litemaas_cli.session import (  # noqa: F401 - the exit codes are the command's API
    EXIT_API, EXIT_AUTH, EXIT_FINDINGS, EXIT_UNREACHABLE, EXIT_USAGE, CliError, Session, api_error, duration)
from litemaas_cli.spend import cmd_keys, cmd_spend
from litemaas_cli.status import cmd_status
from litemaas_common.admin_settings import COMMAND_DEFAULTS

COMMAND_TIMEOUT = COMMAND_DEFAULTS.request_timeout


def connection_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """Where the gateway is and how to reach it. Given to the top parser (with the defaults) and to each subcommand
    (without: a value given there wins, and an absent one leaves the top parser's), so admins may type them before
    or after the subcommand."""

    def default(value):
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--stack", default=default(None), help="Pulumi stack to read (default: the selected stack)")
    parser.add_argument("--cwd", default=default("."), help="Pulumi project directory (default: here or above)")
    parser.add_argument("--url", default=default(None), help="gateway URL instead of the stack's gatewayUrl (master "
                        "key from LITELLM_MASTER_KEY, or the stack's with --stack)")
    parser.add_argument("--allow-insecure-http", action="store_true", default=default(False),
                        help="send the master key over plain http:// to a host that is not loopback or *.svc")
    parser.add_argument("--timeout", type=float, default=default(None),
                        help="seconds per admin API call (default: the stack's adminApi.requestTimeout, else "
                             f"{COMMAND_TIMEOUT:g})")
    parser.add_argument("-q", "--quiet", action="store_true", default=default(False),
                        help="no progress messages on stderr")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="litemaas", description="Day-2 admin command of a LiteMaaS gateway (read-only).",
        epilog="The gateway URL and master key come from the current Pulumi stack's outputs, or from --url and "
               "the LITELLM_MASTER_KEY environment variable. The connection options go before or after COMMAND.")
    connection_options(top, defaults=True)
    shared = argparse.ArgumentParser(add_help=False)
    connection_options(shared, defaults=False)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    status = commands.add_parser("status", parents=[shared],
                                 help="health, version, database, counts, declared vs live")
    status.add_argument("--json", action="store_true")
    status.add_argument("--all", action="store_true", help="also every tenant stack of this platform stack")
    status.set_defaults(run=cmd_status)

    spend = commands.add_parser("spend", parents=[shared],
                                 help="spend against budget, sorted by spend, with totals")
    spend.add_argument("--by", choices=reports.SPEND_GROUPS, default="key")
    spend.add_argument("--period", default="30d", help="request logs of this long ago until now (default 30d)")
    spend.add_argument("--all", action="store_true", help="by stack: this platform stack and all its tenant stacks")
    formats = spend.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true")
    formats.add_argument("--csv", action="store_true")
    formats.add_argument("--html", metavar="FILE", help="write a one-page report with a bar chart")
    spend.set_defaults(run=cmd_spend)

    keys = commands.add_parser("keys", parents=[shared],
                                 help="keys that need attention (all problems when no filter is given)")
    keys.add_argument("--expiring", type=duration, metavar="DURATION", help="expired or expiring within (e.g. 14d)")
    keys.add_argument("--over-soft-budget", action="store_true", help="past the soft budget or the budget")
    keys.add_argument("--blocked", action="store_true")
    keys.add_argument("--json", action="store_true")
    keys.set_defaults(run=cmd_keys)

    diag = commands.add_parser("diagnose", parents=[shared],
                                 help="why a virtual key does not work, with the fix")
    diag.add_argument("alias")
    diag.add_argument("--model", help="the model the user asked for (default: every model of the key)")
    diag.set_defaults(run=cmd_diagnose)

    hand = commands.add_parser("handoff", parents=[shared],
                                 help="the message for the key's user (prints the key)")
    hand.add_argument("alias")
    hand.set_defaults(run=cmd_handoff)
    return top


def main(argv: Optional[Sequence[str]] = None, *, out=None, err=None) -> int:
    args = parser().parse_args(argv)
    if args.command == "spend":
        try:
            args.period_delta = duration(args.period)
        except argparse.ArgumentTypeError as exc:
            parser().error(f"--period: {exc}")
    session = Session(args, out, err)
    try:
        target = session.resolve()
        with session.client() as api:
            try:
                return args.run(session, api)
            except LiteLLMAdminError as exc:
                raise api_error(exc, target.url) from None
    except CliError as exc:
        print(f"litemaas: error: {session._mask(str(exc))}", file=session.err)
        return exc.code
    except KeyboardInterrupt:
        return 130
