"""Working time: people's work advances only on working days; machines run around the clock.

The clock counts calendar days from the start date. A working day contributes one day of
work over its 24 hours, and non-working days (the weekend, for a 5-day week) contribute none.
So a 3-day task started at the beginning of a Thursday ends at the end of the next
Monday. ``hours_per_day`` only converts working days into paid hours; it does not shorten
the working day.
"""

from __future__ import annotations

import datetime
import math

from simulation.model import Calendar

DAYS_PER_WEEK = 7


class WorkingClock:
    """Converts between calendar days since the start and working days of effort."""

    def __init__(self, calendar: Calendar):
        self.enabled = calendar.enabled and calendar.working_days_per_week < DAYS_PER_WEEK
        self.days_per_week = calendar.working_days_per_week
        self.start_weekday = start_weekday(calendar)
        self._offset_work = self._work_since_monday(self.start_weekday)

    def _work_since_monday(self, shifted_days: float) -> float:
        weeks, day_of_week = divmod(shifted_days, DAYS_PER_WEEK)
        return weeks * self.days_per_week + min(day_of_week, self.days_per_week)

    def finish_at(self, start_at: float, work_days: float) -> float:
        """Return the calendar time at which ``work_days`` of work started at ``start_at`` ends."""
        if not self.enabled:
            return start_at + work_days
        target = self._work_since_monday(start_at + self.start_weekday) + work_days
        weeks, rest = divmod(target, self.days_per_week)
        if rest == 0 and weeks > 0:
            # Work that ends exactly at the end of a working week ends then, not next Monday.
            weeks, rest = weeks - 1, self.days_per_week
        finish = weeks * DAYS_PER_WEEK + rest - self.start_weekday
        return max(finish, start_at)

    def is_working_day(self, at: float) -> bool:
        if not self.enabled:
            return True
        return (math.floor(at) + self.start_weekday) % DAYS_PER_WEEK < self.days_per_week


def start_weekday(calendar: Calendar) -> int:
    """Return the weekday of day 0: 0 for Monday to 6 for Sunday."""
    return datetime.date.fromisoformat(calendar.start_date).weekday()
