"""Languages a customer may be written to in: the ones CLDR knows.

Pure: no I/O after import, no Temporal import. A language is a BCP 47 tag of a language
and, optionally, a region (`zh-CN`, `en`, `fr-FR`, `yue`), as `contracts.Customer.language`
writes it; it is known when CLDR (through Babel) has a locale for it: `zh-CN` is CLDR's
`zh_Hans_CN`, `zh-HK` its `zh_Hant_HK`. Refused: tags CLDR has no locale for (`xx-XX`,
`zz`, `en-XX`, `de-CN`), and those Babel would read as another (`und`, the undetermined
language, which it reads as `en_US`; `en-ZZ`). The table is read once, at import, so a
check is a lookup that gives the same answer on every replay of a workflow.

A known language need not have templates: messages render in it, else its base language,
else English (`activities.messages.render`).
"""

from babel import Locale
from babel.localedata import locale_identifiers


def _known_languages() -> frozenset[str]:
    tags: set[str] = set()
    for identifier in locale_identifiers():
        locale = Locale.parse(identifier)
        if locale.variant:
            continue  # `ca_ES_VALENCIA`: a tag of language and region cannot name it
        tags.add(locale.language)
        if locale.territory:
            tags.add(f"{locale.language}-{locale.territory}")
    return frozenset(tags)


KNOWN_LANGUAGES: frozenset[str] = _known_languages()
"""Every language tag a customer may have (`zh-CN`, `en`, `en-GB`, `yue`): about 1,000."""


def check_language(tag: str) -> str:
    """`tag` if CLDR knows it (see the module), else ValueError naming the nearest known
    one: its base language, or English."""
    if tag in KNOWN_LANGUAGES:
        return tag
    base = tag.split("-")[0]
    suggestion = base if base in KNOWN_LANGUAGES else "en"
    raise ValueError(f"{tag!r} is not a language CLDR knows; use one such as {suggestion!r}")
