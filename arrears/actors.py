"""Who sent a command: the API key's role and id, never the key itself.

Every command that reaches a case over HTTP carries its `Actor`, and the case names it as
`actor` on each timeline event the command records (and so in the audit chain). Commands
from anywhere else (the simulator, `arrears import`, a repair) carry none, and their events
have no `actor`: an event without one was not caused over HTTP.

Pure: no I/O, no Temporal import.
"""

import hashlib
import re
from typing import Annotated, Literal

from pydantic import Field

from arrears.contracts import Contract

Role = Literal["bank", "agent", "auditor", "admin"]
ROLES: tuple[Role, ...] = ("bank", "agent", "auditor", "admin")

KEY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
KeyId = Annotated[str, Field(pattern=KEY_ID_PATTERN, description="The API key's id.")]
_KEY_ID = re.compile(KEY_ID_PATTERN)


class Actor(Contract):
    """The caller behind a command: its role and the id of the key it presented. No
    personal data: a key names a client system or a desk, not a person's name."""

    role: Role
    key_id: KeyId


class Acted(Contract):
    """A command's workflow argument with the caller who sent it (None: not over HTTP, or
    recorded before commands carried one, which therefore still reads and replays)."""

    actor: Actor | None = None


def is_key_id(value: str) -> bool:
    return _KEY_ID.fullmatch(value) is not None


def derived_key_id(secret: str) -> str:
    """The id of a key listed without one: `key-` and the first 8 hex digits of the SHA-256
    of the secret. It tells keys apart in the timeline without revealing them (32 bits of a
    hash say nothing usable about a secret of any real length)."""
    return "key-" + hashlib.sha256(secret.encode()).hexdigest()[:8]
