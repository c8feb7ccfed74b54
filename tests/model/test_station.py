"""Station.operates_in: the one answer to "does this station operate in this month"."""

import pytest

from lingong.model.periods import active_months, make_period
from lingong.model.records import Station


@pytest.mark.parametrize(
    "start,end,month,expected",
    [
        (None, None, "2023-01", True),
        ("2023-04", None, "2023-03", False),
        ("2023-04", None, "2023-04", True),
        (None, "2023-09", "2023-09", True),
        (None, "2023-09", "2023-10", False),
        ("2023-04", "2023-09", "2023-06", True),
        ("", "", "2023-06", True),  # an empty registry cell is no bound, as None is
    ],
)
def test_operates_in_is_the_registry_span_inclusive(start, end, month, expected):
    st = Station("ZD-001", "东城零工驿站", "曾都区", start_month=start, end_month=end)
    assert st.operates_in(month) is expected


def test_the_active_months_of_a_period_are_the_months_it_operates_in():
    st = Station("ZD-001", "东城零工驿站", "曾都区", start_month="2023-04", end_month="2023-08")
    assert active_months(make_period("half", 2023, 1), st) == ("2023-04", "2023-05", "2023-06")
    assert active_months(make_period("half", 2023, 2), st) == ("2023-07", "2023-08")
