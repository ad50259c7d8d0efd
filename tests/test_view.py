"""URL parameters to a view: the defaults, the filters in the reporting zone, strict and lenient readings."""

from datetime import UTC, date, datetime

import pytest

from analytics.view import ParamError, View, parse_view


def test_parse_view_defaults_match_the_app():
    q = parse_view({"tz": "UTC"})
    assert (q.start, q.end, q.budgets, q.threshold_ms, q.window_hours) == (
        None,
        None,
        {"day": 50.0, "month": 1000.0, "session": 10.0},
        8000.0,
        24.0,
    )
    # the last 30 days with data; a store with 10 days of data gives those 10 days
    assert q.date_range((date(2025, 1, 1), date(2025, 3, 10))) == (date(2025, 2, 9), date(2025, 3, 10))
    assert q.date_range((date(2025, 3, 1), date(2025, 3, 10))) == (date(2025, 3, 1), date(2025, 3, 10))
    assert q.date_range(None, today=date(2025, 3, 10)) == (date(2025, 2, 9), date(2025, 3, 10))


def test_parse_view_filters_in_the_reporting_zone():
    q = parse_view(
        {
            "from": "2025-03-01",
            "to": "2025-03-02",
            "tz": "Europe/Berlin",
            "model": ["a", "", "b"],
            "project": "p",
            "budget_day": "20",
            "threshold_ms": "5000",
        }
    )
    f = q.filters(None)
    assert f.start.astimezone(UTC) == datetime(2025, 2, 28, 23, 0, tzinfo=UTC)
    assert f.end.astimezone(UTC) == datetime(2025, 3, 2, 23, 0, tzinfo=UTC)
    assert (f.tz, f.models, f.projects, f.users) == ("Europe/Berlin", ("a", "b"), ("p",), ())
    assert q.budgets["day"] == 20.0 and q.threshold_ms == 5000.0


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"from": "2025-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-03-02", "to": "2025-03-01"}, "from"),
        ({"budget_day": "abc"}, "budget_day"),
        ({"budget_month": "-5"}, "budget_month"),
        ({"budget_session": "nan"}, "budget_session"),
        ({"threshold_ms": "0"}, "threshold_ms"),
        ({"threshold_ms": "inf"}, "threshold_ms"),
        ({"window_hours": "1000"}, "window_hours"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "0001-01-01", "to": "0001-01-01"}, "from"),
        ({"tz": "x" * 100_000}, "tz"),
        ({"tz": "right/UTC"}, "tz"),
        ({"budget_day": "1e8"}, "budget_day"),
        ({"threshold_ms": "1e12"}, "threshold_ms"),
    ],
)
def test_parse_view_rejects_bad_values_naming_the_parameter(params, parameter):
    with pytest.raises(ParamError) as exc:
        parse_view({"tz": "UTC", **params})
    assert exc.value.parameter == parameter
    assert parameter in str(exc.value)


def test_view_is_frozen():
    q = View(tz="UTC")
    with pytest.raises(AttributeError):
        q.tz = "Europe/Paris"


def test_a_bad_value_is_named_briefly():
    with pytest.raises(ParamError) as exc:
        parse_view({"tz": "x" * 100_000})
    assert len(str(exc.value)) < 200 and "xxx..." in str(exc.value)


@pytest.mark.parametrize(
    "params",
    [
        {"to": "9999-12-31"},
        {"from": "0001-01-01"},
        {"tz": "x" * 100_000},
        {"tz": "right/UTC"},
        {"budget_day": "1e8"},
    ],
)
def test_pages_read_absurd_values_as_defaults(params):
    view = parse_view({"tz": "UTC", **params}, strict=False)
    assert view.tz in ("UTC",) and view.start is None and view.end is None
    assert view.budget_day == 1000.0 if "budget_day" in params else view.budget_day == 50.0
    f = view.filters(None, today=date(2025, 3, 10))  # whole days, no overflow
    assert f.end.astimezone(UTC) == datetime(2025, 3, 11, tzinfo=UTC)
