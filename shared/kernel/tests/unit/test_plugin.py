"""The test plugin: importing it patches nothing; the test process runs under eventlet all the same; the servers
are found where the README says, and without them the tests say what to start."""
import subprocess
import sys

import eventlet.patcher

from haven_kernel.testing import infra


def test_importing_the_testing_package_patches_nothing():
    code = ("import sys, eventlet.patcher, haven_kernel.testing; "
            "from haven_kernel.testing import publish_event, ServiceHarness; "
            "print(eventlet.patcher.is_monkey_patched('socket'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"


def test_the_suite_runs_under_eventlet():
    assert eventlet.patcher.is_monkey_patched("socket") and eventlet.patcher.is_monkey_patched("thread")


def test_servers_come_from_the_environment_first_then_the_local_ports():
    closed = ("amqp://guest:guest@127.0.0.1:1/", "postgresql://postgres@127.0.0.1:1/postgres")
    given = infra.find_servers({"AMQP_URI": "amqp://u:p@mq:5672/", "DATABASE_URL": "postgresql://db/x"}, local=closed)
    assert given == {"amqp_uri": "amqp://u:p@mq:5672/", "database_url": "postgresql://db/x",
                     "management_url": "http://u:p@mq:15672"}
    assert infra.find_servers({}, local=closed) is None, "nothing answers: Docker next, or the start hint"
    assert infra.START_HINT.count(". ") == 0 and infra.START_HINT.endswith("."), "one sentence"
