"""Key rotation re-seals every value under the current key; the values read the same afterwards."""
from sqlalchemy import text

from haven_protection import cases, follow_ups, sharing
from haven_protection.crypto import Keyring
from haven_protection.rotate import rotate
from haven_protection.testing import KEYS, SETTINGS, SITE, act, case_payload, needs_event, run


def key_ids(unit):
    with unit.engine.connect() as connection:
        values = []
        for sql in ("SELECT person_sealed, narrative_sealed FROM cases", "SELECT note_sealed FROM case_actions",
                    "SELECT override_reason_sealed FROM referrals", "SELECT close_reason_sealed FROM follow_ups"):
            values += [v for row in connection.execute(text(sql)) for v in row if v is not None]
    return sorted({v.split(":")[0] for v in values}), len(values)


def test_rotation_re_seals_every_value_and_they_read_the_same(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    run(unit, lambda: cases.record_action(desk, case_id, {"kind": "follow_up", "note": "Visit Tuesday"}))
    act(unit, "overrider")
    run(unit, lambda: sharing.refer_case(desk, case_id, {"to_org": "UNHCR", "service_type": "health",
                                                         "override_reason": "Urgent"}))
    event = needs_event(SITE, {"CR-CP": 1})
    with unit.applying(event):
        [follow_up_id] = follow_ups.on_protection_needs(unit, event, SETTINGS)
    run(unit, lambda: follow_ups.close(desk, follow_up_id, "Duplicate"))
    before = run(unit, lambda: cases.get_case(desk, case_id))
    assert key_ids(unit) == (["k1"], 5)
    rotated = Keyring(KEYS.keys, "k2")
    assert rotate(unit._session_factory, rotated, batch=1) == {"cases": 2, "case_actions": 1, "referrals": 1,
                                                                "follow_ups": 1}
    assert key_ids(unit) == (["k2"], 5)
    desk.keys = Keyring({"k2": KEYS.keys["k2"]}, "k2")  # the old key removed
    after = run(unit, lambda: cases.get_case(desk, case_id))
    assert (after["person"], after["narrative"], after["actions"], after["referrals"]) == (
        before["person"], before["narrative"], before["actions"], before["referrals"])
    assert rotate(unit._session_factory, desk.keys) == {"cases": 0, "case_actions": 0, "referrals": 0,
                                                         "follow_ups": 0}


def test_the_rotation_command_re_seals_under_the_configured_key(unit, desk, monkeypatch, capsys):
    import base64

    from haven_protection.rotate import main
    case_id = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    keys = ",".join(f"{kid}={base64.b64encode(key).decode()}" for kid, key in KEYS.keys.items())
    monkeypatch.setenv("PROTECTION_KEYS", keys)
    monkeypatch.setenv("PROTECTION_KEY_ID", "k2")
    assert main(["--url", str(unit.engine.url)]) == 0
    assert "re-sealed under key 'k2': cases 2" in capsys.readouterr().out
    assert key_ids(unit) == (["k2"], 2)
    desk.keys = Keyring(KEYS.keys, "k2")
    assert run(unit, lambda: cases.get_case(desk, case_id))["person"]["name"] == "Amina Test"
