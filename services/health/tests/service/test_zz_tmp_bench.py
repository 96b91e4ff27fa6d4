import time
from haven_contracts import catalogue
from haven_contracts.testing import site_event
from haven_kernel.testing import make_token, publish_event, rpc_client, service_config, wait_until

from haven_health.models import Site
from haven_health.testing import SITE


def test_bench_health(health, database_url, start_service):
    from haven_reporting.service import ReportingService
    from bench import health as bench_health
    start_service(ReportingService, service_config(health.amqp_uri, database_url("haven_reporting")))
    publish_event(health.amqp_uri, catalogue, "shelter", "site_opened", site_event(site_id=SITE))
    wait_until(lambda: health.count(Site) == 1)
    with rpc_client(health.amqp_uri, bench_health.token(), timeout=300) as client, \
            rpc_client(health.amqp_uri, make_token("reporting:read", org="OCHA"), timeout=300) as reader:
        t = time.monotonic()
        before = bench_health.reports_received(reader)
        print("sitrep", time.monotonic() - t)
        print(bench_health.bulk_reports(client, reader, [SITE], 200, before))
