"""Ask a Haven service on this host whether it is ready (``GET /health``) or alive (``--live``: ``/health/live``).

    python deploy/healthcheck.py [--live] [<service>]

Exit 0 when it answers 200 (``ok`` or ``degraded``), 1 otherwise, with one line saying what it found. The service is
the argument or ``HAVEN_SERVICE``; its address is the ``WEB_SERVER_ADDRESS`` of ``services/<service>/config.yml``
(under ``HAVEN_APP_DIR``, default: this repository), ``${VAR:default}`` filled from the environment as nameko does,
so ``<SERVICE>_HTTP`` moves it. The images' HEALTHCHECK runs it (deploy/Dockerfile); ``make run`` reads addresses the
same way. Standard library only: it must start fast every few seconds.
"""
import json
import os
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

# nameko's ``${VAR:default}`` substitution
ENV_VAR = re.compile(r"\$\{([^}:\s]+)(?::([^}]*))?\}")
ADDRESS = re.compile(r"^WEB_SERVER_ADDRESS:\s*(.+?)\s*$", re.MULTILINE)


def expand(value, environ=None):
    environ = os.environ if environ is None else environ
    return ENV_VAR.sub(lambda m: environ.get(m.group(1), m.group(2) or ""), str(value))


def service_address(config_path, environ=None):
    """(host to bind, port) of the service whose nameko config is ``config_path``."""
    match = ADDRESS.search(Path(config_path).read_text())
    address = expand(match.group(1).strip("'\""), environ) if match else "0.0.0.0:8000"
    host, _, port = address.rpartition(":")
    return host or "0.0.0.0", int(port)


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    live = "--live" in args
    args = [a for a in args if a != "--live"]
    service = args[0] if args else os.environ.get("HAVEN_SERVICE")
    if not service:
        print("healthcheck: name the service (argument or HAVEN_SERVICE)", file=sys.stderr)
        return 1
    app = Path(os.environ.get("HAVEN_APP_DIR") or Path(__file__).resolve().parent.parent)
    host, port = service_address(app / "services" / service / "config.yml")
    host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    url = f"http://{host}:{port}/health" + ("/live" if live else "")
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            status, body = response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode(errors="replace")
    except Exception as error:
        print(f"{service}: no answer at {url} ({type(error).__name__})")
        return 1
    try:
        said = json.loads(body).get("status")
    except ValueError:
        said = body[:80]
    print(f"{service}: {status} {said} ({url})")
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
