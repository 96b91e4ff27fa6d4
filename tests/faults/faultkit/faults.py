"""The faults a scenario injects beside its burst. Each is ``fault(deployment, burst, timeline)``: it waits for its
moment (a share of the burst's operations invoked), breaks something, repairs it, and returns once repaired; what
it did is appended to ``timeline`` as ``(seconds since the burst started, what)``."""
import time

import eventlet


def _note(burst, timeline, what):
    timeline.append((time.monotonic() - burst.started, what))


def kill_and_restart(service, at=(0.3,), down_seconds=1.0):
    """kill -9 ``service`` at each moment of ``at`` (shares of the burst invoked), restart it ``down_seconds``
    later and wait until it is healthy."""

    def fault(deployment, burst, timeline):
        for moment in at:
            burst.wait_invoked(moment)
            deployment.kill(service)
            _note(burst, timeline, f"kill -9 {service}")
            eventlet.sleep(down_seconds)
            deployment.start_service(service)
            _note(burst, timeline, f"{service} restarted and healthy")

    fault.__doc__ = f"kill -9 of {service} at {', '.join(f'{m:.0%}' for m in at)} of the burst, restarted"
    return fault


def broker_restart(at=0.3, down_seconds=4.0):
    def fault(deployment, burst, timeline):
        burst.wait_invoked(at)
        deployment.node.stop()
        _note(burst, timeline, "broker stopped (SIGTERM, orderly)")
        eventlet.sleep(down_seconds)
        deployment.node.start()
        _note(burst, timeline, f"broker started again ({deployment.node.started_in:.1f}s to boot)")

    fault.__doc__ = f"the broker stopped at {at:.0%} of the burst for {down_seconds:.0f}s plus its boot"
    return fault


def database_outage(service, at=0.2, down_seconds=8.0, mode="immediate"):
    def fault(deployment, burst, timeline):
        burst.wait_invoked(at)
        cluster = deployment.platform.clusters[service]
        cluster.stop(mode)
        _note(burst, timeline, f"{service}'s PostgreSQL stopped ({mode})")
        eventlet.sleep(down_seconds)
        cluster.start()
        _note(burst, timeline, f"{service}'s PostgreSQL started again")

    fault.__doc__ = f"{service}'s PostgreSQL down ({mode}) at {at:.0%} of the burst for {down_seconds:.0f}s"
    return fault


def cut_links(services, at=0.3, route="amqp"):
    def fault(deployment, burst, timeline):
        burst.wait_invoked(at)
        cut = {service: deployment.proxy.cut(f"{route}-{service}") for service in services}
        _note(burst, timeline, f"{route} connections cut: {cut}")

    fault.__doc__ = f"every {route} connection of {', '.join(services)} cut at {at:.0%} of the burst"
    return fault


def blackhole(service, route="db", at=0.2, seconds=6.0):
    def fault(deployment, burst, timeline):
        burst.wait_invoked(at)
        name = f"{route}-{service}"
        deployment.proxy.blackhole(name)
        _note(burst, timeline, f"{name} black-holed")
        eventlet.sleep(min(2.0, seconds / 2))
        probe = time.monotonic()
        status, body = deployment.http(service, "/health")
        _note(burst, timeline, f"{service} /health during it: {status} {body[:120]} after "
                               f"{time.monotonic() - probe:.1f}s")
        eventlet.sleep(max(0.0, seconds - (time.monotonic() - probe) - min(2.0, seconds / 2)))
        deployment.proxy.forward(name)
        _note(burst, timeline, f"{name} forwarding again (the partition healed)")

    fault.__doc__ = f"{service}'s {route} link black-holed at {at:.0%} of the burst for {seconds:.0f}s, then healed"
    return fault


def partition_then_kill(service, at=0.3, seconds=3.0):
    """Half of a partition on the service's broker link: requests still reach it, its replies and acknowledgements
    go nowhere. It commits every request it is given (a prefetch window's worth, ``max_workers``), dies, the
    partition outlasts it (its connections are cut, what they held is dropped) and it is restarted: the broker
    delivers those requests again."""

    def fault(deployment, burst, timeline):
        burst.wait_invoked(at)
        name = f"amqp-{service}"
        deployment.proxy.blackhole_up(name)
        _note(burst, timeline, f"{name}: what {service} sends goes nowhere")
        eventlet.sleep(seconds)
        deployment.kill(service)
        deployment.proxy.cut(name)
        deployment.proxy.forward(name)
        _note(burst, timeline, f"kill -9 {service}; its broker connections dropped")
        deployment.start_service(service)
        _note(burst, timeline, f"{service} restarted and healthy")

    fault.__doc__ = (f"{service}'s replies and acks black-holed at {at:.0%} of the burst, {service} killed "
                     f"{seconds:.0f}s later, its connections dropped, restarted")
    return fault


def kill_behind_dead_link(service, at=0.25, stalled_seconds=3.0, link_dies_after=15.0):
    """The service stalls (SIGSTOP: it stops acknowledging and the broker fills its prefetch window), its broker
    connections go silent without closing (``freeze``: a host that vanished, a NAT or userland proxy that keeps the
    far side open), the process is killed and restarted on fresh connections; ``link_dies_after`` seconds later the
    dead connections are finally cut (what TCP would do, much later, on its own).

    Until then the broker still holds the old connection's unacknowledged deliveries for it: it lets them go only
    once it notices the connection is dead (its heartbeat check, or TCP giving up); the restarted consumer meanwhile
    takes the newer deliveries queued behind them."""

    def fault(deployment, burst, timeline):
        import os
        import signal
        burst.wait_invoked(at)
        route = f"amqp-{service}"
        deployment.expected_down.add(service)
        os.kill(deployment.processes[service].process.pid, signal.SIGSTOP)
        _note(burst, timeline, f"{service} stalled (SIGSTOP)")
        eventlet.sleep(stalled_seconds)
        frozen = deployment.proxy.freeze(route)
        frozen_at = time.monotonic()
        deployment.kill(service)
        _note(burst, timeline, f"{service}'s {frozen} broker connections frozen open; kill -9 {service}")
        deployment.start_service(service)
        _note(burst, timeline, f"{service} restarted on new connections and healthy; "
                               f"{_unacked(deployment, service)} deliveries still held by the dead connection")

        def link_dies():
            cut = deployment.proxy.cut_frozen(route)
            _note(burst, timeline, f"the dead connections ({cut}) finally cut")

        deployment.pending.append(eventlet.spawn_after(max(0.0, link_dies_after - (time.monotonic() - frozen_at)),
                                                       link_dies))

    fault.__doc__ = (f"{service} stalled at {at:.0%} of the burst, killed behind broker connections that stay open, "
                     f"restarted; the dead connections cut {link_dies_after:.0f}s later")
    return fault


def _unacked(deployment, service):
    return sum(unacked for name, (ready, unacked) in deployment.node.queues(deployment.vhost).items()
               if name.startswith(f"haven.{service}."))
