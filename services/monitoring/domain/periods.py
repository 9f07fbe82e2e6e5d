"""Reporting periods of a contract: months (2025-07), calendar quarters (2025-Q3) or
calendar years (2025).

A return is due a set number of days after its period ends (the contract's
`return_due_days`), so that monitoring data is gathered regularly (Durham Children's Trust
framework, section 3, Planning, Performance and Delivery Group duty 1).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from shared.contracts.monitoring import MonitoredContract, ReportingFrequency

_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_QUARTER = re.compile(r"^([0-9]{4})-Q([1-4])$")
_YEAR = re.compile(r"^([0-9]{4})$")


def bounds(period: str) -> tuple[date, date]:
    """First and last day of a period."""
    if m := _MONTH.match(period):
        year, month = int(m[1]), int(m[2])
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    if m := _QUARTER.match(period):
        year, quarter = int(m[1]), int(m[2])
        first = date(year, 3 * quarter - 2, 1)
        last_month = 3 * quarter
        return first, date(year, last_month, calendar.monthrange(year, last_month)[1])
    if m := _YEAR.match(period):
        return date(int(m[1]), 1, 1), date(int(m[1]), 12, 31)
    raise ValueError(f"period {period!r} is neither YYYY-MM, YYYY-Qn nor YYYY")


def frequency_of(period: str) -> ReportingFrequency:
    if _QUARTER.match(period):
        return ReportingFrequency.QUARTERLY
    if _YEAR.match(period):
        return ReportingFrequency.ANNUALLY
    return ReportingFrequency.MONTHLY


def period_containing(day: date, frequency: ReportingFrequency) -> str:
    if frequency is ReportingFrequency.MONTHLY:
        return f"{day.year:04d}-{day.month:02d}"
    if frequency is ReportingFrequency.ANNUALLY:
        return f"{day.year:04d}"
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def last_day(contract: MonitoredContract) -> date:
    """The last day of delivery: the end date, or the termination date if it ended early."""
    if contract.terminated_on is not None:
        return min(contract.ends_on, contract.terminated_on)
    return contract.ends_on


def next_period(period: str) -> str:
    _, last = bounds(period)
    return period_containing(last + timedelta(days=1), frequency_of(period))


def refusal(contract: MonitoredContract, period: str) -> str | None:
    """Why a return for `period` cannot be accepted on this contract, or None."""
    if frequency_of(period) is not contract.reporting_frequency:
        return f"the contract reports {contract.reporting_frequency.value}; {period} is not"
    first, last = bounds(period)
    if last < contract.starts_on or first > contract.ends_on:
        return (
            f"{period} is outside the contract, which runs from {contract.starts_on} "
            f"to {contract.ends_on}"
        )
    if first > last_day(contract):
        return f"the contract was terminated on {contract.terminated_on}; {period} starts after"
    return None


def due_on(contract: MonitoredContract, period: str) -> date:
    return bounds(period)[1] + timedelta(days=contract.return_due_days)


def overdue_periods(
    contract: MonitoredContract, received: set[str], today: date, grace_days: int
) -> list[str]:
    """Periods of the contract whose return has not come by its due date plus grace."""
    overdue = []
    period = period_containing(contract.starts_on, contract.reporting_frequency)
    while bounds(period)[0] <= last_day(contract):
        if due_on(contract, period) + timedelta(days=grace_days) >= today:
            break
        if period not in received:
            overdue.append(period)
        period = next_period(period)
    return overdue
