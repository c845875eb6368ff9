"""Rendering customer messages from templates in the customer's language."""

from datetime import date

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

from arrears.currencies import format_amount
from arrears.languages import fallbacks

__all__ = ["format_amount", "render"]

_env = Environment(
    loader=PackageLoader("arrears", "templates"), undefined=StrictUndefined, autoescape=False
)


DEFAULT_INSTITUTION = "Arrears"
"""The name messages sign with when `ARREARS_INSTITUTION` is not set."""


def render(
    template: str,
    language: str,
    *,
    name: str,
    amount: int,
    currency: str,
    due_date: date,
    institution: str = DEFAULT_INSTITUTION,
    period_ends: date | None = None,
) -> str:
    """Render `template` in `language`, falling back to its base language (to the tag
    without its script only where the script is the language's there, `languages.fallbacks`:
    `zh-Hans` → `zh-CN`, `zh-Hant-TW` → `zh-TW`), then English.

    `amount` is in minor units of `currency` and is written with the currency's own
    decimals (CLDR) and the number signs of the language the template is in. Every message
    names the `institution` collecting (GB/T 45251-2025, 5.3) and says how to opt out
    (Regulation F, 12 CFR 1006.6(e)); the templates' lint checks both at start-up.
    `period_ends` (`NotificationRequest.validation_period_ends`) is the last day of a US
    validation period; a template that states it does not render without it."""
    stated = {"period_ends": period_ends.isoformat()} if period_ends is not None else {}
    candidates = [*fallbacks(language), "en"]
    for candidate in candidates:
        try:
            found = _env.get_template(f"{template}.{candidate}.txt.j2")
        except TemplateNotFound:
            continue
        return found.render(
            name=name,
            amount=format_amount(amount, currency, candidate),
            due_date=due_date.isoformat(),
            institution=institution,
            **stated,
        ).strip()
    raise LookupError(f"no template {template!r} for {language!r} or English")
