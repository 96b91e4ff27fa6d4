"""A PostgreSQL cluster of the test's own: ``initdb`` in a temporary folder, a free port, started and stopped here.

PostgreSQL refuses to run as root, and the tests run as root in CI: the cluster then belongs to the ``postgres`` OS
user (its folder is handed over with chown, every server command runs through ``runuser -u postgres``). Run as
anyone else, the cluster is simply that user's. Connections are trusted on 127.0.0.1 only, the socket lives in the
cluster's folder (not in /var/run/postgresql, where the machine's server keeps its own).

``fsync=off``: the data lives as long as the test, and a crash here is a process crash (``stop("immediate")``),
never the machine's: what a commit wrote is in the OS cache and survives. ``synchronous_commit`` stays on, so a
commit a service was told about is never taken back by a crash.
"""
import glob
import os
import pwd
import shutil
import subprocess
import time

from .processes import free_port, wait_for


def _bindir():
    """The folder holding initdb, pg_ctl and postgres (the newest installed version)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)
    on_path = os.path.dirname(shutil.which("initdb") or "")
    for folder in ([on_path] if on_path else []) + candidates:
        if all(os.access(os.path.join(folder, tool), os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: apt-get install postgresql")


class PgCluster:
    def __init__(self, folder, name="pg", reaper=None):
        self.folder = folder
        self.reaper = reaper
        self.name = name
        self.data = os.path.join(folder, "data")
        self.port = free_port(avoid=(5432,))
        self.bindir = _bindir()
        self.as_root = os.geteuid() == 0
        self.started_in = None

    # -- running commands as the cluster's owner ---------------------------------------------------------------------
    def _command(self, tool, *args):
        command = [os.path.join(self.bindir, tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return command

    def _run(self, tool, *args, check=True, timeout=120):
        command = self._command(tool, *args)
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.folder,
                                stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({result.returncode}): "
                               f"{result.stderr.strip() or result.stdout.strip()}")
        return result

    def _hand_over(self, path):
        if self.as_root:
            entry = pwd.getpwnam("postgres")
            for root, dirs, files in os.walk(path):
                os.chown(root, entry.pw_uid, entry.pw_gid)
                for name in files:
                    os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    # -- life cycle ------------------------------------------------------------------------------------------------
    def init(self, copy_from=None):
        """initdb (or a copy of another stopped cluster's data folder: 40 MB copied beats initdb on a busy box)."""
        os.makedirs(self.folder, exist_ok=True)
        if self.as_root:  # the postgres user must be able to reach its folder (mkdtemp makes the parent root-only)
            parent = os.path.dirname(os.path.abspath(self.folder))
            os.chmod(parent, os.stat(parent).st_mode | 0o711)
        self._hand_over(self.folder)
        if copy_from is not None:
            shutil.copytree(copy_from.data, self.data, symlinks=True)
            self._hand_over(self.data)
            os.chmod(self.data, 0o700)
        else:
            self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync",
                      "--locale=C.UTF-8")
        return self

    def start(self, timeout=60):
        started = time.monotonic()
        if self.reaper is not None:
            self.reaper.pg_stop(self._command("pg_ctl", "-D", self.data, "-m", "immediate", "stop"))
        options = " ".join([
            f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.folder}", "-c fsync=off",
            "-c full_page_writes=off", "-c max_connections=200", "-c shared_buffers=32MB",
            "-c autovacuum=off", "-c log_min_messages=warning", "-c log_min_error_statement=panic",
        ])
        self._run("pg_ctl", "-D", self.data, "-l", os.path.join(self.folder, "server.log"), "-o", options,
                  "-w", "-t", str(timeout), "start", timeout=timeout + 10)
        wait_for(self.accepting, timeout=timeout, interval=0.05, message=f"PostgreSQL {self.name} on {self.port}")
        self.started_in = time.monotonic() - started
        return self

    def stop(self, mode="fast"):
        """``fast``: sessions are ended and the server shuts down cleanly; ``immediate``: a crash (recovery on the
        next start)."""
        if self.running():
            self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop", check=False, timeout=70)

    def running(self):
        return os.path.exists(os.path.join(self.data, "postmaster.pid"))

    def accepting(self):
        import psycopg2
        try:
            psycopg2.connect(self.admin_url(), connect_timeout=2).close()
            return True
        except Exception:
            return False

    # -- databases -------------------------------------------------------------------------------------------------
    def admin_url(self, database="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def url(self, database, port=None):
        return f"postgresql://postgres@127.0.0.1:{port or self.port}/{database}"

    def sql(self, statement, database="postgres"):
        import psycopg2
        connection = psycopg2.connect(self.admin_url(database), connect_timeout=5)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchall() if cursor.description else None
        finally:
            connection.close()

    def create_database(self, name, template=None):
        self.sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name
