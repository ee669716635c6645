"""`campaign deadlines due`: explains a deadline and prints it as the last line; no database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from campaign.cli_deadlines import deadlines


def run(*args: str):
    return CliRunner().invoke(deadlines, ["due", *args])


@pytest.mark.parametrize(
    ("args", "due"),
    [
        # Easter 2024 (see tests/domain/test_deadlines.py for the counts).
        (["--law", "foia", "--received", "2024-03-28"], "2024-04-29"),
        (["--law", "foisa", "--received", "2024-03-28"], "2024-04-26"),
        (["--law", "eir", "--received", "2024-03-28"], "2024-04-29"),
        # Law names are not case-sensitive.
        (["--law", "FOISA", "--received", "2023-07-03"], "2023-07-31"),
        # EIR reg 7: 40 working days from Thu 28 Mar 2024.
        (["--law", "eir", "--received", "2024-03-28", "--working-days", "40"], "2024-05-29"),
        # One working day after a Friday receipt is the Monday.
        (["--law", "foia", "--received", "2024-02-02", "--working-days", "1"], "2024-02-05"),
    ],
)
def test_due_prints_the_due_date_last(args, due):
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == due


def test_due_explains_the_count():
    result = run("--law", "foia", "--received", "2022-05-27")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Law: Freedom of Information Act 2000 (foia)" in lines
    assert "Day of receipt: Friday 2022-05-27" in lines
    # The late May bank holiday moved to Thursday 2 June in 2022: Monday 30 May is day one.
    assert "Day one: Monday 2022-05-30" in lines
    assert "  Thursday 2022-06-02  Spring Bank Holiday" in lines
    assert "  Friday 2022-06-03  Platinum Jubilee of Elizabeth II" in lines
    assert lines[-1] == "2022-06-28"


def test_due_names_the_nation_of_a_holiday_kept_in_one_part_of_the_uk():
    result = run("--law", "foia", "--received", "2023-07-03")
    assert "  Wednesday 2023-07-12  Battle of the Boyne (Northern Ireland)" in result.output
    assert result.output.splitlines()[-1] == "2023-08-01"
    scottish = run("--law", "foisa", "--received", "2023-07-03")
    assert "Boyne" not in scottish.output
    assert "Holidays skipped: none" in scottish.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--law", "foi", "--received", "2024-01-01"], "'foi' is not one of"),
        (["--law", "gdpr", "--received", "2024-01-01"], "Invalid value for '--law'"),
        (["--received", "2024-01-01"], "Missing option '--law'"),
        (["--law", "foia", "--received", "2024-13-01"], "Invalid value for '--received'"),
        (["--law", "foia", "--received", "1 March 2024"], "Invalid value for '--received'"),
        (["--law", "foia", "--received", "2024-02-30"], "Invalid value for '--received'"),
        (["--law", "foia"], "Missing option '--received'"),
        (["--law", "foia", "--received", "2024-01-01", "--working-days", "0"], "1<=x<=400"),
        (["--law", "foia", "--received", "2024-01-01", "--working-days", "401"], "1<=x<=400"),
        (["--law", "foia", "--received", "2024-01-01", "--working-days", "-3"], "1<=x<=400"),
        (["--law", "foia", "--received", "2024-01-01", "--working-days", "ten"], "ten"),
        (["--law", "foia", "--received", "1700-01-01"], "bank holidays are known for"),
        (["--law", "foia", "--received", "2100-12-20"], "leave the years with known"),
    ],
)
def test_bad_input_is_a_usage_error(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_deadlines_group_is_registered_on_the_campaign_command():
    from campaign.cli import main

    result = CliRunner().invoke(
        main, ["deadlines", "due", "--law", "foisa", "--received", "2024-11-28"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2024-12-31"
