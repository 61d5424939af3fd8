"""Cron schedules read as Kubernetes (robfig/cron) reads them: how long a due key may wait for the next run."""

from __future__ import annotations

import pytest

from components.config.cron import CronError, longest_gap_days


@pytest.mark.parametrize(
    ("schedule", "gap"),
    [
        ("0 3 * * *", 1),
        ("30 3 * * 1-5", 3),  # Friday to Monday
        ("0 3 * * 0", 7),
        ("0 3 1,15 * *", 17),  # the 15th to the 1st of a 31-day month
        ("0 3 1 * 1", 7),  # both day fields restricted: the 1st or any Monday
        ("0 3 */10 * 1", 7),  # `*/10` is restricted too (a step over 1): the 1st, 11th, 21st, 31st or Mondays
        ("0 3 1 * */1", 31),  # `*/1` is not: the 1st only
        ("0 3 29 2 *", 1461),  # leap days
        ("0 3 * * 00000000001", 7),  # leading zeros are still a small number
        ("0 3 31 2 *", None),  # never
    ],
)
def test_the_longest_wait_between_two_runs(schedule: str, gap: int | None) -> None:
    assert longest_gap_days(schedule) == gap


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("60 3 * * *", "minute: 60"),
        ("0 3 * * 7", "day of week: 7"),
        ("0 3 9-2 * *", "backwards"),
        ("*/0 3 * * *", "a step of 0"),
        ("0 3 1- * *", "day of month: '1-' is not a value"),
        ("0 3 1,,2 * *", "day of month: '' is not a value"),
        ("0 3 1/2/3 * *", "day of month: '1/2/3' is not a value"),
        ("0 3 -1 * *", "day of month: '-1' is not a value"),
        ("0 3 1-2-3 * *", "day of month: '1-2-3' is not a value"),
        ("0 3 */ * *", "day of month: '\\*/' is not a value"),
        ("0 3 * 1/ *", "month: '1/' is not a value"),
        ("0 3 */9223372036854775808 * *", "day of month: 922337203685... is too large"),
        ("0 3 " + "9" * 5000 + " * *", "day of month: 999999999999... is too large"),
        ("0 3 " + "0" * 5000 + "5 * *", "day of month: 000000000000... is too large"),
        ("0 3 *-5 * *", "day of month: '\\*-5' is not a value"),  # robfig ignores what follows `*-`
        ("0 3 * * ²", "day of week: '²' is not a value"),  # not a digit to Go's Atoi
        ("0 3 \u0661 * *", "day of month: '\u0661' is not a value"),  # an Arabic-Indic one
    ],
)
def test_values_outside_their_field_are_refused(schedule: str, message: str) -> None:
    with pytest.raises(CronError, match=message):
        longest_gap_days(schedule)
