"""Five-field cron expressions as Kubernetes CronJobs read them, for what the plan must know about a schedule: that
each value is in range, and how many days may pass between two runs (the key may fall due just after a run).

Kubernetes parses `spec.schedule` with robfig/cron's standard parser (https://kubernetes.io/docs/concepts/workloads/
controllers/cron-jobs/#schedule-syntax, read 2026-12-02): minute 0-59, hour 0-23, day of month 1-31, month 1-12,
day of week 0-6 (Sunday 0); `*`, ranges `a-b`, lists `a,b` and steps `/n`. When both day fields are restricted a day
matches either of them, otherwise both; `*` with a step over 1 counts as restricted, and `a/n` means `a-max/n`
(github.com/robfig/cron v3 spec.go `dayMatches` and parser.go `getRange`, read 2026-12-02).

Deliberately stricter than robfig in two ways that only typos reach: an empty list item (`1,,2`, which robfig
drops) and anything after `*-` (which robfig ignores) are refused.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from typing import Final, NamedTuple


class Field(NamedTuple):
    name: str
    low: int
    high: int


FIELDS: Final = (
    Field("minute", 0, 59),
    Field("hour", 0, 23),
    Field("day of month", 1, 31),
    Field("month", 1, 12),
    Field("day of week", 0, 6),
)
#: Every day pattern repeats within 28 years (the Gregorian weekday and leap-year cycle between century years),
#: and a schedule that runs at all runs within 8 years (29 February and a weekday); 8 years are read.
HORIZON_DAYS: Final = 8 * 366
#: Significant digits: longer numbers overflow Go's int where Kubernetes parses them.
MAX_DIGITS: Final = 9
#: Leading zeros included: Python's int() refuses thousands of digits.
MAX_TEXT: Final = 50


class CronError(ValueError):
    """A value that is not a number or is out of its field's range, a range backwards, or a step of 0."""


def _number(text: str, field: Field, part: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise CronError(f"{field.name}: {part!r} is not a value, a range a-b or a step like */2")
    if len(text) > MAX_TEXT or len(text.lstrip("0")) > MAX_DIGITS:
        raise CronError(f"{field.name}: {text[:12]}... is too large")
    return int(text)


def _values(text: str, field: Field) -> tuple[set[int], bool]:
    """The values `text` allows in `field`, and whether it is unrestricted (a `*` part without a step over 1)."""
    allowed: set[int] = set()
    star = False
    for part in text.split(","):
        span, slash, step_text = part.partition("/")
        step = _number(step_text, field, part) if slash else 1
        if step < 1:
            raise CronError(f"{field.name}: a step of {step}")
        if span == "*":
            low, high = field.low, field.high
            star = star or step == 1
        elif "-" in span:
            first, _, last = span.partition("-")
            low, high = _number(first, field, part), _number(last, field, part)
        else:
            low = _number(span, field, part)
            high = field.high if slash else low
        if not field.low <= low <= high <= field.high:
            raise CronError(f"{field.name}: {span} is outside {field.low}-{field.high} (or backwards)")
        allowed.update(range(low, high + 1, step))
    return allowed, star


def longest_gap_days(expression: str) -> int | None:
    """The most days from one day the schedule runs on to the next (None: it never runs); raises CronError."""
    fields = [_values(text, field) for text, field in zip(expression.split(), FIELDS, strict=True)]
    (days, any_day), (months, _), (weekdays, any_weekday) = fields[2], fields[3], fields[4]
    start = date(2027, 1, 1)
    running = []
    for offset in range(HORIZON_DAYS):
        day = start + timedelta(days=offset)
        by_date, by_weekday = day.day in days, (day.isoweekday() % 7) in weekdays
        matches = by_date and by_weekday if any_day or any_weekday else by_date or by_weekday
        if matches and day.month in months:
            running.append(offset)
    if not running:
        return None
    if len(running) == 1:
        return HORIZON_DAYS
    return max(b - a for a, b in pairwise(running))
