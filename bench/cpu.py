"""CPU time by component (/proc/<pid>/stat), to say what bounds a figure: each Haven service, the bench's driver
(the partner clients), this run's PostgreSQL backends, and RabbitMQ (shared with whatever else uses the broker)."""
import os

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class CpuMeter:
    """``snapshot()`` -> {component: cpu seconds}. Postgres backends are matched by this run's database names;
    backends that come and go between snapshots are missed (the services keep pooled connections, so few do)."""

    def __init__(self, processes, database_tag):
        self.processes = {name: p.pid for name, p in processes.items() if p.pid}
        self.database_tag = database_tag

    def snapshot(self):
        result = {name: _cpu_seconds(pid) for name, pid in self.processes.items()}
        result["driver"] = _cpu_seconds(os.getpid())
        postgres, rabbit = {}, 0.0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            line = _cmdline(pid)
            if line.startswith("postgres: ") and self.database_tag in line:
                for word in line.split():
                    if self.database_tag in word:
                        name = "postgres:" + word.split(self.database_tag + "_", 1)[-1]
                        postgres[name] = postgres.get(name, 0.0) + _cpu_seconds(pid)
                        break
            elif "beam.smp" in line and "rabbit" in line:
                rabbit += _cpu_seconds(pid)
        result.update(postgres)
        result["rabbitmq"] = rabbit
        return result

    @staticmethod
    def delta(before, after):
        return {k: round(after.get(k, 0.0) - before.get(k, 0.0), 3) for k in after}
