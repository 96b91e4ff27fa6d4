"""Encryption at rest: AES-GCM with the key id stored with each value, bound to where it lives."""
import base64

import pytest

from haven_protection.crypto import Keyring, ProtectionKeyError, keyring_from_config, new_key, parse_keys
from haven_protection.settings import parse

pytestmark = pytest.mark.unit

KEYS = Keyring({"a": b"a" * 32, "b": b"b" * 32}, "a")


def test_a_sealed_value_names_its_key_hides_its_text_and_opens_where_it_was_sealed():
    sealed = KEYS.seal("Amina Test", "cases.person_sealed:1")
    assert sealed.startswith("a:") and "Amina" not in sealed
    assert base64.b64decode(sealed[2:]) != KEYS.seal("Amina Test", "cases.person_sealed:1")  # a fresh nonce
    assert KEYS.open(sealed, "cases.person_sealed:1") == "Amina Test"
    assert KEYS.seal(None, "x") is None and KEYS.open(None, "x") is None


def test_a_value_moved_to_another_row_or_tampered_with_does_not_open():
    sealed = KEYS.seal("Amina Test", "cases.person_sealed:1")
    with pytest.raises(ProtectionKeyError):
        KEYS.open(sealed, "cases.person_sealed:2")
    raw = bytearray(base64.b64decode(sealed[2:]))
    raw[-1] ^= 1
    with pytest.raises(ProtectionKeyError):
        KEYS.open("a:" + base64.b64encode(bytes(raw)).decode(), "cases.person_sealed:1")


def test_an_old_key_still_opens_and_an_unknown_one_is_named():
    old = Keyring({"b": b"b" * 32}, "b").seal("x", "w")
    assert KEYS.open(old, "w") == "x" and not KEYS.is_current(old)
    with pytest.raises(ProtectionKeyError, match="'z'"):
        KEYS.open("z:" + old[2:], "w")


def test_keys_come_from_configuration_and_outside_development_a_missing_one_refuses_to_start(monkeypatch):
    key = new_key()
    ring = keyring_from_config({"PROTECTION_KEYS": f"old={new_key()}, new={key}"})
    assert ring.current == "new" and ring.keys["new"] == base64.b64decode(key)
    assert keyring_from_config({"PROTECTION_KEYS": f"old={new_key()},new={key}",
                                "PROTECTION_KEY_ID": "old"}).current == "old"
    monkeypatch.delenv("PROTECTION_KEYS", raising=False)
    monkeypatch.setenv("HAVEN_ENV", "development")
    assert keyring_from_config({}).current == "dev"
    monkeypatch.setenv("HAVEN_ENV", "production")
    with pytest.raises(ProtectionKeyError, match="PROTECTION_KEYS is not set"):
        parse({})
    with pytest.raises(ProtectionKeyError):
        keyring_from_config({"PROTECTION_KEYS": "a=" + base64.b64encode(b"short").decode()})
    with pytest.raises(ProtectionKeyError):
        parse_keys("no-equals-sign")
    with pytest.raises(ProtectionKeyError):
        keyring_from_config({"PROTECTION_KEYS": f"a={key}", "PROTECTION_KEY_ID": "b"})
