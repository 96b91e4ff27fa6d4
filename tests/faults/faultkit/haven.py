"""Haven on the fault suite's own servers: a RabbitMQ node, a PostgreSQL cluster per service, and a proxy on every
link a fault can be injected on.

::

    partner clients ──────────────────────────────► RabbitMQ node (own)
    registration ── amqp-registration ─► proxy ───► RabbitMQ node
                 ── db-registration ───► proxy ───► PostgreSQL cluster "registration" (own)
    shelter      ── amqp-shelter / db-shelter ...   (the same, each service on links of its own)
    reporting    ── amqp-reporting / db-reporting ...

:class:`Platform` is the servers, started once for the suite; :class:`Deployment` is one scenario's Haven on them: a
vhost, a database per service (copied from a migrated template), the three services as ``nameko run`` processes,
and the sites and shelter units the workload registers households at.
"""
import os
import time
import uuid

import eventlet

from haven_kernel.testing import ServiceProcess, make_token, rpc_client, service_process_env

from .broker import RabbitNode
from .network import Proxy
from .postgres import PgCluster
from .processes import Reaper, free_port, wait_for

SERVICES = ("registration", "shelter", "reporting")


class Platform:
    """The servers of the whole fault suite (started once, stopped at the end): a RabbitMQ node, three PostgreSQL
    clusters (one per service, so stopping one service's database leaves the others up) and the proxy."""

    def __init__(self, folder):
        self.folder = folder
        self.reaper = Reaper()
        self.reaper.rmtree(folder)
        self.node = RabbitNode(os.path.join(folder, "rabbitmq"), reaper=self.reaper)
        self.clusters = {}
        self.proxy = None
        self.templates = {}

    def start(self):
        started = time.monotonic()
        self.node.start(wait=False)  # boots while the clusters are made
        first = None
        for service in SERVICES:
            cluster = PgCluster(os.path.join(self.folder, f"pg-{service}"), name=service, reaper=self.reaper)
            cluster.init(copy_from=first)
            first = first or cluster
            self.clusters[service] = cluster
        for cluster in self.clusters.values():
            cluster.start()
        from haven_kernel.migrations import upgrade
        for service, cluster in self.clusters.items():
            template = f"haven_tpl_{service}"
            cluster.create_database(template)
            upgrade(f"haven_{service}", cluster.url(template))
            self.templates[service] = template
        self.node.wait_ready()
        self.proxy = Proxy(os.path.join(self.folder, "proxy.log"))
        for service, cluster in self.clusters.items():
            self.proxy.route(f"amqp-{service}", "127.0.0.1", self.node.port)
            self.proxy.route(f"db-{service}", "127.0.0.1", cluster.port)
        self.started_in = time.monotonic() - started
        return self

    def stop(self, keep_logs=None):
        """Stop every server; their logs are copied to ``keep_logs`` first, then the folder goes."""
        try:
            if self.proxy is not None:
                self.proxy.close()
            for cluster in self.clusters.values():
                try:
                    cluster.stop("immediate")
                except Exception:
                    pass
            self.node.stop(timeout=30)
            if keep_logs:
                self._keep_logs(keep_logs)
        finally:
            self.reaper.close()  # whatever is left (nothing, normally) is stopped and the folder removed

    def _keep_logs(self, target):
        import glob
        import shutil
        os.makedirs(target, exist_ok=True)
        sources = glob.glob(os.path.join(self.folder, "rabbitmq", "log", "*.log")) + \
            glob.glob(os.path.join(self.folder, "pg-*", "server.log")) + [os.path.join(self.folder, "proxy.log")]
        for source in sources:
            if os.path.exists(source):
                name = os.path.relpath(source, self.folder).replace(os.sep, "-")
                shutil.copyfile(source, os.path.join(target, name))

    def healthy(self):
        """Every server up and every route forwarding (a scenario that failed half-way may have left one down)."""
        if not self.node.running():
            self.node.start()
        for cluster in self.clusters.values():
            if not cluster.accepting():
                cluster.start()
        self.proxy.reset()


class Deployment:
    """One scenario's Haven: vhost, databases, the three services and the sites they serve."""

    def __init__(self, platform, name, logs, env=None):
        self.platform = platform
        self.name = name
        self.logs = logs
        self.tag = uuid.uuid4().hex[:8]
        self.vhost = f"faults-{name}-{self.tag}"
        self.extra_env = dict(env or {})
        self.databases = {}
        self.processes = {}
        self.ports = {}
        self.starts = {service: 0 for service in SERVICES}
        self.admin = make_token("admin", org="IOM", sub="faults-admin")
        self.site_ids = []
        self.expected_down = set()  # services a fault has killed and will restart itself
        self.exits = []             # (service, exit code): processes that ended without being told to
        self.pending = []           # greenthreads of a fault still to act (the scenario waits for them)

    # -- addresses ---------------------------------------------------------------------------------------------------
    @property
    def node(self):
        return self.platform.node

    @property
    def proxy(self):
        return self.platform.proxy

    @property
    def amqp_uri(self):
        """Where partner clients and the test connect: the node itself, never through the proxy."""
        return self.node.uri(self.vhost)

    def database_url(self, service, direct=True):
        cluster = self.platform.clusters[service]
        port = cluster.port if direct else self.proxy.ports[f"db-{service}"]
        return cluster.url(self.databases[service], port=port)

    # -- life cycle ------------------------------------------------------------------------------------------------
    def start(self, sites=2, units_per_site=60):
        started = time.monotonic()
        self.node.add_vhost(self.vhost)
        for service in SERVICES:
            name = f"haven_{service}_{self.tag}"
            self.platform.clusters[service].create_database(name, template=self.platform.templates[service])
            self.databases[service] = name
            self.ports[service] = free_port()
        for service in SERVICES:
            self.start_service(service, wait=False)
        for service in SERVICES:
            self.processes[service].wait_healthy(timeout=90)
        self.open_sites(sites, units_per_site)
        self.deployed_in = time.monotonic() - started
        return self

    def env_for(self, service):
        amqp = self.node.uri(self.vhost, port=self.proxy.ports[f"amqp-{service}"])
        env = {
            # The production defaults, except the retry delays: scaled from 1,5,30 s (36 s before an event is
            # dead-lettered) down to 3.5 s, so that an outage a few seconds long shows what a minute-long one would.
            "HAVEN_RETRY_DELAYS": "0.5,1,2",
            "OUTBOX_POLL_SECONDS": "1",
            "LOG_LEVEL": "INFO",
        }
        env.update(self.extra_env)
        return service_process_env(service, amqp, self.database_url(service, direct=False), self.ports[service],
                                   **env)

    def start_service(self, service, wait=True):
        self.starts[service] += 1
        log = os.path.join(self.logs, f"{self.name}-{service}.log")
        previous = self.processes.get(service)
        if previous is not None and previous.process is not None:
            self.platform.reaper.forget_kill(previous.process.pid)  # ended: its number may be reused
        process = ServiceProcess(service, self.env_for(service), self.ports[service], log).start()
        self.platform.reaper.kill(process.process.pid)  # should pytest die without its teardown
        self.processes[service] = process
        # Only now: until the new process is in self.processes the supervisor would find the killed one, dead and
        # no longer expected down, and take it for a crash (starting `service` a second time). Starting a process
        # yields to other green threads (the reaper's pipe, Popen), so that window was real.
        self.expected_down.discard(service)
        if wait:
            process.wait_healthy(timeout=90)
        return process

    def kill(self, service):
        """kill -9: no goodbye to the broker or the database."""
        self.expected_down.add(service)
        self.processes[service].kill()

    def supervise(self, timeline, started):
        """What a restart policy (docker compose's ``restart: unless-stopped``) does: a service process that ends
        without a fault having stopped it is noted and started again."""
        while True:
            for service, process in list(self.processes.items()):
                code = process.process.poll()
                if code is not None and service not in self.expected_down:
                    self.exits.append((service, code))
                    timeline.append((time.monotonic() - started, f"{service} exited by itself (code {code}); "
                                                                 "restarted as a restart policy would"))
                    process.stop()
                    self.start_service(service)
            eventlet.sleep(0.5)

    def restart(self, service):
        self.processes[service].stop()
        return self.start_service(service)

    def stop(self):
        """Every service asked to stop at once (SIGTERM; killed after 5 s), the vhost and databases dropped."""
        self.expected_down.update(self.processes)
        for thread in self.pending:  # a fault's later act that the scenario did not wait for (a dead link kept)
            thread.kill()
        for process in self.processes.values():
            if process.process.poll() is None:
                process.process.terminate()
        for process in self.processes.values():
            process.stop(timeout=5)
            self.platform.reaper.forget_kill(process.process.pid)
        self.node.delete_vhost(self.vhost)
        for service, name in self.databases.items():
            try:
                cluster = self.platform.clusters[service]
                cluster.sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
                cluster.sql(f'DROP DATABASE IF EXISTS "{name}"')
            except Exception:
                pass

    # -- set-up: sites and units -------------------------------------------------------------------------------------
    def client(self, token=None, timeout=30):
        return rpc_client(self.amqp_uri, token or self.admin, timeout=timeout)

    def open_sites(self, count, units_per_site):
        """``count`` open sites with ``units_per_site`` family tents each (17.5 m², 5 persons), known to every
        service before the workload starts."""
        with self.client() as rpc:
            for index in range(count):
                site = rpc.shelter.create_site({
                    "name": f"Fault site {index + 1} {self.tag}", "site_type": "planned_camp", "adm1": "Sofala",
                    "adm2": ("Beira", "Buzi", "Dondo")[index % 3], "lat": -19.8 + index * 0.01, "lon": 34.8,
                    "managing_agency": "IOM", "code": f"FAULT-{self.tag}-{index + 1}"})
                if units_per_site:
                    rpc.shelter.add_shelter_units(site["site_id"], [
                        {"unit_type": "family_tent", "covered_area_m2": 17.5, "count": units_per_site}])
                self.site_ids.append(site["site_id"])
        wanted = set(self.site_ids)
        wait_for(lambda: wanted <= set(self.read("registration", "SELECT site_id FROM sites WHERE status = 'open'")),
                 timeout=60, message="registration's replica of the sites")
        wait_for(lambda: wanted <= set(self.read(
            "reporting", "SELECT site_id FROM site_profiles WHERE units_total IS NOT NULL")),
            timeout=60, message="reporting's site profiles")

    # -- reading state (directly from each service's database) -------------------------------------------------------
    def read(self, service, sql, rows=False):
        """One query on a service's database, straight to its cluster (the proxy may be cutting the service's own
        link); a single-column result comes back as a list of values."""
        cluster = self.platform.clusters[service]
        result = cluster.sql(sql, database=self.databases[service])
        if rows:
            return result
        return [row[0] for row in result]

    def http(self, service, path):
        import urllib.error
        import urllib.request
        try:
            with urllib.request.urlopen(self.processes[service].base_url + path, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except Exception as exc:
            return None, type(exc).__name__
