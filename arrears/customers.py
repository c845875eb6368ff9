"""A customer's contact facts: the models that change them, and which facts differ.

No I/O and no Temporal import: the API, the `CustomerUpdate` workflow, its activity and the
case workflow share this module. The facts are personal data: they travel only inside
encrypted payloads; ids, logs, timelines and error bodies name the fields, never values.
"""

from typing import Literal

from pydantic import Field, create_model

from arrears.actors import Acted, Actor
from arrears.contracts import Contract, Customer
from arrears.fields import OpaqueRef

FactName = Literal["name", "phone", "email", "timezone", "language", "contact_persons"]

CONTACT_FACTS: tuple[FactName, ...] = (
    "name",
    "phone",
    "email",
    "timezone",
    "language",
    "contact_persons",
)
"""The facts that belong to the customer, whatever loan they owe on, in a stable order."""

UPDATE_CUSTOMER_SIGNAL = "update_customer"
"""The case workflow's signal that carries the customer's new facts (a `Customer`)."""


_ContactFacts = create_model(
    "_ContactFacts",
    __base__=Contract,
    # Each of `Customer`'s fields but its id, with its very type and constraints: a fact
    # the opening refuses, the update refuses too (422 naming the field).
    **{
        name: (field.annotation, field)
        for name, field in Customer.model_fields.items()
        if name != "customer_id"
    },
)


class CustomerFacts(_ContactFacts):
    """`PUT /v1/customers/{customer_id}`: the customer's contact facts, validated as in an
    opening (they are `Customer`'s fields but its id). They replace the stored ones (a
    phone or email left out is removed); a language left out keeps the customer's own."""

    def of(self, customer_id: str) -> Customer:
        return Customer(customer_id=customer_id, **self.model_dump())


class CustomerUpdate(Contract):
    """The `CustomerUpdate` workflow's input and its activity's: the new facts (language
    None: the stored one stands), and who sent them over HTTP."""

    customer: Customer
    actor: Actor | None = None


class ActedCustomer(Customer, Acted):
    """The facts a case is told to follow, with who sent them (`update_customer` signal)."""

    def facts(self) -> Customer:
        return Customer(**self.model_dump(exclude={"actor"}))


class CustomerRecordUpdate(Contract):
    """What the activity wrote: `found` False when there is no such customer (nothing is
    written); else the facts now stored, the fields that changed, and the customer's open
    cases (loan ids) as the records list them."""

    found: bool
    customer: Customer | None = None
    changed: list[FactName] = Field(default_factory=list)
    open_loans: list[str] = Field(default_factory=list)


class CustomerUpdated(Contract):
    """The answer to a customer update: which facts changed (names only), the open cases
    that now follow them, and those that had closed meanwhile and were left as they are."""

    customer_id: OpaqueRef
    changed: list[FactName]
    cases: list[str]
    closed_meanwhile: list[str] = Field(default_factory=list)


def differing_facts(stored: Customer, given: Customer) -> list[FactName]:
    """The contact facts in which `given` differs from `stored`, in `CONTACT_FACTS` order.
    A language None in `given` stands for the stored one and differs in nothing."""
    return [
        fact
        for fact in CONTACT_FACTS
        if not (fact == "language" and given.language is None)
        and getattr(stored, fact) != getattr(given, fact)
    ]
