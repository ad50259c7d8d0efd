from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from analytics.filters import Filters

BERLIN = ZoneInfo("Europe/Berlin")


def test_previous_is_the_window_of_the_same_length_right_before():
    f = Filters(start=datetime(2025, 3, 10, tzinfo=UTC), end=datetime(2025, 3, 17, tzinfo=UTC), models=("m",))
    assert f.previous() == Filters(
        start=datetime(2025, 3, 3, tzinfo=UTC), end=datetime(2025, 3, 10, tzinfo=UTC), models=("m",)
    )
    assert (f.days, f.previous().days) == (7, 7)


def test_previous_of_local_days_across_daylight_saving_is_local_days():
    # 1-30 October 2025 in Berlin: the clocks go back on the 26th, so the window is 30 days and 1 hour long
    f = Filters(start=datetime(2025, 10, 1, tzinfo=BERLIN), end=datetime(2025, 10, 31, tzinfo=BERLIN))
    before = f.previous()
    assert (before.start, before.end) == (
        datetime(2025, 9, 1, tzinfo=BERLIN),
        datetime(2025, 10, 1, tzinfo=BERLIN),
    )
    assert (f.days, before.days) == (30, 30)


def test_days_up_to_includes_the_end_instant():
    now = datetime(2025, 5, 8, 12, 30, tzinfo=UTC)
    week = Filters(tz="Europe/Berlin").days_up_to(now, 7)
    assert (week.start, week.end, week.tz) == (
        datetime(2025, 5, 1, 12, 30, tzinfo=UTC),
        datetime(2025, 5, 8, 12, 30, 0, 1000, tzinfo=UTC),
        "Europe/Berlin",
    )
