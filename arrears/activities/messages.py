"""Rendering customer messages from templates in the customer's language."""

from datetime import date

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateNotFound

# ISO 4217 minor-unit exponents that differ from the usual 2.
_EXPONENTS = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "JOD": 3,
    "OMR": 3,
    "TND": 3,
}

_env = Environment(
    loader=PackageLoader("arrears", "templates"), undefined=StrictUndefined, autoescape=False
)


def format_amount(minor_units: int, currency: str) -> str:
    """`123456, "CNY"` → `"1,234.56 CNY"`: exact, from integers, never through a float."""
    exponent = _EXPONENTS.get(currency, 2)
    whole, fraction = divmod(abs(minor_units), 10**exponent)
    text = f"{'-' if minor_units < 0 else ''}{whole:,}"
    if exponent:
        text += f".{fraction:0{exponent}d}"
    return f"{text} {currency}"


def render(
    template: str, language: str, *, name: str, amount: int, currency: str, due_date: date
) -> str:
    """Render `template` in `language`, falling back to its base language, then English."""
    candidates = [language, language.split("-")[0], "en"]
    for candidate in candidates:
        try:
            found = _env.get_template(f"{template}.{candidate}.txt.j2")
        except TemplateNotFound:
            continue
        return found.render(
            name=name, amount=format_amount(amount, currency), due_date=due_date.isoformat()
        ).strip()
    raise LookupError(f"no template {template!r} for {language!r} or English")
