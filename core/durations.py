"""How far a moment is from the report's `now`, as a number and as text, the same on every surface.

Two rules, both pure and both relative to an injected `now` (the report's):

* **Days left of a certificate** (`days_left`): the whole days between `now` and `notAfter`, rounded toward
  zero on both sides. 12 days and 6 hours left is 12; expired 6 days and 7 hours ago is -6 (shown "expired 6
  days ago", never 7). Less than a day either way is 0: the certificate status (expired or not) tells the side,
  and `relative_days` says "in 5 hours" / "5 hours ago". At exactly `notAfter` a certificate is still valid
  (X.509 validity includes `notAfter`), so 0 and "in less than a minute".
* **Age of a resource** (`age_text`, `last_change_text`): "added 3 h ago", "changed 2 d ago", from Kubernetes
  `creationTimestamp` / managedFields times or Kuma's `creationTime` / `modificationTime`. Units are whole and
  rounded down: minutes under an hour, hours under two days, days under two years, then years. A resource
  changed within `RECENT` (24 h) before `now` is `changed_recently`; one dated more than `CLOCK_SKEW` after
  `now` is not (its clock, or the chosen `--now`, says it has not happened yet).
"""

from __future__ import annotations

from datetime import datetime, timedelta

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
RECENT = timedelta(hours=24)
CLOCK_SKEW = timedelta(minutes=5)


def days_left(not_after: datetime, now: datetime) -> int:
    """Whole days from `now` to `not_after`, rounded toward zero (negative once expired)."""
    delta = not_after - now
    if delta >= timedelta(0):
        return delta // DAY
    return -((-delta) // DAY)


def relative_days(moment: datetime, now: datetime) -> str:
    """`moment` relative to `now` in words, by the `days_left` rule: "in 12 days", "6 days ago", and under a
    day "in 5 hours" / "5 hours ago" / "in less than a minute" / "less than a minute ago"."""
    delta = moment - now
    future = delta >= timedelta(0)
    size = delta if future else -delta
    if size >= DAY:
        text = _plural(size // DAY, "day")
    elif size >= HOUR:
        text = _plural(size // HOUR, "hour")
    elif size >= MINUTE:
        text = _plural(size // MINUTE, "minute")
    else:
        text = "less than a minute"
    return f"in {text}" if future else f"{text} ago"


def expiry_text(not_after: datetime, now: datetime) -> str:
    """"expires in 12 days" / "expired 6 days ago" (an instant at exactly `not_after` has not expired)."""
    relative = relative_days(not_after, now)
    return f"expires {relative}" if not_after >= now else f"expired {relative}"


def short_duration(size: timedelta) -> str:
    """A non-negative duration in one whole unit, rounded down: "4 min", "3 h", "2 d", "3 y"."""
    if size < HOUR:
        return f"{size // MINUTE} min"
    if size < 2 * DAY:
        return f"{size // HOUR} h"
    if size < 730 * DAY:
        return f"{size // DAY} d"
    return f"{size // (365 * DAY)} y"


def age_text(moment: datetime, now: datetime, verb: str = "added") -> str:
    """"added 3 h ago" / "changed 2 d ago" / "added just now"; a moment after `now` (beyond the clock skew)
    is "added 3 h from now"."""
    delta = now - moment
    if abs(delta) < MINUTE or timedelta(0) > delta >= -CLOCK_SKEW:
        return f"{verb} just now"
    if delta < timedelta(0):
        return f"{verb} {short_duration(-delta)} from now"
    return f"{verb} {short_duration(delta)} ago"


def last_change(created: datetime | None, modified: datetime | None) -> datetime | None:
    """The latest of creation and modification (either may be unknown)."""
    known = [t for t in (created, modified) if t is not None]
    return max(known) if known else None


def last_change_text(created: datetime | None, modified: datetime | None, now: datetime) -> str | None:
    """The most recent event in words: "changed 2 d ago" when modified after creation (by a minute or more),
    else "added 3 h ago"; None when neither time is known."""
    if modified is not None and (created is None or modified - created >= MINUTE):
        return age_text(modified, now, "changed")
    if created is not None:
        return age_text(created, now, "added")
    return None


def changed_recently(created: datetime | None, modified: datetime | None, now: datetime,
                     window: timedelta = RECENT) -> bool:
    """Created or modified within `window` before `now` (a few minutes after `now` count as now)."""
    latest = last_change(created, modified)
    return latest is not None and -CLOCK_SKEW <= now - latest <= window


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
