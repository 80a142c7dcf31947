"""``whatsapp-templates``: export an account's message templates to files, plan a sync, apply it.

The same plan and writes as the sync operator (``WhatsAppSyncTemplatesOperator``), from a terminal or
CI. The account is an Airflow connection (``--conn-id``, default
``maton_whatsapp_default``), or, when ``MATON_API_KEY`` is set and no ``--conn-id`` given, that key with
``--host`` and ``--waba-id``. Results go to stdout (``export`` without ``--out`` writes YAML there),
logs to stderr. Exit status: 0 done, 1 a write failed, 2 bad arguments or files (nothing was sent).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from airflow_provider_whatsapp.constants import DEFAULT_CONN_ID, DEFAULT_HOST
from airflow_provider_whatsapp.exceptions import WhatsAppError, WhatsAppValidationError

if TYPE_CHECKING:
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
    from airflow_provider_whatsapp.models.template_plan import TemplatePlan

#: The Airflow connection the key mode describes, in this process's environment only.
KEY_CONN_ID = "whatsapp_templates_cli"


def parser() -> argparse.ArgumentParser:
    """The command line: global account options, then ``export``, ``plan`` or ``apply``."""
    main = argparse.ArgumentParser(
        prog="whatsapp-templates", description=__doc__.splitlines()[0] if __doc__ else None
    )
    main.add_argument("--conn-id", help=f"Airflow connection (default: {DEFAULT_CONN_ID}, or MATON_API_KEY)")
    main.add_argument("--host", help=f"gateway URL with MATON_API_KEY (default: {DEFAULT_HOST})")
    main.add_argument("--waba-id", help="WhatsApp Business Account (default: the connection's)")
    commands = main.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="write the account's templates as template files")
    export.add_argument(
        "--out", type=Path, help="a folder (one file per name) or a .yaml/.yml/.json file; default: stdout"
    )
    for name, what in (("plan", "show what a sync would change"), ("apply", "plan, then make the changes")):
        command = commands.add_parser(name, help=what)
        command.add_argument("templates", type=Path, help="a template file or a folder of them")
        command.add_argument(
            "--delete-missing", action="store_true", help="delete templates not in the files"
        )
        command.add_argument("--json", action="store_true", help="print the plan as JSON")
    return main


def make_hook(args: argparse.Namespace) -> MatonWhatsAppHook:
    """The hook on ``--conn-id``, or on ``MATON_API_KEY`` with ``--host`` (an in-process connection
    without the key: the hook reads the key from the environment itself)."""
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

    if args.conn_id or not os.environ.get("MATON_API_KEY"):
        if args.host:
            raise WhatsAppValidationError([("--host", "goes with MATON_API_KEY, not an Airflow connection")])
        return MatonWhatsAppHook(args.conn_id or DEFAULT_CONN_ID, waba_id=args.waba_id)
    if not args.waba_id:
        raise WhatsAppValidationError([("--waba-id", "required with MATON_API_KEY")])
    connection = {"conn_type": "maton_whatsapp", "host": args.host or DEFAULT_HOST}
    os.environ[f"AIRFLOW_CONN_{KEY_CONN_ID.upper()}"] = json.dumps(connection)
    return MatonWhatsAppHook(KEY_CONN_ID, waba_id=args.waba_id)


def show(plan: TemplatePlan, as_json: bool, out: TextIO) -> None:
    """The plan: a summary and the table, or JSON."""
    if as_json:
        out.write(json.dumps(plan.to_json(), indent=2) + "\n")
    else:
        out.write(f"{plan.summary()}\n{plan.table()}\n")


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Carry out one command, writing its result to ``out``; the exit status."""
    from airflow_provider_whatsapp.models.template_files import to_yaml, write_export

    hook = make_hook(args)
    try:
        if args.command == "export":
            definitions = hook.export_templates()
            if args.out is None:
                out.write(to_yaml(definitions))
            else:
                written = write_export(args.out, definitions)
                out.write(
                    f"Exported {len(definitions)} template(s) to {len(written)} file(s) in {args.out}\n"
                )
            return 0
        plan = hook.plan_templates(args.templates, delete_missing=args.delete_missing)
        if args.command == "plan" or not plan.writes:
            show(plan, args.json, out)
            return 0
        applied = hook.apply_template_plan(plan)
        show(applied, args.json, out)
        return 1 if applied.failed() else 0
    finally:
        hook.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``whatsapp-templates``."""
    args = parser().parse_args(argv)
    out = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr):  # Airflow's log lines, the hook's among them
            return run(args, out)
    except WhatsAppValidationError as error:
        problems = [f"  {field}: {rule}" if field else f"  {rule}" for field, rule in error.errors]
        print("whatsapp-templates: nothing was sent:", *problems, sep="\n", file=sys.stderr)
        return 2
    except WhatsAppError as error:
        print(f"whatsapp-templates: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
