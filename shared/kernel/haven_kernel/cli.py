"""``haven``: the operator's command.

    haven token --org IOM --scope <service>:write --scope <service>:read --ttl 8h
    haven migrate <service> [--url URL]
    haven dead-letters list <service> [--limit 20]
    haven dead-letters replay <service> [--limit N]
    haven wait-broker [--timeout 30]
    haven events-doc > docs/events.md
    haven docs [--out docs] [--check]     the partner references: docs/rpc/, events.md, asyncapi.json, openapi.json
    haven new-service <name> --port N [--keep-existing]
    haven broker setup | add-partner <name> | remove-partner <name> | permissions [<name>]
"""
import argparse
import json
import os
import re
import sys
import time

from .auth import SERVICE_SUBJECT_PREFIX, issue_token, parse_ttl


def _amqp_uri(args):
    return getattr(args, "amqp_uri", None) or os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/")


def database_url_for(service):
    from .db import default_database_url
    return os.environ.get(f"{service.upper()}_DATABASE_URL") or default_database_url(service)


def cmd_token(args):
    try:
        subject = args.sub or f"{args.org.lower()}-client"  # issue_token's default
        if subject.strip().lower().startswith(SERVICE_SUBJECT_PREFIX):
            raise ValueError(f"subject {subject!r}: '{SERVICE_SUBJECT_PREFIX}' subjects are the services' own "
                             "(they may act on behalf of another organisation); a partner's token cannot have one")
        ttl = parse_ttl(args.ttl)
        print(issue_token(org=args.org, scopes=args.scope or [], ttl_seconds=ttl, sub=args.sub))
    except (ValueError, RuntimeError) as exc:
        print(f"haven token: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_migrate(args):
    from .migrations import upgrade
    url = args.url or database_url_for(args.service)
    upgrade(f"haven_{args.service}", url)
    safe = url.split("@")[-1] if "@" in url else url
    print(f"{args.service}: database at {safe} is at the latest revision")
    return 0


def _dead_letter_messages(args, consume):
    from kombu import Connection
    from .messaging import dead_letter_queue
    queue = dead_letter_queue(args.service)
    with Connection(_amqp_uri(args), connect_timeout=5) as connection:
        channel = connection.channel()
        bound = queue(channel)
        bound.declare()
        taken = []
        while args.limit is None or len(taken) < args.limit:
            message = bound.get(no_ack=False)
            if message is None:
                break
            taken.append(message)
            yield message, channel
        for message in taken:
            if consume and not getattr(message, "keep", False):
                message.ack()
            else:
                message.requeue()


REPLAYABLE_QUEUE = re.compile(r"^haven\.(?P<service>[a-z][a-z0-9_]*)\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def replay_refusal(service, target, channel):
    """Why a dead letter may not go back to ``target``, or None: a replay goes only to one of ``service``'s own
    consumer queues (``haven.<service>.<source>.<event type>``) that exists, never to whatever queue a header names."""
    from amqp.exceptions import NotFound as QueueNotFound
    if not isinstance(target, str) or not target:
        return "no failed queue recorded"
    match = REPLAYABLE_QUEUE.match(target)
    if not match or match.group("service") != service:
        return f"{target[:120]!r} is not one of {service}'s consumer queues"
    check = channel.connection.channel()  # a missing queue closes the channel that asked
    try:
        check.queue_declare(queue=target, passive=True)
    except QueueNotFound:
        return f"{target!r} does not exist"
    finally:
        if check.is_open:
            check.close()
    return None


def cmd_dead_letters(args):
    from kombu import Producer
    from .messaging.producers import broker_user
    from .messaging import ATTEMPT_HEADER
    count = 0
    for message, channel in _dead_letter_messages(args, consume=args.action == "replay"):
        headers = message.headers or {}
        body = message.payload
        summary = {
            "event_id": body.get("event_id") if isinstance(body, dict) else None,
            "event_type": body.get("event_type") if isinstance(body, dict) else None,
            "queue": headers.get("x-haven-failed-queue"),
            "handler": headers.get("x-haven-handler"),
            "attempts": headers.get("x-haven-attempts"),
            "failed_at": headers.get("x-haven-failed-at"),
            "error_type": headers.get("x-haven-error-type"),
            "error": headers.get("x-haven-error"),
        }
        if args.action == "replay":
            target = headers.get("x-haven-failed-queue")
            why = replay_refusal(args.service, target, channel)
            if why:
                print(json.dumps({**summary, "replayed": False, "why": why}))
                message.keep = True  # stays in the dead-letter queue
                continue
            clean = {k: v for k, v in headers.items() if not k.startswith("x-haven-") and k != "x-death"}
            clean[ATTEMPT_HEADER] = 0
            # Published as the account this command runs with: the consumer accepts it when that is the
            # service's own broker user (or the producer's), see haven_kernel.messaging.producers.
            Producer(channel).publish(body, exchange="", routing_key=target, headers=clean, serializer="json",
                                      delivery_mode=2, user_id=broker_user(_amqp_uri(args)))
            summary["replayed"] = True
        print(json.dumps(summary))
        count += 1
    print(f"{count} dead-lettered event(s) {'replayed' if args.action == 'replay' else 'listed'}", file=sys.stderr)
    return 0


def cmd_wait_broker(args):
    from kombu import Connection
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            with Connection(_amqp_uri(args), connect_timeout=2) as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
            return 0
        except Exception:
            if time.monotonic() > deadline:
                print(f"No RabbitMQ answers at {_amqp_uri(args).split('@')[-1]}. Start one: "
                      "'rabbitmq-server -detached' (or 'docker compose up -d rabbitmq'), or set AMQP_URI.",
                      file=sys.stderr)
                return 1
            time.sleep(0.5)


CATALOGUES_ENTRY_POINT = "haven.catalogues"


def load_catalogue(spec=None):
    """``(where, catalogue)``: the catalogue at ``spec`` (``module:attribute``), or else the one package installed
    under the ``haven.catalogues`` entry point (the kernel names no catalogue of its own)."""
    import importlib
    from importlib.metadata import entry_points
    if spec:
        module, _, attribute = spec.partition(":")
        return spec, getattr(importlib.import_module(module), attribute or "catalogue")
    found = list(entry_points(group=CATALOGUES_ENTRY_POINT))
    if len(found) != 1:
        raise SystemExit(f"{len(found)} packages declare a '{CATALOGUES_ENTRY_POINT}' entry point; "
                         "name the catalogue with --catalogue module:attribute")
    return found[0].value, found[0].load()


def cmd_events_doc(args):
    from .references.markdown import events_page
    where, catalogue = load_catalogue(args.catalogue)
    print(events_page(catalogue, where))
    return 0


def cmd_docs(args):
    """Write (or with --check, compare) every generated reference under --out."""
    from .references import generate, stale, write
    from .scaffold import find_root
    where, catalogue = load_catalogue(args.catalogue)
    root = find_root(args.root or os.getcwd())
    files = generate(root, catalogue, where)
    out = args.out or root
    if args.check:
        found = stale(out, files)
        for relative in found:
            print(f"stale: {os.path.join(out, relative)}", file=sys.stderr)
        if found:
            print("run 'make docs' and commit what it writes", file=sys.stderr)
        return 1 if found else 0
    write(out, files)
    for relative in files:
        print(f"wrote {os.path.join(out, relative)}")
    return 0


def cmd_new_service(args):
    from .scaffold import ScaffoldError, find_root, new_service, templates
    try:
        root = find_root(args.root or os.getcwd())
        result = new_service(root, args.name, args.port, keep_existing=args.keep_existing)
    except ScaffoldError as exc:
        print(f"haven new-service: {exc}", file=sys.stderr)
        return 2
    for path in result.written:
        print(f"wrote {path}")
    generated_from = templates(root, args.name, args.port)
    for path in result.kept:
        print(f"kept  {path} (yours, left as it is; the generated one would be from {generated_from[path]})")
    print(f"\nNext: 'make install' (installs haven-{args.name.replace('_', '-')}), "
          f"'.venv/bin/haven migrate {args.name}', 'make run' (http://localhost:{args.port}/health), "
          f"'.venv/bin/pytest services/{args.name}/tests'. services/{args.name}/README.md says what goes where, "
          "and which deployment files must name the service (tests/deploy checks them).")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="haven", description="Haven operations")
    sub = parser.add_subparsers(dest="command", required=True)

    token = sub.add_parser("token", help="issue a partner token")
    token.add_argument("--org", required=True)
    token.add_argument("--scope", action="append", help="<service>:read, <service>:write, <service>:lead or admin; repeatable")
    token.add_argument("--ttl", default="8h")
    token.add_argument("--sub", default=None, help="client id (default: <org>-client)")
    token.set_defaults(func=cmd_token)

    migrate = sub.add_parser("migrate", help="bring a service's database to the latest revision")
    migrate.add_argument("service")
    migrate.add_argument("--url", default=None)
    migrate.set_defaults(func=cmd_migrate)

    dead = sub.add_parser("dead-letters", help="inspect or replay a service's dead-lettered events")
    dead.add_argument("action", choices=("list", "replay"))
    dead.add_argument("service")
    dead.add_argument("--limit", type=int, default=None)
    dead.add_argument("--amqp-uri", default=None)
    dead.set_defaults(func=cmd_dead_letters)

    wait = sub.add_parser("wait-broker", help="wait until RabbitMQ answers")
    wait.add_argument("--timeout", type=float, default=30)
    wait.add_argument("--amqp-uri", default=None)
    wait.set_defaults(func=cmd_wait_broker)

    doc = sub.add_parser("events-doc", help="print the event catalogue as Markdown")
    doc.add_argument("--catalogue", default=None, help="module:attribute (default: the installed contracts)")
    doc.set_defaults(func=cmd_events_doc)

    docs = sub.add_parser("docs", help="write the partner references (RPC pages, events, AsyncAPI, OpenAPI)")
    docs.add_argument("--out", default=None, help="write under this folder instead of the repository")
    docs.add_argument("--root", default=None, help="the repository (default: found from the current folder)")
    docs.add_argument("--catalogue", default=None, help="module:attribute (default: the installed contracts)")
    docs.add_argument("--check", action="store_true", help="write nothing; exit 1 naming each stale file")
    docs.set_defaults(func=cmd_docs)

    new = sub.add_parser("new-service", help="write a new service's skeleton (services/<name>, its contracts module)")
    new.add_argument("name", help="lowercase letters and single underscores, e.g. logistics")
    new.add_argument("--port", type=int, required=True, help="its /health and /metrics port (<NAME>_HTTP default)")
    new.add_argument("--root", default=None, help="the repository (default: found from the current folder)")
    new.add_argument("--keep-existing", action="store_true",
                     help="keep files of the skeleton that exist already (code written before the skeleton)")
    new.set_defaults(func=cmd_new_service)

    from .broker import add_parser as add_broker_parser
    add_broker_parser(sub)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
