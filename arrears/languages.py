"""Languages a customer may be written to in: the ones CLDR knows.

Pure: no I/O after import, no Temporal import. A language is a BCP 47 tag of a language,
optionally a script, and optionally a region, two letters or a UN M.49 area of three
digits (`zh-CN`, `en`, `fr-FR`, `yue`, `es-419`, `en-001`, `zh-Hans`, `zh-Hant-TW`,
`sr-Latn`), as `contracts.Customer.language` writes it; it is known when CLDR (through
Babel) has a locale for it: `zh-CN` is CLDR's `zh_Hans_CN`, `zh-HK` its `zh_Hant_HK`, and
both are known in either form. Refused: tags CLDR has no locale for (`xx-XX`, `zz`, `en-XX`,
`de-CN`, `zh-Cyrl`), and those Babel would read as another (`und`, the undetermined
language, which it reads as `en_US`; `en-ZZ`). The table is read once, at import, so a
check is a lookup that gives the same answer on every replay of a workflow.

A known language need not have templates: messages render in the first of its
`fallbacks` that has them, else English (`activities.messages.render`).
"""

from babel import Locale
from babel.core import get_global
from babel.localedata import locale_identifiers


def _known_languages() -> frozenset[str]:
    tags: set[str] = set()
    for identifier in locale_identifiers():
        locale = Locale.parse(identifier)
        if locale.variant:
            continue  # `ca_ES_VALENCIA`: a tag of language, script and region cannot name it
        tags.add(locale.language)
        if locale.territory:
            tags.add(f"{locale.language}-{locale.territory}")
        if locale.script:
            tags.add(f"{locale.language}-{locale.script}")
            if locale.territory:
                tags.add(f"{locale.language}-{locale.script}-{locale.territory}")
    return frozenset(tags)


KNOWN_LANGUAGES: frozenset[str] = _known_languages()
"""Every language tag a customer may have (`zh-CN`, `en`, `en-GB`, `yue`, `es-419`,
`zh-Hant-TW`): about 1,200."""

_LIKELY_SUBTAGS: dict[str, str] = dict(get_global("likely_subtags"))
"""CLDR's likely subtags (`zh` → `zh_Hans_CN`, `zh_TW` → `zh_Hant_TW`), read at import."""


def check_language(tag: str) -> str:
    """`tag` if CLDR knows it (see the module), else ValueError naming the nearest known
    one: its base language, or English."""
    if tag in KNOWN_LANGUAGES:
        return tag
    base = tag.split("-")[0]
    suggestion = base if base in KNOWN_LANGUAGES else "en"
    raise ValueError(f"{tag!r} is not a language CLDR knows; use one such as {suggestion!r}")


def fallbacks(tag: str) -> list[str]:
    """The tags to look for a customer's messages under, best first, English not included:
    the tag, then its base language (`es-419` → `es`, `zh-TW` → `zh`). A tag with a script
    falls back to the tag without it only where the script is the one the language is
    written in there (CLDR's likely subtags): `zh-Hans-CN` and `zh-Hans` → `zh-CN` → `zh`;
    `zh-Hant-TW` → `zh-TW`, not `zh`, which is written in Simplified characters; `sr-Latn`
    to nothing, Serbian being written in Cyrillic."""
    language, *rest = tag.split("-")
    script = next((part for part in rest if len(part) == 4), None)
    region = next((part for part in rest if len(part) != 4), None)
    if script is None:
        return list(dict.fromkeys([tag, language]))
    region = region or _likely(f"{language}_{script}", language)[1]
    candidates = [tag]
    if region and _likely(f"{language}_{region}", language)[0] == script:
        candidates.append(f"{language}-{region}")
    if _likely(language)[0] == script:
        candidates.append(language)
    return list(dict.fromkeys(candidates))


def _likely(*keys: str) -> tuple[str, str]:
    """The script and region CLDR takes as likely for the first of `keys` it lists (`zh_TW`:
    Hant, TW; `zh_CN` is not listed, and `zh` gives Hans, CN), else empty."""
    for key in keys:
        if key in _LIKELY_SUBTAGS:
            _, script, region = [*_LIKELY_SUBTAGS[key].split("_"), "", ""][:3]
            return script, region
    return "", ""
