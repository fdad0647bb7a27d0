"""Time on a store's calendar: a deadline that counts only business hours, and the business
time between two moments. Without a calendar (or one with no periods), time is the clock's."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 800  # a calendar open for one minute a year still ends; a target longer than this is not an SLA


class Hours:
    """A calendar read once: its periods per weekday and its holidays, in its time zone."""

    def __init__(self, calendar):
        self.zone = ZoneInfo(calendar.timezone if calendar is not None else "UTC")
        periods = list(calendar.periods.all()) if calendar is not None else []
        self.week: dict[int, list[tuple[time, time]]] = {}
        for period in periods:
            self.week.setdefault(period.weekday, []).append((period.opens, period.closes))
        for spans in self.week.values():
            spans.sort()
        self.holidays = {h.date for h in calendar.holidays.all()} if calendar is not None and periods else set()
        self.always = not periods

    def _windows(self, start: datetime):
        """The open windows from ``start`` on, as aware datetimes, in order."""
        local = start.astimezone(self.zone)
        day = local.date()
        for _ in range(MAX_DAYS):
            if day not in self.holidays:
                for opens, closes in self.week.get(day.weekday(), []):
                    begin = datetime.combine(day, opens, self.zone)
                    end = datetime.combine(day, closes, self.zone)
                    if end > local:
                        yield max(begin, local), end
            day += timedelta(days=1)

    def deadline(self, start: datetime, seconds: float) -> datetime:
        """When ``seconds`` of business time have passed since ``start``."""
        if self.always:
            return start + timedelta(seconds=seconds)
        left = timedelta(seconds=seconds)
        for begin, end in self._windows(start):
            if end - begin >= left:
                return begin + left
            left -= end - begin
        return start + timedelta(days=MAX_DAYS)

    def between(self, start: datetime, end: datetime) -> float:
        """Seconds of business time from ``start`` to ``end`` (0 if ``end`` is earlier)."""
        if end <= start:
            return 0.0
        if self.always:
            return (end - start).total_seconds()
        total = 0.0
        for begin, close in self._windows(start):
            if begin >= end:
                break
            total += (min(close, end) - begin).total_seconds()
        return total
