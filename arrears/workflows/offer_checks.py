"""Whether a plan agreed with the customer is one the strategy offers the case now.

An agent may agree only what the strategy offers this case today (`strategy.offers_for`:
its stage, its risk tier, whether it reported hardship, its balance and jurisdiction): an
instalment plan over one of the offered terms, or an extension of at most the offered days
from today. The legal ceiling (`plan_max_months`) and the start horizon
(`case_commands.PLAN_START_HORIZON`) are checked before, by `CaseCommands.check_plan`.

Pure: no Temporal import.
"""

from datetime import date, timedelta
from typing import NamedTuple

from arrears.commands import AgreePlan
from arrears.strategy import Offer


class Refusal(NamedTuple):
    kind: str
    message: str


def plan_refusal(
    offers: list[Offer], command: AgreePlan, today: date, offered_to: str
) -> Refusal | None:
    """Why `command` is not among `offers` (made `today` to the case `offered_to`
    describes), or None when it is.

    - `PlanNotOffered`: no offer of this kind, or no instalment plan of this term;
    - `BeyondOfferHorizon`: an extension due later than today plus the longest extension
      offered.
    """
    if command.kind == "extension":
        days = [o.extension_days for o in offers if o.kind == "extension" and o.extension_days]
        if not days:
            return Refusal("PlanNotOffered", f"the strategy offers {offered_to} no extension")
        last = today + timedelta(days=max(days))
        if command.first_due_date > last:
            return Refusal(
                "BeyondOfferHorizon",
                f"first_due_date: the strategy offers {offered_to} an extension of at most "
                f"{max(days)} days (due by {last})",
            )
        return None
    terms = sorted({o.months for o in offers if o.kind == "instalment_plan" and o.months})
    if command.instalments in terms:
        return None
    if not terms:
        return Refusal("PlanNotOffered", f"the strategy offers {offered_to} no instalment plan")
    return Refusal(
        "PlanNotOffered",
        f"instalments: the strategy offers {offered_to} instalment plans of "
        f"{', '.join(map(str, terms))} months, not {command.instalments}",
    )
