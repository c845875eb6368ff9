"""The one place that builds Temporal clients and their data converter.

API, worker, CLI, tests and the replayer all use `data_converter`, so every payload is
pydantic-converted and encrypted the same way, and failure messages are encrypted too.
"""

import dataclasses
from collections.abc import Sequence

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from arrears import ids
from arrears.codec import EncryptionCodec, KeyRing
from arrears.payloads import RecordedPayloadConverter
from arrears.settings import Settings


def data_converter(ring: KeyRing | None) -> DataConverter:
    """Pydantic models in JSON, read back as recorded (`payloads`), encrypted (`codec`).
    Without a ring, for payloads already decrypted only (an exported history)."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_converter_class=RecordedPayloadConverter,
        payload_codec=EncryptionCodec(ring) if ring is not None else None,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings.key_ring()),
    )


async def is_serving(address: str, namespace: str = "default") -> bool:
    """Whether a Temporal frontend at `address` answers health checks."""
    try:
        client = await Client.connect(address, namespace=namespace)
        return await client.service_client.check_health()
    except Exception:
        return False


async def register_search_attributes(
    client: Client, keys: Sequence[SearchAttributeKey] = ids.SEARCH_ATTRIBUTES
) -> None:
    """Register `keys` (default: every custom search attribute) on a server that lacks them
    (the time-skipping test server; a dev server whose database predates some of them)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={
                # The SDK's enum has the proto enum's numbers.
                key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
                for key in keys
            },
        )
    )


async def missing_search_attributes(client: Client) -> list[SearchAttributeKey]:
    """The custom search attributes the client's namespace does not have yet."""
    known = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    return [key for key in ids.SEARCH_ATTRIBUTES if key.name not in known.custom_attributes]


class SearchAttributesMissing(RuntimeError):
    """The namespace lacks search attributes the cases publish; the message says how to
    create them. Cases would otherwise fail every workflow task that sets one."""

    def __init__(self, namespace: str, missing: Sequence[SearchAttributeKey]) -> None:
        commands = "\n".join(
            f"  temporal operator search-attribute create --namespace {namespace} "
            f"--name {key.name} --type {cli_type(key)}"
            for key in missing
        )
        names = ", ".join(key.name for key in missing)
        super().__init__(f"namespace {namespace} lacks search attributes {names}:\n{commands}")


async def require_search_attributes(client: Client) -> None:
    """Refuse to serve a namespace that lacks any of the cases' search attributes."""
    missing = await missing_search_attributes(client)
    if missing:
        raise SearchAttributesMissing(client.namespace, missing)


def cli_type(key: SearchAttributeKey) -> str:
    """The type of `key` as the `temporal` CLI names it (`Keyword`, `Datetime`, ...)."""
    return _CLI_TYPES[key.indexed_value_type.name]


_CLI_TYPES = {
    "KEYWORD": "Keyword",
    "INT": "Int",
    "TEXT": "Text",
    "DATETIME": "Datetime",
    "BOOL": "Bool",
    "FLOAT": "Double",
    "KEYWORD_LIST": "KeywordList",
}
