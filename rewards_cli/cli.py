"""``rewards``: the operator's and developer's command.

rewards create-app --name NAME      create an application (tenant); prints its credentials once
rewards rotate-secret --app-id A    a new secret (printed once); the old one works for --grace-hours (24)
rewards disable-app --app-id A      stop every request of the application
rewards set-limits --app-id A       the application's own rate limit (--rate, --burst) or --default
                                    (each: --stack NAME for a deployed stack, else TABLE_NAME and
                                    DYNAMODB_ENDPOINT_URL, as `rewards dev` prints them)
rewards export TYPE --app-id A      export an application's customers, ledger, redemptions or coupon_redemptions
                                    to a file (--from, --to, --format csv|jsonl, --out FILE; --stack NAME)
rewards import customers FILE --app-id A
                                    members and balances from CSV or JSON Lines (--stack NAME: a deployed
                                    stack): a progress bar, resumable, a report of rejected rows
rewards invoke LogicalId -e FILE    run one function in process on an event file (like sam local invoke)
rewards dev                         the API on http://127.0.0.1:3000 over an embedded DynamoDB
rewards openapi [--check]           write openapi.json (and the 405s' Allow table) from the code, or fail if stale
rewards webhooks listen --port N    a local webhook receiver: prints arrivals, verifies signatures
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from rewards_cli.aws_stack import Stack, StackError, describe, disable_key, ensure_key, move_key, register_key
from rewards_cli.environment import DEFAULT_LOCAL_TABLE, configure
from rewards_cli.template import PROJECT_ROOT, RateLimits, load

if TYPE_CHECKING:
    from rewards_cli.embedded_dynamodb import EmbeddedDynamoDB
    from rewards_cli.outbox import LocalOutbox
    from rewards_cli.server import ApiServer

LOCAL_STATE_DIR = PROJECT_ROOT / ".local"
# The application the samples in events/ act as: the demo application is created with it, so that what
# `rewards invoke` writes is what the demo keys read through the API.
SAMPLE_APP_ID = "app_demoEventsApplication"


def this_command() -> str:
    """How to run `rewards` again from where it was started: `.venv/bin/rewards` is not on PATH."""
    script = Path(sys.argv[0]).absolute()
    if script.name != "rewards":
        return f"{Path(sys.executable).name} -m rewards_cli.cli"
    return str(script.relative_to(Path.cwd())) if script.is_relative_to(Path.cwd()) else str(script)


def _store(args: argparse.Namespace) -> Stack | None:
    """Point the domain at the store: the deployed stack's table (``--stack``), or TABLE_NAME and
    DYNAMODB_ENDPOINT_URL from the environment (a `rewards dev` runner's)."""
    stack = None
    if args.stack:
        import boto3

        stack = describe(args.stack, boto3.client("cloudformation"))
        configure(stack.table_name, None)
    else:
        configure(os.environ.get("TABLE_NAME", DEFAULT_LOCAL_TABLE), os.environ.get("DYNAMODB_ENDPOINT_URL"))
    return stack


def _apigateway() -> Any:
    import boto3

    return boto3.client("apigateway")


def _finite_number(text: str) -> float:
    # inf, nan and 1e308 hours (inf seconds) ended in a traceback; the commands check their own ranges.
    value = float(text)  # argparse turns a ValueError into a usage error naming the option
    if not math.isfinite(value) or abs(value) >= _NUMBER_CEILING:
        raise argparse.ArgumentTypeError(f"must be a finite number below {_NUMBER_CEILING:.0e}: {text!r}")
    return value


_NUMBER_CEILING = 1e15


def _fail(message: str, details: str | None = None) -> int:
    print(json.dumps({"error": message, "details": details or message}), file=sys.stderr)
    return 1


def _create_app(args: argparse.Namespace) -> int:
    stack = _store(args)
    from shared.domain.applications import create_application

    created = create_application(args.name)
    output = {"app_id": created.app_id, "api_key": created.api_key, "secret_key": created.secret_key}
    if stack is not None:
        register_key(stack, created.app_id, created.api_key, _apigateway())
        output["usage_plan_id"] = stack.default_plan_id
    print(json.dumps(output))
    return 0


def _rotate_secret(args: argparse.Namespace) -> int:
    _store(args)
    from shared.domain.applications import rotate_secret

    rotated = rotate_secret(args.app_id, round(args.grace_hours * 3600))
    print(
        json.dumps(
            {
                "app_id": rotated.app_id,
                "api_key": rotated.api_key,
                "secret_key": rotated.secret_key,
                "previous_secret_valid_until": rotated.previous_valid_until,
            }
        )
    )
    return 0


def _disable_app(args: argparse.Namespace) -> int:
    stack = _store(args)
    from shared.domain.applications import disable_application

    disable_application(args.app_id)
    if stack is not None:
        disable_key(args.app_id, _apigateway())
    ttl = load().authorizer.ttl_seconds
    when = "now (its API Gateway key is disabled)" if stack else f"within {ttl} s (the authorizer's cache TTL)"
    print(json.dumps({"app_id": args.app_id, "status": "disabled", "effective": when}))
    return 0


def _set_limits(args: argparse.Namespace) -> int:
    both = args.rate is not None and args.burst is not None
    if args.default == both or (not both and (args.rate is not None or args.burst is not None)):
        return _fail("give --rate and --burst, or --default")
    stack = _store(args)
    from shared.domain.applications import set_rate_limits

    api_key = set_rate_limits(args.app_id, args.rate, args.burst)
    output: dict[str, Any] = {"app_id": args.app_id, "rate": args.rate, "burst": args.burst}
    if args.default:
        defaults = load().default_limits
        output |= {"plan": "default", "rate": defaults.rate if defaults else None}
        output["burst"] = defaults.burst if defaults else None
    if stack is not None:
        limits = None if args.default else RateLimits(args.rate, args.burst)
        apigateway = _apigateway()
        ensure_key(stack, args.app_id, api_key, apigateway)
        output["usage_plan_id"] = move_key(stack, args.app_id, limits, apigateway)
    print(json.dumps(output))
    return 0


def _operator_command(run: Any) -> Any:
    """An operator command: a domain error or an unreachable stack is one JSON line on stderr, exit 1; the
    audit log names its changes' credential ``operator``."""

    def guarded(args: argparse.Namespace) -> int:
        from shared.entities.audit import OPERATOR, Actor, acting_as
        from shared.errors import DomainError

        try:
            with acting_as(Actor(OPERATOR, None)):
                result: int = run(args)
        except DomainError as error:
            return _fail(error.message, error.details)
        except StackError as error:
            return _fail(str(error))
        return result

    return guarded


EXPORT_POLL_SECONDS = 0.5


def _export(args: argparse.Namespace) -> int:
    """Queues the export as POST /exports does (a local runner's or the stack's worker writes the file),
    waits for it, then streams the file from its download link to --out (or stdout)."""
    stack = _store(args)
    if stack is not None:
        if not stack.export_queue_url or not stack.exports_bucket:
            return _fail(f"stack {stack.name} has no exports: deploy this version of template.yaml")
        os.environ |= {"EXPORT_QUEUE_URL": stack.export_queue_url, "EXPORTS_BUCKET": stack.exports_bucket}
    import time
    import urllib.request

    from pydantic import ValidationError

    from shared.api.schemas.exports import ExportIn
    from shared.domain import exports
    from shared.domain.applications import require_application

    given = {"type": args.type, "format": args.format, "starts_at": args.starts_at, "ends_at": args.ends_at}
    try:  # the API's own validation, field names and all
        body = ExportIn.model_validate_json(json.dumps({k: v for k, v in given.items() if v is not None}))
    except ValidationError as error:
        problem = error.errors()[0]
        field = {"starts_at": "--from", "ends_at": "--to"}.get(str(problem["loc"][0]), str(problem["loc"][0]))
        return _fail(f"{field}: {problem['msg']}")
    require_application(args.app_id)  # the API's caller always is one; an operator may mistype it
    job = exports.start_export(args.app_id, body.request())
    deadline = time.monotonic() + args.wait
    view = exports.get_export(args.app_id, job.export_id)
    while view.job.status in ("queued", "running"):
        if time.monotonic() > deadline:
            return _fail(f"export {job.export_id} is still {view.job.status} after {args.wait:.0f} s (is a runner up?)")
        time.sleep(EXPORT_POLL_SECONDS)
        view = exports.get_export(args.app_id, job.export_id)
    if view.download_url is None:
        return _fail(f"export {job.export_id} failed", view.job.error)
    with contextlib.ExitStack() as files:
        try:
            out = sys.stdout.buffer if args.out == "-" else files.enter_context(Path(args.out).open("wb"))
        except OSError as error:
            return _fail(f"--out: {error.strerror}: {args.out} (the file stays at GET /exports/{job.export_id})")
        response = files.enter_context(urllib.request.urlopen(view.download_url))  # noqa: S310 - the engine's own signed link
        while chunk := response.read(1 << 16):
            out.write(chunk)
        out.flush()
    summary = {"id": job.export_id, "rows": view.job.rows, "size_bytes": view.job.size_bytes, "out": args.out}
    print(json.dumps(summary), file=sys.stderr if args.out == "-" else sys.stdout)
    return 0


def _import_customers(args: argparse.Namespace) -> int:
    stack = _store(args)
    from rewards_cli import importer

    return importer.run(args.file, args.app_id, args.format, stack)


def _invoke(args: argparse.Namespace) -> int:
    configure(os.environ.get("TABLE_NAME", DEFAULT_LOCAL_TABLE), os.environ.get("DYNAMODB_ENDPOINT_URL"))
    from rewards_cli.lambdas import FunctionPool

    template = load()
    if args.logical_id not in template.functions:
        print(f"unknown function {args.logical_id}; one of: {', '.join(template.functions)}", file=sys.stderr)
        return 2
    event = json.loads(Path(args.event).read_text())
    # Like `sam local invoke`: the function's own output (its logs) goes to stderr, so that stdout is
    # only the result and can be piped into jq.
    with contextlib.redirect_stdout(sys.stderr):
        result = FunctionPool().invoke(template.functions[args.logical_id], event)
    print(json.dumps(result, indent=2))
    return 0


def _openapi(args: argparse.Namespace) -> int:
    configure(DEFAULT_LOCAL_TABLE, None)
    from rewards_cli.openapi import generated_documents

    documents = generated_documents()
    if args.check:
        stale = [path for path, text in documents.items() if not path.exists() or path.read_text() != text]
        for path in stale:
            print(f"{path.name} is stale: run `make openapi`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in documents.items():
        path.write_text(text)
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


def _demo_application(state_dir: Path) -> dict[str, str]:
    """The demo application: pinned by LOCAL_API_KEY/LOCAL_SECRET_KEY, else reused from the
    ``demo-app.json`` kept next to the store's state file (``.local/`` by default), so that a runner on
    another state file never overwrites the credentials of the default one."""
    from shared.domain.applications import create_application, find_application_for_key
    from shared.errors import Conflict

    saved_file = state_dir / "demo-app.json"
    pinned_key, pinned_secret = os.environ.get("LOCAL_API_KEY"), os.environ.get("LOCAL_SECRET_KEY")
    if pinned_key and pinned_secret:
        wanted = {"api_key": pinned_key, "secret_key": pinned_secret}
    elif saved_file.exists():
        wanted = json.loads(saved_file.read_text())
    else:
        wanted = {}
    if wanted and (app_id := find_application_for_key(wanted["api_key"])):
        return {"app_id": app_id, "api_key": wanted["api_key"], "secret_key": wanted["secret_key"]}
    try:
        created = create_application("demo", wanted.get("api_key"), wanted.get("secret_key"), SAMPLE_APP_ID)
    except Conflict:  # the store keeps the samples' application but its keys were lost (demo-app.json deleted)
        created = create_application("demo", wanted.get("api_key"), wanted.get("secret_key"))
    credentials = {"app_id": created.app_id, "api_key": created.api_key, "secret_key": created.secret_key}
    state_dir.mkdir(parents=True, exist_ok=True)
    saved_file.write_text(json.dumps(credentials))
    return credentials


_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours)\)")


def _schedule_seconds(expression: str) -> int | None:
    found = _RATE.fullmatch(expression)
    if not found:
        return None
    return int(found.group(1)) * (60 if found.group(2).startswith("minute") else 3600)


def _run_schedules(stop: threading.Event, pool: Any) -> None:
    """Fire each scheduled function on its rate, like its EventBridge rule."""
    from rewards_cli.apigw import scheduled_event

    for function in load().functions.values():
        for expression in function.schedules:
            period = _schedule_seconds(expression)
            if period is None:
                continue

            def loop(function: Any = function, period: int = period) -> None:
                while not stop.wait(period):
                    try:
                        pool.invoke(function, scheduled_event(function.logical_id))
                    except Exception as error:
                        print(f"{function.logical_id} failed: {error!r}", file=sys.stderr)

            threading.Thread(target=loop, daemon=True, name=f"schedule-{function.logical_id}").start()


# A stop that has not finished by then exits anyway: every acknowledged write is already in the journal.
STOP_DEADLINE_SECONDS = 10.0
STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _dev(args: argparse.Namespace) -> int:
    # Stop signals are taken with sigwait by this thread, never by a Python handler: a handler runs
    # between two bytecodes of whatever this thread holds (a lock of Event.set, of the thread pool) and
    # deadlocked when SIGTERM arrived twice (from the process group and through make). Blocked before
    # any thread starts, so that every thread inherits the mask and none is interrupted.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    table_name = os.environ.get("TABLE_NAME", DEFAULT_LOCAL_TABLE)
    endpoint = os.environ.get("DYNAMODB_ENDPOINT_URL")
    store = None
    if not endpoint:
        from rewards_cli.embedded_dynamodb import EmbeddedDynamoDB
        from rewards_cli.store_files import StoreFilesError

        store = EmbeddedDynamoDB(args.host, args.ddb_port, Path(args.state_file), fsync=args.fsync)
        try:
            store.start()
        except StoreFilesError as error:
            print(f"rewards dev: {error}", file=sys.stderr)
            return 1
        endpoint = store.endpoint_url
        store.ensure_table(table_name)
    configure(table_name, endpoint)

    from rewards_cli.gateway import LocalGateway
    from rewards_cli.lambdas import FunctionPool
    from rewards_cli.outbox import LocalOutbox
    from rewards_cli.server import make_server
    from rewards_cli.usage_plans import UsagePlans, store_plan

    demo = _demo_application(Path(args.state_file).parent)
    pool = FunctionPool()
    template = load()
    usage_plans = None
    if template.default_limits is not None:
        usage_plans = UsagePlans(template.default_limits, store_plan)
    server = make_server(args.host, args.port, LocalGateway(template, pool, usage_plans))
    stop = threading.Event()
    _run_schedules(stop, pool)
    # Committed writes -> publisher -> webhook deliveries, as the stream and queue mappings do in AWS.
    outbox = LocalOutbox(template, pool, table_name, endpoint)
    outbox.create_resources(from_now=True)
    outbox.start()
    threading.Thread(target=server.serve_forever, daemon=True, name="api").start()
    print(
        f"Rewards API on http://{args.host}:{args.port}  (Swagger UI: /swagger, spec: /openapi.json)",
        f"Dashboard on http://{args.host}:{args.port}/dashboard  (sign in with the demo application's keys)",
        sep="\n",
    )
    print(f"Demo application: {json.dumps(demo)}")
    print(f"  curl -u {demo['api_key']}:{demo['secret_key']} http://{args.host}:{args.port}/customers/KMN@123")
    listen = f"{this_command()} webhooks listen --port 4000"
    print(f"Webhooks are delivered from this runner: try `{listen}` (README: Domain events)")
    print("More applications against this stack:")
    print(f"DYNAMODB_ENDPOINT_URL={endpoint}")
    print(f"TABLE_NAME={table_name}")
    sys.stdout.flush()

    received = signal.sigwait(STOP_SIGNALS)
    print(f"{signal.Signals(received).name}: stopping", flush=True)
    return _stop(stop, server, outbox, store)


def _stop(stop: threading.Event, server: ApiServer, outbox: LocalOutbox, store: EmbeddedDynamoDB | None) -> NoReturn:
    """Stop serving, then save: a watchdog ends the process if any step hangs."""
    watchdog = threading.Timer(STOP_DEADLINE_SECONDS, os._exit, args=(1,))
    watchdog.daemon = True
    watchdog.start()
    stop.set()
    server.shutdown()
    server.server_close()
    server.wait_idle(STOP_DEADLINE_SECONDS / 2)
    outbox.stop()
    if store is not None:
        store.stop()
    # Everything is saved and closed: skip the interpreter's teardown of every loaded function module,
    # which took seconds on a busy machine.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _listen(args: argparse.Namespace) -> int:
    from rewards_cli.webhook_listener import WebhookListener

    listener = WebhookListener(args.port, args.secret, args.status, sys.stdout)
    print(f"Listening on {listener.url}  (register it with POST /webhooks; Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        listener.serve_forever()
    return 0


def _add_export_command(commands: Any) -> None:
    export = commands.add_parser("export", help="export an application's data to a file")
    # type and format are checked by the API's own model (shared/api/schemas/exports.py)
    export.add_argument("type", help="customers, ledger, redemptions or coupon_redemptions")
    export.add_argument("--app-id", required=True)
    export.add_argument("--from", dest="starts_at", help="records created at or after (ISO 8601 with a zone)")
    export.add_argument("--to", dest="ends_at", help="records created at or before (ISO 8601 with a zone)")
    export.add_argument("--format", default="csv", help="csv (default) or jsonl")
    export.add_argument("--out", default="-", help="the file to write (default: stdout)")
    export.add_argument("--wait", type=_finite_number, default=900.0, help="seconds to wait for the file (900)")
    export.add_argument("--stack", help="a deployed stack (its table, export queue and bucket)")
    export.set_defaults(run=_operator_command(_export))


def _add_import_commands(commands: Any) -> None:
    bulk = commands.add_parser("import", help="bulk imports").add_subparsers(dest="kind", required=True)
    members = bulk.add_parser("customers", help="members and their balances from a CSV or JSON Lines file")
    members.add_argument("file")
    members.add_argument("--app-id", required=True)
    members.add_argument("--format", choices=("csv", "jsonl"), help="default: by the file's extension")
    members.add_argument("--stack", help="a deployed stack: upload to its imports bucket and follow the job")
    members.set_defaults(run=_operator_command(_import_customers))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rewards", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    create = commands.add_parser("create-app", help="create an application and print its credentials once")
    create.add_argument("--name", required=True)
    create.add_argument("--stack", help="a deployed stack: its table, and an API key on its default usage plan")
    create.set_defaults(run=_operator_command(_create_app))

    rotate = commands.add_parser("rotate-secret", help="issue a new secret; the old one works for a grace period")
    rotate.add_argument("--app-id", required=True)
    rotate.add_argument(
        "--grace-hours", type=_finite_number, default=24.0, help="how long the old secret still works (24)"
    )
    rotate.add_argument("--stack", help="a deployed stack (its table)")
    rotate.set_defaults(run=_operator_command(_rotate_secret))

    disable = commands.add_parser("disable-app", help="stop every request of an application")
    disable.add_argument("--app-id", required=True)
    disable.add_argument("--stack", help="a deployed stack: also disables its API key, effective at once")
    disable.set_defaults(run=_operator_command(_disable_app))

    limits = commands.add_parser("set-limits", help="an application's own rate limit, or back to the default plan")
    limits.add_argument("--app-id", required=True)
    limits.add_argument("--rate", type=_finite_number, help="requests per second, steady")
    limits.add_argument("--burst", type=int, help="requests at once (token bucket size)")
    limits.add_argument("--default", action="store_true", help="back to the default usage plan")
    limits.add_argument("--stack", help="a deployed stack: moves its API key to a usage plan of its own")
    limits.set_defaults(run=_operator_command(_set_limits))

    _add_export_command(commands)
    _add_import_commands(commands)

    invoke = commands.add_parser("invoke", help="run one function in process on an event file")
    invoke.add_argument("logical_id")
    invoke.add_argument("-e", "--event", required=True)
    invoke.set_defaults(run=_invoke)

    dev = commands.add_parser("dev", help="serve the API locally over an embedded DynamoDB")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    dev.add_argument("--ddb-port", type=int, default=int(os.environ.get("DDB_PORT", "8000")))
    dev.add_argument("--state-file", default=str(LOCAL_STATE_DIR / "dynamodb.json"))
    dev.add_argument(
        "--fsync",
        choices=("always", "batch"),
        default=os.environ.get("DDB_FSYNC", "always"),
        help="always: fsync the journal before each write is acknowledged (concurrent writes share one); "
        "batch: every 0.5 s (a process crash still loses nothing, a power loss the last 0.5 s)",
    )
    dev.set_defaults(run=_dev)

    openapi = commands.add_parser("openapi", help="write openapi.json, or --check that it is current")
    openapi.add_argument("--check", action="store_true")
    openapi.set_defaults(run=_openapi)

    webhooks = commands.add_parser("webhooks", help="webhook tools").add_subparsers(dest="action", required=True)
    listen = webhooks.add_parser("listen", help="receive webhooks locally, print them and verify signatures")
    listen.add_argument("--port", type=int, default=4000)
    listen.add_argument("--secret", default=os.environ.get("WEBHOOK_SECRET"), help="the webhook's whsec_ secret")
    listen.add_argument("--status", type=int, default=200, help="status to answer (e.g. 500 to see retries)")
    listen.set_defaults(run=_listen)

    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
