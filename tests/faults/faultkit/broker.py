"""A RabbitMQ node of the test's own: its own node name, ports, data, logs, plugins and config in a temporary folder.

The machine's shared node is configured by ``/etc/rabbitmq/rabbitmq-env.conf`` (``NODENAME=rabbit@localhost``) and
``/etc/rabbitmq/rabbitmq.conf`` (AMQP on 127.0.0.1:5672; its Erlang distribution port is then 25672, and its
management plugin listens on 15672). This node reads neither: ``RABBITMQ_CONF_ENV_FILE`` and
``RABBITMQ_CONFIG_FILE`` point at files in its folder, its plugins file enables nothing (no management listener to
clash), and its AMQP and distribution ports are free ports chosen at start. Only epmd (the Erlang port mapper, on
4369) is shared: it keeps a name-to-port table and is never stopped or changed here.

``stop()`` is an orderly shutdown (SIGTERM, as ``rabbitmqctl stop`` would), ``kill()`` a crash (SIGKILL); ``start()``
again reuses the same folder, so durable queues and persistent messages come back.
"""
import os
import shutil
import signal
import subprocess
import time
import uuid

from .processes import free_port, port_is_free, wait_for

RABBITMQ_BIN = "/usr/lib/rabbitmq/bin"  # the Debian package's scripts; /usr/sbin's wrappers switch to the
#                                         rabbitmq user and the shared node's environment


def _script(name):
    path = os.path.join(RABBITMQ_BIN, name)
    if os.access(path, os.X_OK):
        return path
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: apt-get install rabbitmq-server")
    return found


class RabbitNode:
    def __init__(self, folder, reaper=None):
        self.folder = folder
        self.reaper = reaper
        self.node = f"havenfaults-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port(avoid=(5672, 25672, 15672))
        self.dist_port = free_port(avoid=(5672, 25672, 15672, self.port))
        for sub in ("mnesia", "log"):
            os.makedirs(os.path.join(folder, sub), exist_ok=True)
        with open(self._path("enabled_plugins"), "w") as f:
            f.write("[].\n")
        with open(self._path("rabbitmq.conf"), "w") as f:
            f.write(f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
                    "loopback_users.guest = true\n"
                    "log.console = false\n"
                    "log.file.level = warning\n"
                    # A stopped node must not refuse to start again because its disk looks full on a busy machine.
                    "disk_free_limit.absolute = 50MB\n")
        with open(self._path("rabbitmq-env.conf"), "w") as f:
            f.write("# this node's own: nothing from /etc/rabbitmq/rabbitmq-env.conf\n")
        self.process = None
        self.log = None

    def _path(self, name):
        return os.path.join(self.folder, name)

    @property
    def env(self):
        env = {key: value for key, value in os.environ.items() if not key.startswith(("RABBITMQ_", "ERL_"))}
        env.update({
            "HOME": self.folder,  # the Erlang cookie of this node (and of rabbitmqctl talking to it) lives here
            "RABBITMQ_CONF_ENV_FILE": self._path("rabbitmq-env.conf"),
            "RABBITMQ_CONFIG_FILE": self._path("rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": self._path("enabled_plugins"),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": self._path("mnesia"),
            "RABBITMQ_LOG_BASE": self._path("log"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        })
        return env

    @property
    def amqp_uri(self):
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def uri(self, vhost="/", port=None):
        from urllib.parse import quote
        return f"amqp://guest:guest@127.0.0.1:{port or self.port}/{quote(vhost, safe='')}"

    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, timeout=90, wait=True):
        if self.running():
            return self
        for port in (self.port, self.dist_port):
            wait_for(lambda port=port: port_is_free(port), timeout=20,
                     message=f"port {port} to be free for RabbitMQ node {self.node}")
        self.log = open(self._path("server.out"), "ab")
        started = time.monotonic()
        self.process = subprocess.Popen([_script("rabbitmq-server")], env=self.env, cwd=self.folder,
                                        stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        if self.reaper is not None:
            self.reaper.killpg(self.process.pid)
        self._started = started
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=90):
        wait_for(self._accepting, timeout=timeout, interval=0.1, message=f"RabbitMQ node {self.node} to accept AMQP")
        self.started_in = time.monotonic() - self._started
        return self

    def _accepting(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"RabbitMQ node {self.node} exited with {self.process.returncode}; see "
                               f"{self._path('server.out')} and {self._path('log')}")
        from kombu import Connection
        try:
            with Connection(self.amqp_uri, connect_timeout=1) as connection:
                connection.ensure_connection(max_retries=1, timeout=1)
                # Accepting connections comes before the node has finished booting; a channel proves it is ready.
                connection.channel().close()
            return True
        except Exception:
            return False

    def stop(self, timeout=60):
        """An orderly shutdown: queues and persistent messages are kept on disk."""
        if not self.running():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._finish()

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._finish()

    def _finish(self):
        if self.process is not None:
            try:  # erl's helpers (erl_child_setup, inet_gethost) are in the node's session: none may outlive it
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if self.reaper is not None:
                self.reaper.forget_killpg(self.process.pid)
        if self.log is not None:
            self.log.close()
            self.log = None

    def ctl(self, *args, timeout=60):
        result = subprocess.run([_script("rabbitmqctl"), "-n", self.node, *args], env=self.env,
                                capture_output=True, text=True, timeout=timeout, cwd=self.folder)
        if result.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}")
        return result.stdout

    def add_vhost(self, name):
        self.ctl("add_vhost", name)
        self.ctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")

    def delete_vhost(self, name):
        try:
            self.ctl("delete_vhost", name)
        except Exception:
            pass

    def queues(self, vhost):
        """{queue: (ready, unacknowledged)} of a vhost (rabbitmqctl: AMQP cannot see unacknowledged counts)."""
        out = self.ctl("list_queues", "-p", vhost, "--quiet", "--no-table-headers", "name", "messages_ready",
                       "messages_unacknowledged")
        queues = {}
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[1].isdigit():
                queues[parts[0]] = (int(parts[1]), int(parts[2]))
        return queues

