"""Template lint: wording a collection message must never use, and wording it must have.

Pure apart from `lint_directory`, which reads template files. The checks come from the
profile's `templates` rules, so each problem names the layer and rule (`CN.impersonation`,
`US.opt_out_wording`). Matching is on the template's own text (Jinja expressions, tags and
comments removed), case-insensitive; English terms match whole words.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from arrears.compliance.facts import Channel
from arrears.compliance.loader import SHIPPED, profile_for
from arrears.compliance.profile import WRITTEN_CHANNELS, Profile, WordingCategory

TEMPLATE_SUFFIX = ".txt.j2"

REFUSED_WORDING: dict[WordingCategory, tuple[str, ...]] = {
    "impersonation": (
        "police",
        "court order",
        "arrest",
        "warrant",
        "bailiff",
        "prosecute",
        "公安",
        "警察",
        "法院传票",
        "传票",
        "逮捕",
        "拘留",
        "检察院",
        "立案",
    ),
    "threat_to_third_parties": (
        "your employer",
        "your family",
        "your relatives",
        "your neighbours",
        "your neighbors",
        "家人",
        "亲友",
        "单位",
        "通知你的",
        "通知您的",
    ),
    "shaming": (
        "publish your name",
        "name and shame",
        "曝光",
        "通讯录",
        "公开你的",
        "公开您的",
    ),
    "borrow_elsewhere": (
        "borrow from",
        "take out another loan",
        "以贷养贷",
        "借钱还",
        "借款还",
    ),
}
"""Per category, the wording refused: impersonating courts, police or government; threats
to tell family, employer or contacts; public shaming; pressure to borrow to repay."""

WHAT: dict[WordingCategory, str] = {
    "impersonation": "impersonates or invokes courts, police or government",
    "threat_to_third_parties": "threatens to involve family, employer or contacts",
    "shaming": "threatens public shaming or disclosure",
    "borrow_elsewhere": "pressures the customer to borrow to repay",
}

OPT_OUT_WORDING = ("reply stop", "text stop", "unsubscribe", "opt out", "opt-out", "退订", "回复td")
INSTITUTION = re.compile(r"\{\{\s*institution\s*(\|[^}]*)?\}\}")
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


@dataclass(frozen=True)
class LintProblem:
    """`template`: its name (`reminder.zh-CN`); `rule`: `<layer>.<rule>`; `message`: what
    is wrong, for a person."""

    template: str
    rule: str
    message: str


def lint(
    template_name: str, text: str, channel: Channel | None, profile: Profile
) -> list[LintProblem]:
    """The problems of template `template_name` (its Jinja source `text`) under `profile`.
    `channel`: the channel it is sent on, or None if unknown (then it is taken as written:
    SMS or e-mail)."""
    rules = profile.templates
    if rules is None:
        return []
    plain = _JINJA.sub(" ", text).casefold()
    problems: list[LintProblem] = []
    if (wording := rules.prohibited_wording) is not None:
        for category in wording.categories:
            if found := [term for term in REFUSED_WORDING[category] if _has(plain, term)]:
                problems.append(
                    LintProblem(
                        template_name,
                        profile.rule_id(wording, category),
                        f"{WHAT[category]}: {', '.join(repr(t) for t in found)}",
                    )
                )
    written = {channel} if channel is not None else set(WRITTEN_CHANNELS)
    if (opt_out := rules.opt_out_wording) is not None and written & set(opt_out.channels):
        if not any(_has(plain, phrase) for phrase in OPT_OUT_WORDING):
            problems.append(
                LintProblem(
                    template_name,
                    profile.rule_id(opt_out, "opt_out_wording"),
                    "a message on "
                    + ("/".join(sorted(written & set(opt_out.channels))))
                    + " must say how to opt out (e.g. 'Reply STOP' or 'unsubscribe')",
                )
            )
    if (identify := rules.identify_institution) is not None and not INSTITUTION.search(text):
        problems.append(
            LintProblem(
                template_name,
                profile.rule_id(identify, "identify_institution"),
                "must name the institution collecting: use {{ institution }}",
            )
        )
    return problems


def lint_directory(path: str | Path, profile: Profile) -> list[LintProblem]:
    """Lint every `<template>.<lang>.txt.j2` in `path` (the channel unknown: written)."""
    problems: list[LintProblem] = []
    for file in sorted(Path(path).glob(f"*{TEMPLATE_SUFFIX}")):
        name = file.name.removesuffix(TEMPLATE_SUFFIX)
        problems.extend(lint(name, file.read_text(encoding="utf-8"), None, profile))
    return problems


def _has(plain: str, term: str) -> bool:
    term = term.casefold()
    if term.isascii():
        return re.search(rf"(?<![a-z]){re.escape(term)}(?![a-z])", plain) is not None
    return term in plain


def lint_shipped(templates: str | Path, overlay: Profile | None) -> list[LintProblem]:
    """Lint the templates in `templates` under every jurisdiction's profile, each with the
    lender's `overlay` on top: what a worker checks before it starts."""
    problems: list[LintProblem] = []
    for jurisdiction in SHIPPED:
        for problem in lint_directory(templates, profile_for(jurisdiction, overlay)):
            if problem not in problems:
                problems.append(problem)
    return problems
