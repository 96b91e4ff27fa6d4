"""deploy/postgres/01-haven-databases.sh, run as the postgres image runs it, on a throwaway PostgreSQL cluster of this
test's own (initdb in a temporary folder, its own port): each service whose password is given gets a role that owns
its database and cannot connect to another's; without a password, the database alone."""
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from deploytools import DEPLOY

pytestmark = pytest.mark.service

SCRIPT = DEPLOY / "postgres" / "01-haven-databases.sh"


def postgres_bin():
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        pytest.fail("PostgreSQL's server binaries are not installed (apt-get install postgresql)", pytrace=False)
    return versions[-1].parent


@pytest.fixture
def cluster():
    """(environment for psql as the superuser, run) of a fresh cluster listening on a unix socket only. As root,
    PostgreSQL runs as the postgres user, in a folder of its own under /tmp (pytest's is private to root)."""
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    home = Path(tempfile.mkdtemp(prefix="haven-pg-"))
    if as_postgres:
        shutil.chown(home, "postgres", "postgres")
    shutil.copy(SCRIPT, home / SCRIPT.name)
    os.chmod(home / SCRIPT.name, 0o755)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bin_dir = postgres_bin()

    def run(*args, env=None, check=True):
        result = subprocess.run(as_postgres + list(args), capture_output=True, text=True, env=env, timeout=60,
                                cwd=home)
        assert not check or result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
        return result

    run(str(bin_dir / "initdb"), "-D", str(home / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    run(str(bin_dir / "pg_ctl"), "-D", str(home / "data"), "-w", "-l", str(home / "log"),
        "-o", f"-p {port} -k {home} -c listen_addresses=''", "start")
    env = {**os.environ, "PGHOST": str(home), "PGPORT": str(port), "POSTGRES_USER": "postgres"}
    try:
        yield env, run
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(home / "data"), "-m", "immediate", "stop", check=False)
        shutil.rmtree(home, ignore_errors=True)


def psql(run, env, user, database, sql):
    return run("psql", "-v", "ON_ERROR_STOP=1", "-At", "-U", user, "-d", database, "-c", sql, env=env, check=False)


def test_each_service_role_owns_its_database_and_cannot_enter_another(cluster):
    env, run = cluster
    given = {**env, "HAVEN_DB_PASSWORD_REGISTRATION": "pw-'quoted\"-1", "HAVEN_DB_PASSWORD_SHELTER": "pw2"}
    result = run("sh", SCRIPT.name, env=given, check=False)
    assert result.returncode == 0, result.stderr

    databases = psql(run, env, "postgres", "postgres", "SELECT datname FROM pg_database ORDER BY 1").stdout.split()
    assert {"registration", "shelter", "logistics", "health", "protection", "reporting"} <= set(databases)
    owners = dict(line.split("|") for line in psql(
        run, env, "postgres", "postgres",
        "SELECT datname, pg_get_userbyid(datdba) FROM pg_database").stdout.split())
    assert owners["registration"] == "haven_registration" and owners["shelter"] == "haven_shelter"
    assert owners["reporting"] == "postgres"  # no password given: no role of its own
    roles = psql(run, env, "postgres", "postgres", "SELECT rolname FROM pg_roles WHERE rolname LIKE 'haven_%'")
    assert sorted(roles.stdout.split()) == ["haven_registration", "haven_shelter"]

    own = psql(run, env, "haven_registration", "registration", "CREATE TABLE households (id int); SELECT 1")
    assert own.returncode == 0, own.stderr
    other = psql(run, env, "haven_registration", "shelter", "SELECT 1")
    assert other.returncode != 0 and "permission denied for database" in other.stderr
    superuser = psql(run, env, "haven_shelter", "postgres", "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    assert superuser.stdout.strip() == "f"
    stored = psql(run, env, "postgres", "postgres",
                  "SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = 'haven_registration'")
    assert stored.stdout.strip() == "t"  # the quoted password was stored, not rejected
