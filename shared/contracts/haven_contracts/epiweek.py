"""ISO-8601 epi-weeks (docs/domain.md "Epidemiological weeks"): Monday to Sunday, week 1 holds the year's first
Thursday, so a year has 52 or 53 weeks and the days around New Year may belong to the other year's week. Written
as ``2026-W53``. Plain functions over ``date``; no clock of their own. Shared vocabulary: the health service and
reporting count weeks, and which facilities were expected to report a week, the same way."""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

EXPECTED_STATUSES = ("functional", "partially_functional")  # facilities expected to report a week
_PATTERN = re.compile(r"\A(\d{4})-W(\d{2})\Z")


@dataclass(frozen=True, order=True)
class EpiWeek:
    year: int
    week: int

    def __str__(self):
        return f"{self.year:04d}-W{self.week:02d}"

    @property
    def start(self):
        """Its Monday."""
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def end(self):
        """Its Sunday."""
        return self.start + timedelta(days=6)

    @property
    def middle(self):
        """Thursday noon UTC: the moment the week's population is taken at (the mid-period population)."""
        return datetime.combine(self.start + timedelta(days=3), time(12), tzinfo=timezone.utc)

    def ended_by(self, now):
        """Whether the week is over at ``now`` (an aware datetime, UTC): its Sunday has passed."""
        return now.astimezone(timezone.utc).date() > self.end

    def deadline(self, deadline_weekday):
        """The last day a report counts as on time: ``deadline_weekday`` (1 Monday ... 7 Sunday) of the next week."""
        return self.end + timedelta(days=deadline_weekday)

    def previous(self, n=1):
        return week_of(self.start - timedelta(weeks=n))

    def next(self):
        return week_of(self.start + timedelta(weeks=1))


def week_of(day):
    """The epi-week ``day`` (a date or datetime, read in UTC) falls in."""
    if isinstance(day, datetime):
        day = day.astimezone(timezone.utc).date()
    year, week, _ = day.isocalendar()
    return EpiWeek(year, week)


def parse(text):
    """``2026-W53`` -> EpiWeek; ValueError for anything else, including a week the year does not have."""
    match = _PATTERN.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError("not an ISO week such as 2026-W05")
    year, week = int(match.group(1)), int(match.group(2))
    if not 1 <= week <= weeks_in(year):
        raise ValueError(f"{year} has {weeks_in(year)} ISO weeks")
    return EpiWeek(year, week)


def weeks_in(year):
    """52 or 53: 28 December is always in the year's last week."""
    return date(year, 12, 28).isocalendar()[1]


def is_late(week, received_on, deadline_weekday):
    """A report received after the deadline day (``received_on`` a date, UTC) is late."""
    return received_on > week.deadline(deadline_weekday)


def status_on(history, day):
    """A facility's status on ``day`` from its history [(since, status)], None before the first."""
    current = None
    for since, status in sorted(history, key=lambda item: item[0]):
        if since <= day:
            current = status
    return current


def expected_to_report(history, week):
    """Whether a facility was expected to report ``week``: functional (or partially) on any day of it."""
    return any(status_on(history, week.start + timedelta(days=n)) in EXPECTED_STATUSES for n in range(7))
