"""Encryption at rest for names, identifying details, narratives and reasons: AES-256-GCM (``cryptography``).

A sealed value is ``<key id>:<base64 of nonce (12 bytes) + ciphertext + tag>``; the key id travels with each value
so that keys can be rotated (``haven-protection-rotate`` re-encrypts every value under the current key). Each value
is bound to where it lives (``table.column:row id`` as associated data), so a sealed value copied onto another row
does not open.

Keys come from configuration: ``PROTECTION_KEYS`` = ``id1=<base64 32 bytes>,id2=<...>`` and ``PROTECTION_KEY_ID``
(the key new values are sealed with; default the last listed). Outside ``HAVEN_ENV=development`` a missing or
malformed key refuses to start, as a missing auth secret does; in development a fixed, public key (``dev``) is used.
"""
import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from haven_kernel.auth import environment

DEVELOPMENT_KEYS = {"dev": b"haven-development-key-not-secret"}  # 32 bytes, public: development only


class ProtectionKeyError(RuntimeError):
    """A key is missing, malformed or unknown."""


@dataclass(frozen=True)
class Keyring:
    keys: dict  # {key id: 32-byte key}
    current: str

    def __post_init__(self):
        if self.current not in self.keys:
            raise ProtectionKeyError(f"PROTECTION_KEY_ID {self.current!r} is not among PROTECTION_KEYS")
        for key_id, key in self.keys.items():
            if len(key) != 32:
                raise ProtectionKeyError(f"protection key {key_id!r} must be 32 bytes (AES-256), got {len(key)}")

    def seal(self, plaintext, where):
        """``plaintext`` (str) sealed under the current key, bound to ``where``; None stays None."""
        if plaintext is None:
            return None
        nonce = os.urandom(12)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plaintext.encode("utf-8"), where.encode("utf-8"))
        return f"{self.current}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def open(self, stored, where):
        """The plaintext of a sealed value (None stays None). A value sealed elsewhere or tampered with raises."""
        if stored is None:
            return None
        key_id, _, body = stored.partition(":")
        key = self.keys.get(key_id)
        if key is None:
            raise ProtectionKeyError(f"no protection key {key_id!r} is configured to open a stored value")
        raw = base64.b64decode(body)
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], where.encode("utf-8")).decode("utf-8")
        except InvalidTag:
            raise ProtectionKeyError(f"a stored value does not open under key {key_id!r} at {where}") from None

    def is_current(self, stored):
        return stored is None or stored.partition(":")[0] == self.current


def key_id_of(stored):
    return None if stored is None else stored.partition(":")[0]


def parse_keys(text):
    """``{id: key}`` from ``id1=<base64>,id2=<base64>`` (spaces allowed)."""
    keys = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        key_id, sep, encoded = item.partition("=")
        key_id = key_id.strip()
        if not sep or not key_id or ":" in key_id:
            raise ProtectionKeyError("PROTECTION_KEYS must read id=<base64 key>,... (an id has no ':' or '=')")
        try:
            keys[key_id] = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ProtectionKeyError(f"protection key {key_id!r} is not valid base64") from None
    return keys


def keyring_from_config(config):
    """The keyring from a nameko config (or environment-like mapping): refuses to start without a key outside
    development."""
    keys = parse_keys(config.get("PROTECTION_KEYS") or os.environ.get("PROTECTION_KEYS"))
    current = config.get("PROTECTION_KEY_ID") or os.environ.get("PROTECTION_KEY_ID")
    if not keys:
        if environment() != "development":
            raise ProtectionKeyError("PROTECTION_KEYS is not set; it has no default outside HAVEN_ENV=development")
        return Keyring(dict(DEVELOPMENT_KEYS), "dev")
    return Keyring(keys, current or list(keys)[-1])


def new_key():
    """A fresh key, base64, for PROTECTION_KEYS."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")
