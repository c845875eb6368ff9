"""Payload encryption: key ring parsing, round trips, key ids and rotation."""

import asyncio
import base64

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given, settings
from hypothesis import strategies as st
from temporalio.api.common.v1 import Payload

from arrears.codec import ENCODING, KEY_ID, EncryptionCodec, KeyRing, KeyRingError

KEY_1 = bytes(range(32))
KEY_2 = bytes(range(32, 64))
ENTRY_1 = f"k1:{base64.b64encode(KEY_1).decode()}"
ENTRY_2 = f"k2:{base64.b64encode(KEY_2).decode()}"

PLAIN = Payload(
    metadata={"encoding": b"json/plain", "messageType": b"CaseOpening"},
    data=b'{"loan_id":"L-1001","customer":{"name":"\xe5\xbc\xa0\xe4\xb8\x89"}}',
)


def codec(text: str) -> EncryptionCodec:
    return EncryptionCodec(KeyRing.parse(text))


def test_parse_reads_keys_and_makes_the_first_entry_active() -> None:
    ring = KeyRing.parse(f" {ENTRY_2} , {ENTRY_1} ,")

    assert ring.active == "k2"
    assert ring.keys == {"k2": KEY_2, "k1": KEY_1}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no encryption key"),
        (" , ,", "no encryption key"),
        (base64.b64encode(KEY_1).decode(), "key-id:base64-key"),
        (f":{base64.b64encode(KEY_1).decode()}", "key-id:base64-key"),
        ("k1:not base64!", "not valid base64"),
        ("k1:AAE", "not valid base64"),
        (f"k1:{base64.b64encode(bytes(16)).decode()}", "must be 32 bytes"),
        (f"k1:{base64.b64encode(bytes(33)).decode()}", "must be 32 bytes"),
        ("k1:", "must be 32 bytes"),
        (f"{ENTRY_1},k2:AAAA", "'k2' must be 32 bytes"),
    ],
)
def test_parse_rejects_a_malformed_ring_with_a_message(text: str, message: str) -> None:
    with pytest.raises(KeyRingError, match=message):
        KeyRing.parse(text)


def test_parse_reports_a_non_ascii_key_as_bad_base64() -> None:
    with pytest.raises(KeyRingError, match="'k1' is not valid base64"):
        KeyRing.parse("k1:ключ")


def test_generated_entry_parses_as_a_32_byte_key() -> None:
    entry = KeyRing.generate_entry("k9")

    ring = KeyRing.parse(entry)
    assert ring.active == "k9"
    assert len(ring.keys["k9"]) == 32
    assert KeyRing.generate_entry("k9") != entry


async def test_encode_then_decode_returns_the_original_payloads() -> None:
    subject = codec(ENTRY_1)
    payloads = [PLAIN, Payload(metadata={"encoding": b"binary/null"}, data=b"")]

    decoded = await subject.decode(await subject.encode(payloads))

    assert decoded == payloads


async def test_encoded_payload_hides_the_plaintext_and_names_its_key() -> None:
    [encoded] = await codec(ENTRY_1).encode([PLAIN])

    assert encoded.metadata["encoding"] == ENCODING
    assert encoded.metadata[KEY_ID] == b"k1"
    assert set(encoded.metadata) == {"encoding", KEY_ID}
    assert encoded.data != PLAIN.data
    assert PLAIN.data not in encoded.data
    assert b"L-1001" not in encoded.data
    assert b"CaseOpening" not in encoded.data


async def test_two_encodes_of_the_same_payload_differ() -> None:
    subject = codec(ENTRY_1)

    [first] = await subject.encode([PLAIN])
    [second] = await subject.encode([PLAIN])

    assert first.data != second.data
    assert first.data[:12] != second.data[:12]


async def test_decode_passes_unencrypted_payloads_through() -> None:
    assert await codec(ENTRY_1).decode([PLAIN]) == [PLAIN]


async def test_decoding_with_a_ring_that_lacks_the_key_id_fails() -> None:
    encoded = await codec(ENTRY_1).encode([PLAIN])

    with pytest.raises(KeyRingError, match="unknown key id 'k1'"):
        await codec(ENTRY_2).decode(encoded)


async def test_decoding_with_a_different_key_under_the_same_id_fails() -> None:
    encoded = await codec(ENTRY_1).encode([PLAIN])
    impostor = f"k1:{base64.b64encode(KEY_2).decode()}"

    with pytest.raises(InvalidTag):
        await codec(impostor).decode(encoded)


async def test_a_tampered_ciphertext_is_refused() -> None:
    [encoded] = await codec(ENTRY_1).encode([PLAIN])
    flipped = bytearray(encoded.data)
    flipped[-1] ^= 0x01
    tampered = Payload(metadata=dict(encoded.metadata), data=bytes(flipped))

    with pytest.raises(InvalidTag):
        await codec(ENTRY_1).decode([tampered])


async def test_a_relabelled_key_id_is_refused() -> None:
    both = f"{ENTRY_1},k2:{base64.b64encode(KEY_1).decode()}"
    [encoded] = await codec(both).encode([PLAIN])
    relabelled = Payload(metadata={"encoding": ENCODING, KEY_ID: b"k2"}, data=encoded.data)

    with pytest.raises(InvalidTag):
        await codec(both).decode([relabelled])


async def test_rotated_ring_reads_old_payloads_and_writes_with_the_new_key() -> None:
    old = await codec(ENTRY_1).encode([PLAIN])
    rotated = codec(f"{ENTRY_2},{ENTRY_1}")

    assert await rotated.decode(old) == [PLAIN]
    [new] = await rotated.encode([PLAIN])
    assert new.metadata[KEY_ID] == b"k2"
    assert await rotated.decode([new]) == [PLAIN]
    with pytest.raises(KeyRingError, match="unknown key id 'k2'"):
        await codec(ENTRY_1).decode([new])


@settings(deadline=None, max_examples=50)
@given(
    data=st.binary(max_size=2048),
    metadata=st.dictionaries(st.text(min_size=1, max_size=20), st.binary(max_size=40), max_size=4),
)
def test_any_payload_survives_an_encode_decode_round_trip(
    data: bytes, metadata: dict[str, bytes]
) -> None:
    subject = codec(f"{ENTRY_2},{ENTRY_1}")
    payload = Payload(metadata=metadata, data=data)

    async def round_trip() -> list[Payload]:
        return await subject.decode(await subject.encode([payload]))

    assert asyncio.run(round_trip()) == [payload]
