"""`core.durations`: the days-left rule of certificates and the age texts, relative to an injected now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.durations import (
    age_text,
    changed_recently,
    days_left,
    expiry_text,
    last_change,
    last_change_text,
    relative_days,
    short_duration,
)
from tests.factories import NOW

D, H, M, S = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)


@pytest.mark.parametrize(("offset", "days"), [
    (12 * D + 6 * H, 12),  # future: whole days left, rounded down
    (D, 1),
    (D - S, 0),  # less than a day left
    (5 * H, 0),
    (timedelta(0), 0),  # exactly now
    (-S, 0),  # expired a second ago: still under a day
    (-5 * H, 0),
    (-(D - S), 0),
    (-D, -1),
    (-(6 * D + 7 * H), -6),  # past: toward zero, "expired 6 days ago", never 7
    (-(6 * D + 23 * H + 59 * M), -6),
    (-7 * D, -7),
    (-(400 * D + 12 * H), -400),
])
def test_days_left_rounds_toward_zero_on_both_sides(offset, days):
    assert days_left(NOW + offset, NOW) == days


@pytest.mark.parametrize(("offset", "text"), [
    (12 * D + 6 * H, "expires in 12 days"),
    (D + H, "expires in 1 day"),
    (5 * H + 30 * M, "expires in 5 hours"),
    (H, "expires in 1 hour"),
    (42 * M, "expires in 42 minutes"),
    (timedelta(0), "expires in less than a minute"),  # valid through notAfter itself
    (-30 * S, "expired less than a minute ago"),
    (-5 * H, "expired 5 hours ago"),
    (-(6 * D + 7 * H), "expired 6 days ago"),
    (-D, "expired 1 day ago"),
])
def test_expiry_text_follows_the_same_rule(offset, text):
    assert expiry_text(NOW + offset, NOW) == text


def test_relative_days_and_days_left_agree_whenever_a_day_or_more_apart():
    for hours in range(-24 * 40, 24 * 40, 7):
        moment = NOW + timedelta(hours=hours, minutes=13)
        days = days_left(moment, NOW)
        if days:
            expected = f"in {days} day" if days > 0 else f"{-days} day"
            assert relative_days(moment, NOW).startswith(expected), (hours, relative_days(moment, NOW))


@pytest.mark.parametrize(("size", "text"), [
    (timedelta(0), "0 min"), (59 * M, "59 min"), (H, "1 h"), (3 * H + 59 * M, "3 h"), (47 * H, "47 h"),
    (2 * D, "2 d"), (729 * D, "729 d"), (730 * D, "2 y"), (3000 * D, "8 y"),
])
def test_short_duration_is_one_whole_unit_rounded_down(size, text):
    assert short_duration(size) == text


def test_age_text():
    assert age_text(NOW - 3 * H - 10 * M, NOW) == "added 3 h ago"
    assert age_text(NOW - 2 * D - H, NOW, "changed") == "changed 2 d ago"
    assert age_text(NOW - 20 * S, NOW) == "added just now"
    assert age_text(NOW + 2 * M, NOW) == "added just now", "within the clock skew"
    assert age_text(NOW + 3 * H, NOW) == "added 3 h from now"


def test_last_change_and_its_text():
    created, modified = NOW - 40 * D, NOW - 2 * D
    assert last_change(created, modified) == modified and last_change(None, None) is None
    assert last_change_text(created, modified, NOW) == "changed 2 d ago"
    assert last_change_text(created, created + 10 * S, NOW) == "added 40 d ago", "same minute: the creation"
    assert last_change_text(None, modified, NOW) == "changed 2 d ago"
    assert last_change_text(created, None, NOW) == "added 40 d ago"
    assert last_change_text(None, None, NOW) is None


@pytest.mark.parametrize(("created", "modified", "recent"), [
    (NOW - 3 * H, None, True),
    (NOW - 40 * D, NOW - 23 * H, True),
    (NOW - 40 * D, NOW - 24 * H, True),
    (NOW - 40 * D, NOW - 25 * H, False),
    (NOW - 25 * H, None, False),
    (None, None, False),
    (NOW + 2 * M, None, True),  # clock skew
    (NOW + 2 * H, None, False),  # after the report's time
])
def test_changed_recently(created, modified, recent):
    assert changed_recently(created, modified, NOW) is recent
