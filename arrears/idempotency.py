"""`Idempotency-Key` for commands without an id of their own (IETF draft
`draft-ietf-httpapi-idempotency-key-header`): the same key with the same request is applied
once and answered as the first time; the same key with another request is refused.

The API stamps each such command with two SHA-256 digests (hex): of the key, so the case
never keeps a key as the client wrote it, and of the request (the command's name and its
body in canonical JSON), so a key reused with another body or for another command shows.
The case is the store: it keeps the stamps it answered (`arrears.workflows.used_ids`).

The update argument of each keyed command is a subclass of its HTTP body with two optional
fields, `idempotency` and `actor` (who sent it, `arrears.actors`): an argument recorded
before either existed reads as unstamped, sent by nobody named.
Pure: no I/O, no Temporal import.
"""

import hashlib
import json
import re
from typing import ClassVar

from pydantic import BaseModel, Field

from arrears.actors import Acted
from arrears.commands import (
    AgreePlan,
    CeaseContact,
    ClearVulnerability,
    CommandOutcome,
    FlagVulnerability,
    OpenDispute,
    RecordContactOutcome,
    ReportHardship,
    ResolveDispute,
    StartBreathingSpace,
    StrategyMigration,
)
from arrears.contracts import CloseCase, Contract

MAX_KEY_LENGTH = 255
KEY_PATTERN = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")
"""A key: 1 to 255 printable ASCII characters (space to tilde)."""

SHA256_HEX = r"^[0-9a-f]{64}$"
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')


class IdempotencyStamp(Contract):
    """What a case keeps of an `Idempotency-Key` and the request it came with."""

    key: str = Field(pattern=SHA256_HEX, description="SHA-256 of the key, hex.")
    request: str = Field(
        pattern=SHA256_HEX, description="SHA-256 of the command's name and canonical body, hex."
    )


class KeyUse(Contract):
    """A key a case has answered: the request it came with, the command it named, and
    whether that command changed the case (the answer every repeat gets again)."""

    request: str
    command: str
    accepted: bool


class KeyLookup(Contract):
    """The answer to the `key_use` query: the key's first use, or None if the case has not
    answered it (or has forgotten it: see `used_ids.MAX_KEYS`)."""

    use: KeyUse | None = None


class Stamped(Acted):
    """A keyed command's update argument; `command` is the update's name. Its `actor` is
    no part of the request digest: see `stamp`."""

    command: ClassVar[str]
    idempotency: IdempotencyStamp | None = None


class StampedHardship(ReportHardship, Stamped):
    command = "report_hardship"


class StampedPlan(AgreePlan, Stamped):
    command = "agree_plan"


class StampedDispute(OpenDispute, Stamped):
    command = "open_dispute"


class StampedResolution(ResolveDispute, Stamped):
    command = "resolve_dispute"


class StampedCease(CeaseContact, Stamped):
    command = "cease_contact"


class StampedOutcome(RecordContactOutcome, Stamped):
    command = "record_contact_outcome"


class StampedVulnerability(FlagVulnerability, Stamped):
    command = "flag_vulnerability"


class StampedVulnerabilityCleared(ClearVulnerability, Stamped):
    command = "clear_vulnerability"


class StampedBreathingSpace(StartBreathingSpace, Stamped):
    command = "start_breathing_space"


class StampedMigration(StrategyMigration, Stamped):
    command = "migrate_strategy"


class StampedClose(CloseCase, Stamped):
    command = "close"


class KeyedOutcome(CommandOutcome):
    """A keyed command's answer; `replayed` when it is the answer to a key seen before (the
    API says so in `Idempotent-Replayed: true`, its body is a `CommandOutcome`)."""

    replayed: bool = False


def parse_key(raw: str) -> str | None:
    """The key in an `Idempotency-Key` header, or None when it is no valid key. The draft
    sends it as a structured-field string (`"abc"`, with `\\"` and `\\\\` escapes); a
    bare value is taken as written."""
    key = raw.strip(" \t")
    quoted = _SF_STRING.fullmatch(key)
    if quoted is not None:
        key = re.sub(r"\\(.)", r"\1", quoted.group(1))
    elif key.startswith('"'):
        return None
    return key if KEY_PATTERN.fullmatch(key) else None


def stamp(key: str, command: str, body: BaseModel) -> IdempotencyStamp:
    """The stamp of `body`, sent as `command` under `key`. The body is read as its model
    gives it (defaults filled, keys sorted), so `{}` and an empty close are one request.

    Who sent it is no part of the request: the key is the case's, not the caller's, so the
    same key and body sent again with another API key (a client's retry across a key
    rotation, say) is the repeat it is, answered as the first time and recorded once, with
    the first sender as its actor."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return IdempotencyStamp(
        key=hashlib.sha256(key.encode("ascii")).hexdigest(),
        request=hashlib.sha256(f"{command}\n{canonical}".encode()).hexdigest(),
    )
