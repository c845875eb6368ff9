"""The one place that builds Temporal clients and their data converter.

API, worker, CLI, tests and the replayer all use `data_converter`, so every payload is
pydantic-converted and encrypted the same way, and failure messages are encrypted too.
"""

import dataclasses

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from arrears import ids
from arrears.codec import EncryptionCodec, KeyRing
from arrears.settings import Settings


def data_converter(ring: KeyRing) -> DataConverter:
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(ring),
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


async def register_search_attributes(client: Client) -> None:
    """Register every custom search attribute on a server that knows none of them yet (the
    time-skipping test server; the dev server gets them by flag)."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={
                # The SDK's enum has the proto enum's numbers.
                key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
                for key in ids.SEARCH_ATTRIBUTES
            },
        )
    )
