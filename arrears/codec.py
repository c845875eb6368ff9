"""Encryption of every workflow payload (inputs, results, signals, updates, failures).

AES-256-GCM with a random 96-bit nonce per payload. The key id travels in the payload's
metadata, so keys can rotate: new payloads use the first key of the ring, old payloads are
read with whichever key they name.
"""

import base64
import binascii
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
_NONCE_BYTES = 12
_TAG_BYTES = 16


class KeyRingError(ValueError):
    pass


class UndecodablePayloadError(ValueError):
    """An encrypted payload that cannot be what this codec wrote: too short to hold a nonce
    and a tag, a key id that is not UTF-8, or clear text that is no payload."""


@dataclass(frozen=True)
class KeyRing:
    """Encryption keys by id; `active` encrypts, every key decrypts."""

    keys: dict[str, bytes]
    active: str

    @classmethod
    def parse(cls, text: str) -> "KeyRing":
        """Parse `kid:base64key,kid:base64key`; the first entry is the active key."""
        keys: dict[str, bytes] = {}
        for entry in filter(None, (part.strip() for part in text.split(","))):
            kid, sep, encoded = entry.partition(":")
            if not sep or not kid:
                raise KeyRingError("each encryption key must be written as key-id:base64-key")
            if kid in keys:
                raise KeyRingError(f"encryption key id {kid!r} appears twice")
            try:
                key = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as error:
                raise KeyRingError(f"encryption key {kid!r} is not valid base64") from error
            if len(key) != 32:
                raise KeyRingError(f"encryption key {kid!r} must be 32 bytes (AES-256)")
            keys[kid] = key
        if not keys:
            raise KeyRingError("no encryption key given")
        return cls(keys=keys, active=next(iter(keys)))

    @staticmethod
    def generate_entry(kid: str) -> str:
        """A new `kid:base64key` entry with a random key."""
        return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring
        self._ciphers = {kid: AESGCM(key) for kid, key in ring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        kid = self._ring.active
        cipher = self._ciphers[kid]
        encoded = []
        for payload in payloads:
            nonce = os.urandom(_NONCE_BYTES)
            data = nonce + cipher.encrypt(nonce, payload.SerializeToString(), kid.encode())
            encoded.append(
                Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=data)
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)
                continue
            decoded.append(self._decrypt(payload))
        return decoded

    def _decrypt(self, payload: Payload) -> Payload:
        """The payload `payload` encrypts. `KeyRingError` if its key is not in the ring,
        `cryptography.exceptions.InvalidTag` if it was not encrypted with that key or was
        altered, `UndecodablePayloadError` if it cannot be an encrypted payload at all."""
        try:
            kid = payload.metadata.get(KEY_ID, b"").decode()
        except UnicodeDecodeError as error:
            raise UndecodablePayloadError("the key id is not UTF-8 text") from error
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise KeyRingError(f"payload encrypted with unknown key id {kid!r}")
        if len(payload.data) < _NONCE_BYTES + _TAG_BYTES:
            raise UndecodablePayloadError(
                f"{len(payload.data)} bytes are too few for a nonce and a tag "
                f"({_NONCE_BYTES + _TAG_BYTES})"
            )
        nonce, ciphertext = payload.data[:_NONCE_BYTES], payload.data[_NONCE_BYTES:]
        clear = cipher.decrypt(nonce, ciphertext, kid.encode())
        try:
            return Payload.FromString(clear)
        except DecodeError as error:
            raise UndecodablePayloadError("the clear text is not a payload") from error


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every `Payload` in `message`, at any depth: inputs, results, headers, memos,
    failures' encoded attributes."""
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            if field.message_type.fields_by_name["value"].type != FieldDescriptor.TYPE_MESSAGE:
                continue
            items = list(value.values())
        elif field.is_repeated:
            items = list(value)
        else:
            items = [value]
        for item in items:
            if isinstance(item, Payload):
                yield item
            else:
                yield from payloads_in(item)


def is_encrypted(payload: Payload) -> bool:
    return payload.metadata.get("encoding") == ENCODING
