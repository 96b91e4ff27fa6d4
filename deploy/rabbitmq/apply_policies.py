"""Apply Haven's RabbitMQ policies (policies.json beside this file) through the management API. Standard library
only, so any Python 3 image runs it. Idempotent: a policy is created or replaced.

    RABBITMQ_MANAGEMENT_URL=http://rabbitmq:15672 RABBITMQ_ADMIN_USER=... RABBITMQ_ADMIN_PASSWORD=... \\
        python apply_policies.py [--vhost /] [--services registration,shelter,...] [--definitions policies.json]

Exits 0 when every policy is in place, 1 (with the broker's answer) otherwise.
"""
import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

SERVICES = ("registration", "shelter", "logistics", "health", "protection", "reporting", "gateway")


def policies(definitions, services):
    """[(name, body)] of every policy, {service} filled in for each service."""
    found = []
    for template in definitions["policies"]:
        for service in services:
            fill = lambda text: text.replace("{service}", service)  # noqa: E731
            body = {"pattern": fill(template["pattern"]), "apply-to": template["apply-to"],
                    "priority": template["priority"],
                    "definition": {k: fill(v) if isinstance(v, str) else v
                                   for k, v in template["definition"].items()}}
            found.append((fill(template["name"]), body))
    return found


def put(base, user, password, path, body, timeout=10):
    request = urllib.request.Request(base.rstrip("/") + path, data=json.dumps(body).encode(), method="PUT")
    request.add_header("content-type", "application/json")
    request.add_header("authorization", "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vhost", default=os.environ.get("RABBITMQ_VHOST", "/"))
    parser.add_argument("--services", default=os.environ.get("HAVEN_SERVICES", ",".join(SERVICES)))
    parser.add_argument("--definitions", default=str(Path(__file__).with_name("policies.json")))
    parser.add_argument("--wait", type=float, default=float(os.environ.get("HAVEN_BROKER_TIMEOUT", "60")),
                        help="seconds to wait for the management API to answer")
    args = parser.parse_args(argv)
    base = os.environ.get("RABBITMQ_MANAGEMENT_URL", "http://localhost:15672")
    user = os.environ.get("RABBITMQ_ADMIN_USER", "guest")
    password = os.environ.get("RABBITMQ_ADMIN_PASSWORD", "guest")
    services = [s.strip() for s in args.services.split(",") if s.strip()]
    definitions = json.loads(Path(args.definitions).read_text())
    vhost = urllib.parse.quote(args.vhost, safe="")

    deadline = time.monotonic() + args.wait
    for name, body in policies(definitions, services):
        path = f"/api/policies/{vhost}/{urllib.parse.quote(name, safe='')}"
        while True:
            try:
                put(base, user, password, path, body)
                print(f"policy {name} on vhost {args.vhost}: {body['pattern']}", file=sys.stderr)
                break
            except urllib.error.HTTPError as exc:
                print(f"policy {name} refused: HTTP {exc.code} {exc.read().decode(errors='replace')}", file=sys.stderr)
                return 1
            except OSError as exc:  # the broker is still starting
                if time.monotonic() > deadline:
                    print(f"management API at {base} did not answer: {exc}", file=sys.stderr)
                    return 1
                time.sleep(2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
