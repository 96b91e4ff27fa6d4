"""A TCP proxy that a test controls: routes that forward, cut, refuse or black-hole their connections.

It runs as a process of its own (``python proxy.py``, standard library only), so that forwarding every byte between
the services and their broker and databases costs the test's process nothing. The test talks to it over a control
socket, one JSON object per line (see :class:`Proxy`):

* ``add``: a route, a listening port that forwards to a target;
* ``mode``:  ``pass`` (forward), ``blackhole`` (accept, forward nothing: open connections fall silent, the bytes in
  flight stay where they are, new connections are accepted and left hanging), ``blackhole-up`` (half of a
  partition: what the client sends goes nowhere, what the target sends still arrives) or ``refuse`` (new
  connections are closed at once; open ones are cut);
* ``cut``: close every open connection of a route at once, without forwarding what it holds (what a partition that
  outlasts TCP's patience does);
* ``freeze``: black-hole the connections open now, and only those: a peer that died behind them is never heard
  closing (a host that vanished, a NAT or userland proxy that keeps the far side open), new connections forward;
* ``stats``: connections accepted, open, bytes forwarded.

A black-holed route that goes back to ``pass`` resumes its connections where they were, as a healed partition does.
"""
import asyncio
import json
import socket
import sys
import time

CHUNK = 65536


class Route:
    def __init__(self, name, target):
        self.name = name
        self.target = target
        self.mode = "pass"
        self.flowing = asyncio.Event()     # client -> target ("up")
        self.flowing.set()
        self.flowing_down = asyncio.Event()  # target -> client
        self.flowing_down.set()
        self.connections = set()
        self.accepted = 0
        self.forwarded = 0
        self.server = None
        self.port = None

    def set_mode(self, mode):
        if mode not in ("pass", "blackhole", "blackhole-up", "refuse"):
            raise ValueError(f"unknown mode {mode!r}")
        self.mode = mode
        if mode in ("blackhole", "blackhole-up"):
            self.flowing.clear()
        else:
            self.flowing.set()
        if mode == "blackhole":
            self.flowing_down.clear()
        else:
            self.flowing_down.set()
        if mode == "refuse":
            self.cut()

    def cut(self):
        connections = list(self.connections)
        for connection in connections:
            connection.close()
        return len(connections)

    def cut_frozen(self):
        frozen = [connection for connection in self.connections if not connection.flowing.is_set()]
        for connection in frozen:
            connection.close()
        return len(frozen)

    def freeze(self):
        """Black-hole the connections open now; new ones forward (a process behind a dead link is replaced)."""
        connections = list(self.connections)
        for connection in connections:
            connection.flowing.clear()
        return len(connections)

    async def accept(self, reader, writer):
        self.accepted += 1
        _nodelay(writer)
        if self.mode == "refuse":
            _abort(writer)
            return
        connection = Connection(self, reader, writer)
        self.connections.add(connection)
        try:
            await connection.run()
        finally:
            self.connections.discard(connection)


class Connection:
    def __init__(self, route, reader, writer):
        self.route = route
        self.client = (reader, writer)
        self.upstream = None
        self.tasks = []
        self.closed = False
        self.flowing = asyncio.Event()  # this connection's own gate (``freeze``)
        self.flowing.set()

    async def run(self):
        route = self.route
        await route.flowing.wait()  # a black-holed route accepts, then holds the connection without a word
        if self.closed:
            return
        try:
            reader, writer = await asyncio.open_connection(*route.target)
        except OSError:
            self.close()
            return
        _nodelay(writer)
        self.upstream = (reader, writer)
        if self.closed:
            self.close()
            return
        self.tasks = [asyncio.ensure_future(self.pump(self.client[0], writer, route.flowing)),
                      asyncio.ensure_future(self.pump(reader, self.client[1], route.flowing_down))]
        await asyncio.wait(self.tasks, return_when=asyncio.FIRST_COMPLETED)
        self.close()

    async def pump(self, reader, writer, route_flowing):
        flowing = self.flowing
        try:
            while True:
                await route_flowing.wait()
                await flowing.wait()
                data = await reader.read(CHUNK)
                if not data:
                    break
                await route_flowing.wait()  # bytes read just before a black-hole wait for it to end (or a cut)
                await flowing.wait()
                writer.write(data)
                await writer.drain()
                self.route.forwarded += len(data)
        except OSError:
            pass
        # However this direction ended (the peer closed, or died while a write was pending), a silent link does not
        # tell the other side: the far end keeps its connection until the link forwards again or is cut.
        await route_flowing.wait()
        await flowing.wait()

    def close(self):
        if self.closed:
            return
        self.closed = True
        for task in self.tasks:
            task.cancel()
        for pair in (self.client, self.upstream):
            if pair is not None:
                _abort(pair[1])
        self.route.connections.discard(self)


def _nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


def _abort(writer):
    """Close at once, dropping whatever is buffered (a cut, not a polite goodbye)."""
    try:
        writer.transport.abort()
    except Exception:
        pass


class Controller:
    def __init__(self):
        self.routes = {}

    async def handle(self, reader, writer):
        while True:
            line = await reader.readline()
            if not line:
                break
            try:
                reply = await self.command(json.loads(line))
            except Exception as exc:  # a bad command is answered, never fatal
                reply = {"error": f"{type(exc).__name__}: {exc}"}
            writer.write((json.dumps(reply) + "\n").encode())
            await writer.drain()
        writer.close()

    async def command(self, request):
        cmd = request["cmd"]
        if cmd == "add":
            name = request["name"]
            if name in self.routes:
                raise ValueError(f"route {name} exists")
            route = Route(name, (request["host"], int(request["port"])))
            route.server = await asyncio.start_server(route.accept, "127.0.0.1", int(request.get("listen", 0)),
                                                      reuse_address=True)
            route.port = route.server.sockets[0].getsockname()[1]
            self.routes[name] = route
            return {"port": route.port}
        if cmd == "ping":
            return {"ok": True, "at": time.time()}
        route = self.routes[request["name"]]
        if cmd == "mode":
            route.set_mode(request["mode"])
            return {"mode": route.mode, "open": len(route.connections)}
        if cmd == "cut":
            return {"cut": route.cut()}
        if cmd == "freeze":
            return {"frozen": route.freeze()}
        if cmd == "cut_frozen":
            return {"cut": route.cut_frozen()}
        if cmd == "stats":
            return {"mode": route.mode, "open": len(route.connections), "accepted": route.accepted,
                    "forwarded": route.forwarded}
        raise ValueError(f"unknown command {cmd!r}")


async def main():
    controller = Controller()
    server = await asyncio.start_server(controller.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"control_port": port}), flush=True)
    # Stop when the parent goes away (stdin closes), so a crashed test run leaves no proxy behind.
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def _on_stdin():
        if not sys.stdin.buffer.read1(1024) and not stdin_closed.done():
            stdin_closed.set_result(True)

    loop.add_reader(sys.stdin.fileno(), _on_stdin)
    await stdin_closed


if __name__ == "__main__":
    asyncio.run(main())
