"""The test's side of the TCP proxy (``proxy.py``, a process of its own): start it, add routes, cut, black-hole."""
import json
import os
import socket
import subprocess
import sys

PROXY_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "proxy.py")


class Proxy:
    """One proxy process with named routes. ``route(name, host, port)`` → the local port that forwards there."""

    def __init__(self, log_path):
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen([sys.executable, PROXY_SCRIPT], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.log)
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(5)
            raise RuntimeError(f"the proxy did not start (exit {self.process.returncode}); see {log_path}")
        self.control = socket.create_connection(("127.0.0.1", json.loads(line)["control_port"]), timeout=10)
        self.replies = self.control.makefile("rb")
        self.ports = {}

    def _call(self, **request):
        self.control.sendall((json.dumps(request) + "\n").encode())
        reply = json.loads(self.replies.readline())
        if "error" in reply:
            raise RuntimeError(f"proxy: {reply['error']}")
        return reply

    def route(self, name, host, port):
        if name not in self.ports:
            self.ports[name] = self._call(cmd="add", name=name, host=host, port=port)["port"]
        return self.ports[name]

    def forward(self, name):
        return self._call(cmd="mode", name=name, mode="pass")

    def blackhole(self, name):
        return self._call(cmd="mode", name=name, mode="blackhole")

    def blackhole_up(self, name):
        """Half a partition: the client's bytes vanish, the target's still arrive."""
        return self._call(cmd="mode", name=name, mode="blackhole-up")

    def refuse(self, name):
        return self._call(cmd="mode", name=name, mode="refuse")

    def cut(self, name):
        return self._call(cmd="cut", name=name)["cut"]

    def freeze(self, name):
        return self._call(cmd="freeze", name=name)["frozen"]

    def cut_frozen(self, name):
        return self._call(cmd="cut_frozen", name=name)["cut"]

    def stats(self, name):
        return self._call(cmd="stats", name=name)

    def reset(self):
        """Every route forwarding again, with no connection left over from a previous scenario."""
        for name in self.ports:
            self.forward(name)
            self.cut(name)

    def close(self):
        try:
            self.control.close()
        except OSError:
            pass
        if self.process.poll() is None:
            self.process.stdin.close()  # the proxy exits when its stdin closes
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
