"""A portfolio's shards keep each customer's cases together: they share a contact ledger."""

from arrears.simulation.runner import shards_by_customer
from arrears.simulation.scenario import ScenarioCase
from tests.factories import opening


def case(loan_id: str, customer_id: str) -> ScenarioCase:
    body = opening(loan_id=loan_id)
    body.customer = body.customer.model_copy(update={"customer_id": customer_id})
    return ScenarioCase(case=body)


def test_a_customers_cases_share_a_shard_and_the_order_is_kept():
    cases = [case("L1", "A"), case("L2", "B"), case("L3", "A"), case("L4", "C"), case("L5", "B")]

    shards = shards_by_customer(cases, shard_size=2)

    assert [[c.case.loan_id for c in shard] for shard in shards] == [
        ["L1", "L3"],
        ["L2", "L5"],
        ["L4"],
    ]


def test_a_customer_with_more_cases_than_a_shard_holds_stays_whole():
    cases = [case("L1", "A"), case("L2", "A"), case("L3", "A"), case("L4", "B")]

    shards = shards_by_customer(cases, shard_size=2)

    assert [[c.case.loan_id for c in shard] for shard in shards] == [["L1", "L2", "L3"], ["L4"]]
