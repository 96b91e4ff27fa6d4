"""Services as real processes (the system tier, the bench) and the network tools their tests need: a free port, a
TCP forwarder a test can cut (:class:`TcpGate`), stopping a child process for sure."""
import importlib
import os
import subprocess
import sys
import urllib.parse
import urllib.request

import eventlet

from ..logs import QUIET_WARNINGS
from .harness import free_port, wait_until


def stop_process(process, timeout=20):
    """Ask a child process to stop (SIGTERM); kill it if it has not exited after ``timeout`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class ServiceProcess:
    """``nameko run`` of one service with its own config.yml, logging to ``log_path``."""

    def __init__(self, service, env, port, log_path):
        self.service, self.env, self.port, self.log_path = service, env, port, log_path
        self.process = None

    def start(self):
        package = importlib.import_module(f"haven_{self.service}")
        config = os.path.join(os.path.dirname(os.path.dirname(package.__file__)), "config.yml")
        if not os.path.exists(config):
            config = os.path.join(os.path.dirname(package.__file__), "config.yml")
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", config, f"haven_{self.service}.service"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout=60):
        def healthy():
            if self.process.poll() is not None:
                raise AssertionError(f"{self.service} exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base_url + "/health", timeout=2) as response:
                    return response.status == 200
            except Exception:
                return False
        wait_until(healthy, timeout=timeout, interval=0.25, message=f"{self.service} /health")
        return self

    def stop(self, timeout=20):
        stop_process(self.process, timeout)
        if getattr(self, "log", None):
            self.log.close()

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def service_process_env(service, amqp_uri, database_url, port, **extra):
    env = dict(os.environ)
    env.update({
        "AMQP_URI": amqp_uri,
        f"{service.upper()}_DATABASE_URL": database_url,
        f"{service.upper()}_HTTP": f"127.0.0.1:{port}",
        "HAVEN_RETRY_DELAYS": "0.2,0.4",
        "PYTHONUNBUFFERED": "1",
        "PYTHONWARNINGS": QUIET_WARNINGS,  # no eventlet banner in the service's log
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


class TcpGate:
    """A TCP forwarder that a test can close (connections refused, open ones cut) and open again.

    Put it between a component and RabbitMQ to show what happens while the broker is unreachable.
    """

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server = None
        self._pipes = []
        self._pumps = []
        self._acceptor = None

    def uri_for(self, amqp_uri):
        parts = urllib.parse.urlsplit(amqp_uri)
        netloc = parts.netloc.rsplit("@", 1)
        auth = netloc[0] + "@" if len(netloc) == 2 else ""
        return urllib.parse.urlunsplit((parts.scheme, f"{auth}127.0.0.1:{self.port}", parts.path, "", ""))

    def open(self):
        if self._server is not None:
            return self
        server = eventlet.listen(("127.0.0.1", self.port))
        self._server = server
        self._acceptor = eventlet.spawn(self._accept, server)
        return self

    def close(self):
        server, self._server = self._server, None
        if self._acceptor is not None:
            self._acceptor.kill()
            self._acceptor = None
        for pump in self._pumps:
            pump.kill()
        self._pumps = []
        if server is not None:
            server.close()
        for sock in self._pipes:
            try:
                sock.close()
            except Exception:
                pass
        self._pipes = []
        return self

    def _accept(self, server):
        while True:
            client, _ = server.accept()
            try:
                upstream = eventlet.connect(self.target)
            except OSError:
                client.close()
                continue
            self._pipes += [client, upstream]
            self._pumps += [eventlet.spawn(self._pump, client, upstream), eventlet.spawn(self._pump, upstream, client)]

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except (OSError, EOFError):
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.close()
                except Exception:
                    pass


class make_run:
    """``with make_run(root, env, output) as runner:`` ``make run``'s script (``<root>/deploy/run.py``) started with
    ``env``, its output in the file ``output``, once it says every process is healthy; stopped as Ctrl-C stops it
    (SIGINT: run.py stops every service) on leaving."""

    def __init__(self, root, env, output, timeout=240):
        self.root, self.env, self.output, self.timeout = str(root), env, output, timeout

    def __enter__(self):
        with open(self.output, "wb") as out:
            self.runner = subprocess.Popen([sys.executable, os.path.join(self.root, "deploy", "run.py"), "--timeout",
                                            "120"], cwd=self.root, env=self.env, stdout=out,
                                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_until(lambda: "Haven is running" in self.output.read_text() or self.runner.poll() is not None,
                       timeout=self.timeout, interval=0.5, message="deploy/run.py: every process healthy")
            assert self.runner.poll() is None, self.output.read_text()
        except BaseException:
            self.__exit__()
            raise
        return self.runner

    def __exit__(self, *exc):
        import signal
        if self.runner.poll() is None:
            self.runner.send_signal(signal.SIGINT)
            try:
                self.runner.wait(60)
            except subprocess.TimeoutExpired:
                stop_process(self.runner)
