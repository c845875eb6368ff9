"""The one place that builds Temporal clients and their data converter.

API, worker, CLI, tests and the replayer all use `data_converter`, so every payload is
pydantic-converted and encrypted the same way, and failure messages are encrypted too.
"""

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

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
