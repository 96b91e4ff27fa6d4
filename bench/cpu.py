"""CPU time by component (/proc/<pid>/stat), to say what bounds a figure: each Haven service, the bench's driver
(the partner clients), PostgreSQL (the whole server, and this run's live backends by database: connections that
closed between two snapshots are missing from the latter) and RabbitMQ. The servers are shared with whatever else
runs on the machine, so their figures include that work too."""
import os

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def _cpu_with_reaped_children(pid):
    """utime + stime + cutime + cstime: a process's CPU plus that of its children that have exited and been reaped
    (PostgreSQL's postmaster reaps every backend, so this counts connections that came and went too)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def _ppid(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


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
        postgres, rabbit, server = {}, 0.0, 0.0
        postmaster = None
        pids = [pid for pid in os.listdir("/proc") if pid.isdigit()]
        for pid in pids:
            line = _cmdline(pid)
            if line.startswith("postgres: ") and self.database_tag in line:
                for word in line.split():
                    if self.database_tag in word:
                        name = "postgres:" + word.split(self.database_tag + "_", 1)[-1]
                        postgres[name] = postgres.get(name, 0.0) + _cpu_seconds(pid)
                        break
            elif "beam.smp" in line and "rabbit" in line:
                rabbit += _cpu_seconds(pid)
            elif "/postgres" in line.split(" ", 1)[0] and " -D " in line:
                postmaster = int(pid)
        if postmaster is not None:
            server = _cpu_with_reaped_children(postmaster) + sum(
                _cpu_seconds(pid) for pid in pids if _ppid(pid) == postmaster)
        result.update({f"{name} (live backends)": value for name, value in postgres.items()})
        result["postgresql (whole server)"] = server
        result["rabbitmq (whole broker)"] = rabbit
        return result

    @staticmethod
    def delta(before, after):
        return {k: round(after.get(k, 0.0) - before.get(k, 0.0), 3) for k in after}
