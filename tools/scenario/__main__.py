"""``make demo``: the cyclone scenario played against Haven started with ``make run`` (in another terminal); prints
its progress, a short sitrep table, the dashboard's address and a token to sign in with.

    .venv/bin/python -m tools.scenario [--seed 2019] [--timeout 120]
"""
import haven_kernel  # noqa: F401  first: its warnings filter keeps eventlet's deprecation banner off the output
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402  the partner clients are nameko standalone proxies on eventlet

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from . import CycloneScenario, ScenarioError, rpc_connector, scenario_tokens, sitrep_table, wait_for_sitrep  # noqa: E402,E501
from .health_act import health_table  # noqa: E402
from .logistics_act import LogisticsAct, logistics_table  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description="Play the cyclone scenario against a running Haven (make run).")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the sitrep to catch up")
    parser.add_argument("--no-health", action="store_true", help="leave out the health act (no health service)")
    args = parser.parse_args(argv)
    amqp_uri = os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/")
    address = os.environ.get("REPORTING_HTTP", "0.0.0.0:8000")
    host, _, port = address.rpartition(":")
    dashboard = f"http://{'localhost' if host in ('', '0.0.0.0', '::') else host}:{port}/"

    from haven_kernel.auth import issue_token
    connect = rpc_connector(amqp_uri)
    reader = issue_token(org="OCHA", scopes=["reporting:read"], ttl_seconds=8 * 3600, sub="demo-coordinator")
    scenario = CycloneScenario(seed=args.seed, health=not args.no_health, protection=True, acts=[LogisticsAct()])
    try:
        scenario.play(connect, scenario_tokens(), progress=lambda line: print(line, flush=True))
        print("Waiting for the situation report to catch up ...", flush=True)
        mine = {site.site_id for site in scenario.sites}
        sitrep, waited = wait_for_sitrep(connect, reader, scenario.expected(), timeout=args.timeout,
                                         only_sites=mine, totals=False)
    except ScenarioError as error:
        print(f"\nThe scenario did not play out as expected: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # e.g. Haven not running
        print(f"\nCould not play the scenario ({type(error).__name__}: {error}). Is Haven running (make run) and "
              f"is AMQP_URI right ({amqp_uri})?", file=sys.stderr)
        return 1
    print(f"The sitrep matches the scenario at every site (caught up {waited:.1f}s after the last call).\n")
    print(sitrep_table(sitrep, site_ids=mine))
    if scenario.health is not None:
        print(health_table(sitrep["health"], mine))
    print("\nLogistics (stock and cover per warehouse and item; the camp's shelter-kit round):")
    print(logistics_table(connect, reader, scenario.acts[0], scenario.expected()["logistics"], args.timeout))
    others = len(sitrep["sites"]) - len(mine)
    if others:
        print(f"  (Haven also holds {others} site(s) from earlier runs: the 'All sites' line counts them too.)")
    print(f"Protection (reporting's aggregate; counts below the threshold suppressed): {sitrep.get('protection')}")
    print(f"\nDashboard: {dashboard}")
    print("Token (paste it into the dashboard's sign-in form; valid 8 hours, scope reporting:read):")
    print(f"  {reader}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
