"""A synthetic portfolio for `arrears simulate`: realistic behaviours, reproducible by seed.

    python bench/portfolio.py --cases 1000 --days 180 > portfolio.json

Customers fall into the behaviours a collection team sees (shares are rough industry
shapes, not data): paying in grace, paying after reminders, promising and keeping,
promising and breaking, hardship then a plan (some missed), disputes, refusing on a call,
partial payers, and those who never answer. Same seed, same file.
"""

import argparse
import json
import random
import sys
from datetime import UTC, date, datetime, timedelta

START = datetime(2026, 1, 5, tzinfo=UTC)
ZONES = ["Asia/Shanghai"] * 8 + ["Asia/Hong_Kong", "Europe/London"]
BEHAVIOURS = {
    "self_cure": 20,
    "pays_after_reminders": 15,
    "promise_kept": 15,
    "promise_broken": 15,
    "hardship_plan": 8,
    "dispute": 5,
    "refuser": 7,
    "partial": 5,
    "silent": 10,
}


def build(cases: int, days: int, seed: int) -> dict:
    rng = random.Random(seed)
    names, weights = zip(*BEHAVIOURS.items(), strict=True)
    return {
        "start": START.isoformat().replace("+00:00", "Z"),
        "days": days,
        "cases": [_case(n, rng.choices(names, weights)[0], rng, days) for n in range(1, cases + 1)],
    }


def _case(n: int, behaviour: str, rng: random.Random, days: int) -> dict:
    principal = rng.randrange(50_00, 5_000_00, 100)
    interest = principal * rng.randrange(1, 4) // 100
    total = principal + interest
    overdue_since = rng.randrange(0, 20)
    due_date = (START - timedelta(days=overdue_since)).date()
    body = {
        "loan_id": f"L-{n:06d}",
        "customer": {
            "customer_id": f"C-{n:06d}",
            "name": f"Customer {n}",
            "phone": f"+86139{n:08d}",
            "email": f"customer{n}@example.cn",
            "timezone": rng.choice(ZONES),
        },
        "currency": "CNY",
        "due": {"principal": principal, "interest": interest},
        "due_date": due_date.isoformat(),
    }
    events = [event for event in _events(n, behaviour, rng, days, total) if event["day"] < days]
    return {"case": body, "events": events}


def _events(n: int, behaviour: str, rng: random.Random, days: int, total: int) -> list[dict]:
    def day() -> float:
        return round(rng.uniform(0.05, 0.5), 2)  # 09:00-21:00 in UTC+8

    def on(d: int) -> date:
        return (START + timedelta(days=d)).date()

    pay = {"type": "payment", "payment_id": f"P-{n}-1", "amount": total}
    if behaviour == "self_cure":
        return [{**pay, "day": rng.randrange(0, 3) + day()}]
    if behaviour == "pays_after_reminders":
        return [{**pay, "day": rng.randrange(5, 40) + day()}]
    if behaviour in ("promise_kept", "promise_broken"):
        promised_on = rng.randrange(3, 30)
        due_in = rng.randrange(3, 14)
        events = [
            {
                "day": promised_on + day(),
                "type": "contact_outcome",
                "outcome": "conversation",
                "reason": rng.choice(["forgot", "cannot_pay", "other"]),
            },
            {
                "day": promised_on + 0.6,
                "type": "promise",
                "promise_id": f"PR-{n}-1",
                "amount": total,
                "due_date": on(promised_on + due_in).isoformat(),
            },
        ]
        if behaviour == "promise_kept":
            events.append({**pay, "day": promised_on + 1 + rng.randrange(0, due_in) + day()})
        return events
    if behaviour == "hardship_plan":
        reported = rng.randrange(5, 40)
        months = rng.choice([3, 6, 12])
        first = reported + 20
        events = [
            {"day": reported + day(), "type": "hardship", "reason": "income_drop"},
            {
                "day": reported + 16 + day(),
                "type": "plan",
                "kind": "instalments",
                "first_due_date": on(first).isoformat(),
                "instalments": months,
            },
        ]
        paying = rng.random() < 0.7
        for k in range(months):
            when = first + 30 * k
            if when >= days or (not paying and k >= 1):
                break
            events.append(
                {
                    "type": "payment",
                    "payment_id": f"P-{n}-{k + 1}",
                    "amount": -(-total // months),
                    "day": when - 1 + day(),
                }
            )
        return events
    if behaviour == "dispute":
        opened = rng.randrange(5, 50)
        outcome = rng.choice(["rejected", "rejected", "upheld"])
        return [
            {"day": opened + day(), "type": "dispute", "reason": "amount_wrong"},
            {
                "day": opened + rng.randrange(10, 40) + day(),
                "type": "dispute_resolved",
                "outcome": outcome,
            },
        ]
    if behaviour == "refuser":
        return [
            {
                "day": rng.randrange(20, 80) + day(),
                "type": "contact_outcome",
                "outcome": "refused_to_pay",
                "reason": "other",
            },
        ]
    if behaviour == "partial":
        return [
            {
                "type": "payment",
                "payment_id": f"P-{n}-{k}",
                "amount": total // 4,
                "day": 10 + 25 * k + day(),
            }
            for k in range(1, 4)
        ]
    return []  # silent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    json.dump(build(args.cases, args.days, args.seed), sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
