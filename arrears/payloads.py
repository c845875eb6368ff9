"""How payloads are read back from Temporal: as they were recorded.

Every policy on input (which references look like personal data, which currencies a loan
may be in, what a name must hold) is checked where input enters: the API, the simulator,
the command line. A payload read back from a case's history was accepted under the
policies of its day; it is read with the validation context `fields.RECORDED`, in which
those policies stand aside (`fields.at_the_edge`). So tightening a policy refuses new input
and never makes a running case's history unreadable (a workflow task that fails on every
retry). Shapes (types, lengths, patterns, bounds) are checked on every read.
"""

from typing import Any

import temporalio.api.common.v1
from pydantic import TypeAdapter
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

from arrears.fields import RECORDED


class RecordedJSONPayloadConverter(PydanticJSONPlainPayloadConverter):
    """Pydantic's JSON payload converter, reading with the `RECORDED` context."""

    def from_payload(
        self, payload: temporalio.api.common.v1.Payload, type_hint: type | None = None
    ) -> Any:
        hint = type_hint if type_hint is not None else Any
        try:
            adapter = self._type_adapter(hint)
        except TypeError:  # an unhashable hint: no cache
            adapter = TypeAdapter(hint)
        return adapter.validate_json(payload.data, context=RECORDED)


class RecordedPayloadConverter(CompositePayloadConverter):
    """Temporal's default converters, with JSON read by `RecordedJSONPayloadConverter`."""

    def __init__(self) -> None:
        recorded = RecordedJSONPayloadConverter()
        super().__init__(
            *(
                recorded if isinstance(converter, JSONPlainPayloadConverter) else converter
                for converter in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )
