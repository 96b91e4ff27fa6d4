"""Safe retries (issue 16 point 4) through both doors: a write whose reply is lost (the client gives up waiting
while the service commits) and is sent again with the same idempotency key is answered with the first reply and
done once; the same key with another payload is a Conflict.

The client and the gateway send the key (context header ``idempotency_key``; HTTP ``Idempotency-Key``); the kernel
answers a repeated key from its RPC inbox (issue 11's exactly-once RPC effects: one mechanism for both). Before
the inbox, a retry registered the household twice. A phone's batch (``sync_households``) is answered from the sync
keys kept with the households, whatever the request's key."""
import json
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from haven_client import Conflict, HavenClient, RpcTimeout
from haven_kernel.auth import issue_token
from haven_kernel.testing import wait_until

pytestmark = pytest.mark.system

SCOPES = ["shelter:write", "shelter:read", "registration:write", "registration:read"]


def _site(client):
    return client.shelter.create_site(site={"name": f"Retry {uuid.uuid4().hex[:6]}", "site_type": "planned_camp",
                                            "adm1": "Sofala", "adm2": "Buzi", "lat": -19.8, "lon": 34.5,
                                            "managing_agency": "IOM"})["site_id"]


def _household(site_id, name="Tembe"):
    return {"site_id": site_id, "consent": True, "members": [
        {"given_name": "Rosa", "family_name": name, "sex": "female", "relationship": "head", "age_years": 51}]}


def test_a_retry_after_a_lost_reply_is_answered_not_done_again(partner_haven):
    token = issue_token(org="IOM", scopes=SCOPES, ttl_seconds=3600)
    with HavenClient(partner_haven["amqp_uri"], token=token, retries=0) as client:
        site_id = _site(client)
        key = f"phone-17/form-{uuid.uuid4().hex[:8]}"
        with pytest.raises(RpcTimeout):  # the reply is lost: the client stopped waiting, the service goes on
            client.registration.register_household(_household(site_id), idempotency_key=key, timeout=0)
        wait_until(lambda: client.registration.search_households(site_id=site_id)["total"] == 1, timeout=30,
                   message="the first attempt committed")
        again = client.registration.register_household(_household(site_id), idempotency_key=key)
        assert client.registration.search_households(site_id=site_id)["total"] == 1
        first = client.registration.search_households(site_id=site_id)["items"][0]
        assert again["household_id"] == first["household_id"]
        with pytest.raises(Conflict):
            client.registration.register_household(_household(site_id, name="Other"), idempotency_key=key)


def test_the_gateway_passes_idempotency_key_on(partner_haven):
    token = issue_token(org="IOM", scopes=SCOPES, ttl_seconds=3600)
    with HavenClient(partner_haven["amqp_uri"], token=token) as client:
        site_id = _site(client)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Idempotency-Key": f"kobo-{uuid.uuid4().hex}"}
    url = partner_haven["gateway_url"] + "/rpc/registration/register_household"
    body = json.dumps({"household": _household(site_id)})
    first = requests.post(url, data=body, headers=headers, timeout=60)
    time.sleep(0.2)
    second = requests.post(url, data=body, headers=headers, timeout=60)
    assert first.status_code == second.status_code == 200
    assert first.json()["household_id"] == second.json()["household_id"]


def test_a_phones_batch_sent_again_through_both_doors_registers_each_household_once(partner_haven):
    """Offline field sync (issue 16 point 5): a KoBo server posts a phone's batch to the gateway, loses the answer and
    posts it again without an idempotency key; a Python client sends it a third time after a reply it gave up on.
    Each household is registered once; each resend answers already_synced."""
    token = issue_token(org="IOM", scopes=SCOPES, ttl_seconds=3600)
    with HavenClient(partner_haven["amqp_uri"], token=token, retries=0) as client:
        site_id = _site(client)
    collected = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat()
    batch = [{"key": f"uuid:{uuid.uuid4()}", "record": {**_household(site_id, name),
                                                         "provenance": {"collected_at": collected,
                                                                        "device_id": "collect:Hx83kd0Qz"}}}
             for name in ("Tembe", "Bila", "Chissano")]
    url = partner_haven["gateway_url"] + "/rpc/registration/sync_households"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    first = requests.post(url, data=json.dumps({"items": batch}), headers=headers, timeout=60)
    again = requests.post(url, data=json.dumps({"items": batch}), headers=headers, timeout=60)
    assert first.status_code == again.status_code == 200
    assert [item["outcome"] for item in first.json()] == ["created"] * 3
    assert [item["outcome"] for item in again.json()] == ["already_synced"] * 3
    assert [item["household_id"] for item in again.json()] == [item["household_id"] for item in first.json()]
    with HavenClient(partner_haven["amqp_uri"], token=token, retries=0) as client:
        with pytest.raises(RpcTimeout):  # sent, then not waited for: 0, not 1 ms, which a reply already in the
            client.registration.sync_households(batch, timeout=0)  # socket (a busy machine) could beat
        third = client.registration.sync_households(batch)
        assert [item["outcome"] for item in third] == ["already_synced"] * 3
        assert client.registration.search_households(site_id=site_id)["total"] == 3
