"""Dates as authorities write them, and the new date an extension promises."""

from __future__ import annotations

from datetime import date

import pytest

from campaign.parsing.dates import dates_in
from campaign.parsing.extensions import extended_until


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("by 12 March 2024", date(2024, 3, 12)),
        ("by 12th of March 2024", date(2024, 3, 12)),
        ("by Tuesday 3rd Sept 2019", date(2019, 9, 3)),
        ("by March 12, 2024", date(2024, 3, 12)),
        ("by 12/03/2024", date(2024, 3, 12)),
        ("by 12.03.24", date(2024, 3, 12)),
        ("on 31/02/2024", None),
    ],
)
def test_dates_in_uk_formats(text, expected):
    found = [value for _, value in dates_in(text)]
    assert found == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Under section 10(3) of the Act we are extending the time for our response by a "
            "further 20 working days. We now expect to respond by 15 May 2018.",
            date(2018, 5, 15),
        ),
        (
            "Your request, received on 1 March 2019, was due by 29 March 2019. We need more time "
            "to consider the public interest and will now respond by 26 April 2019.",
            date(2019, 4, 26),
        ),
        (
            "We are extending the time for response to 40 working days under regulation 7(1). "
            "You will receive a response no later than 30/06/2019.",
            date(2019, 6, 30),
        ),
        ("We need more time to consider your request and will reply as soon as we can.", None),
    ],
)
def test_extension_date(text, expected):
    assert extended_until(text) == expected
