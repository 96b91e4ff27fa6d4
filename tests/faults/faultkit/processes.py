"""Small helpers the fault suite's servers share: ports, waiting, and the reaper that cleans up after a killed run."""
import json
import os
import socket
import subprocess
import sys
import threading
import time


def port_is_free(port):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(avoid=()):
    """A port nobody listens on now (the kernel's choice), never one of ``avoid`` (the shared servers' ports)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in avoid:
            return port


def wait_for(predicate, timeout, interval=0.2, message="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


class Reaper:
    """The test's handle on ``reaper.py``, a process of its own session that stops the servers and removes their
    folder when the suite ends, or when pytest dies without running its teardown (its stdin closes either way)."""

    def __init__(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reaper.py")
        self.process = subprocess.Popen([sys.executable, script], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        self.pg_stops = set()
        self._writing = threading.Lock()  # green under eventlet: one writer at a time (two at once raise)

    def _tell(self, **item):
        with self._writing:
            try:
                self.process.stdin.write((json.dumps(item) + "\n").encode())
                self.process.stdin.flush()
            except (OSError, ValueError):
                pass

    def killpg(self, pid):
        self._tell(killpg=pid)

    def forget_killpg(self, pid):
        self._tell(forget_killpg=pid)

    def kill(self, pid):
        self._tell(kill=pid)

    def forget_kill(self, pid):
        self._tell(forget_kill=pid)

    def pg_stop(self, command):
        if tuple(command) not in self.pg_stops:
            self.pg_stops.add(tuple(command))
            self._tell(pg_stop=command)

    def rmtree(self, folder):
        self._tell(rmtree=folder)

    def close(self, timeout=90):
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
