"""deploy/rabbitmq/apply_policies.py on the real broker, in a virtual host of this test's own: a message that a
consumer rejects over and over leaves a Haven quorum queue after the delivery limit and lands in that service's
dead-letter queue, where `haven dead-letters` looks; the dead-letter queue itself is not matched."""
import base64
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid

import pytest

from deploytools import DEPLOY

pytestmark = pytest.mark.service

SCRIPT = DEPLOY / "rabbitmq" / "apply_policies.py"
LIMIT = json.loads((DEPLOY / "rabbitmq" / "policies.json").read_text())["policies"][0]["definition"]["delivery-limit"]


class Management:
    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}"
        self.user, self.password = parts.username or "guest", parts.password or "guest"

    def __call__(self, method, path, body=None):
        request = urllib.request.Request(self.base + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        request.add_header("content-type", "application/json")
        request.add_header("authorization",
                           "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode())
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text else None


@pytest.fixture
def scratch_vhost(infrastructure):
    api = Management(infrastructure["management_url"])
    vhost = f"haven-policies-{uuid.uuid4().hex[:8]}"
    quoted = urllib.parse.quote(vhost, safe="")
    api("PUT", f"/api/vhosts/{quoted}", {})
    api("PUT", f"/api/permissions/{quoted}/{urllib.parse.quote(api.user)}",
        {"configure": ".*", "write": ".*", "read": ".*"})
    try:
        yield api, vhost, quoted
    finally:
        api("DELETE", f"/api/vhosts/{quoted}")


def apply(api, vhost, services):
    env = {**os.environ, "RABBITMQ_MANAGEMENT_URL": api.base, "RABBITMQ_ADMIN_USER": api.user,
           "RABBITMQ_ADMIN_PASSWORD": api.password}
    return subprocess.run([sys.executable, str(SCRIPT), "--vhost", vhost, "--services", services, "--wait", "5"],
                          env=env, capture_output=True, text=True, timeout=60)


def test_a_message_rejected_past_the_delivery_limit_goes_to_the_service_dead_letters(scratch_vhost):
    api, vhost, quoted = scratch_vhost
    result = apply(api, vhost, "shelter,reporting")
    assert result.returncode == 0, result.stderr
    result = apply(api, vhost, "shelter,reporting")  # idempotent
    assert result.returncode == 0, result.stderr
    names = {p["name"] for p in api("GET", f"/api/policies/{quoted}")}
    assert names == {"haven-shelter-delivery-limit", "haven-reporting-delivery-limit"}

    queue, dead_letters = "haven.shelter.registration.household_registered", "haven.shelter.dead-letters"
    for name in (queue, dead_letters, "haven.reporting.dead-letters"):
        api("PUT", f"/api/queues/{quoted}/{name}", {"durable": True, "arguments": {"x-queue-type": "quorum"}})
    api("POST", f"/api/exchanges/{quoted}/amq.default/publish",
        {"properties": {}, "routing_key": queue, "payload": "poison", "payload_encoding": "string"})

    deliveries = 0
    while api("POST", f"/api/queues/{quoted}/{queue}/get",
              {"count": 1, "ackmode": "reject_requeue_true", "encoding": "auto"}):
        deliveries += 1
        assert deliveries <= LIMIT + 1, "the delivery limit did not stop the redeliveries"
    assert deliveries == LIMIT + 1

    dead = []
    deadline = time.monotonic() + 10
    while not dead and time.monotonic() < deadline:
        dead = api("POST", f"/api/queues/{quoted}/{dead_letters}/get",
                   {"count": 5, "ackmode": "ack_requeue_false", "encoding": "auto"})
        time.sleep(0.2)
    assert [m["payload"] for m in dead] == ["poison"]
    death = dead[0]["properties"]["headers"]["x-death"][0]
    assert (death["reason"], death["queue"]) == ("delivery_limit", queue)
    assert api("GET", f"/api/queues/{quoted}/haven.reporting.dead-letters").get("messages", 0) == 0


def test_the_dead_letter_queue_and_other_services_queues_are_not_matched():
    definitions = json.loads((DEPLOY / "rabbitmq" / "policies.json").read_text())
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import apply_policies
    finally:
        sys.path.remove(str(SCRIPT.parent))
    shelter = dict(apply_policies.policies(definitions, ["shelter"]))["haven-shelter-delivery-limit"]
    pattern = re.compile(shelter["pattern"])
    assert pattern.search("haven.shelter.registration.household_registered")
    assert pattern.search("haven.shelter.registration.household_registered.retry-5000ms")
    assert not pattern.search("haven.shelter.dead-letters")
    assert not pattern.search("haven.reporting.shelter.site_opened")
    assert not pattern.search("rpc-shelter")
    assert shelter["definition"]["dead-letter-routing-key"] == "haven.shelter.dead-letters"


def test_a_refused_policy_makes_the_script_fail(scratch_vhost, tmp_path):
    api, vhost, _ = scratch_vhost
    broken = json.loads((DEPLOY / "rabbitmq" / "policies.json").read_text())
    broken["policies"][0]["apply-to"] = "everything"
    (tmp_path / "policies.json").write_text(json.dumps(broken))
    env = {**os.environ, "RABBITMQ_MANAGEMENT_URL": api.base, "RABBITMQ_ADMIN_USER": api.user,
           "RABBITMQ_ADMIN_PASSWORD": api.password}
    result = subprocess.run([sys.executable, str(SCRIPT), "--vhost", vhost, "--services", "shelter",
                             "--definitions", str(tmp_path / "policies.json")], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and "refused: HTTP 400" in result.stderr
