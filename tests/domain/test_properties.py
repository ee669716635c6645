"""Properties that hold for every input, checked with hypothesis: deadlines, references, matching.

Example-based tests pin what the law and real replies say; these look for the inputs nobody
wrote down (a receipt on Christmas Eve of a leap year, a reference ID next to a phone number,
a reply address mangled by a gateway).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from campaign.domain.deadlines import due_date, working_calendar
from campaign.domain.law import LawCode
from campaign.domain.tokens import (
    ALPHABET,
    RANDOM_LENGTH,
    _check,
    is_valid_token,
    near_tokens,
    new_token,
)
from campaign.mail.compose import new_message_id, reply_address
from campaign.mail.matching import (
    bare_subject,
    reply_tokens,
    subject_similarity,
    thread_ids,
    token_in_message_id,
)
from campaign.parsing.references import find_reference

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LAWS = st.sampled_from([LawCode.FOIA, LawCode.FOISA, LawCode.EIR])
DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2049, 12, 31))
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2049, 12, 31), timezones=st.just(UTC)
)


# --- the deadline calculator ------------------------------------------------------------------


@SETTINGS
@given(law=LAWS, received=DAYS, n=st.integers(min_value=1, max_value=60))
def test_the_due_date_is_the_nth_working_day_after_receipt(law, received, n):
    calendar = working_calendar(law)
    due = due_date(law, received, n)

    assert due > received
    assert calendar.is_working_day(due)
    assert calendar.working_days_between(received, due) == n
    assert due - received <= timedelta(days=n * 7 // 5 + 14)  # weekends and a Christmas at most


@SETTINGS
@given(law=LAWS, first=DAYS, gap=st.integers(min_value=0, max_value=400))
def test_a_later_receipt_never_makes_an_earlier_deadline(law, first, gap):
    later = first + timedelta(days=gap)
    assume(later.year < 2050)
    assert due_date(law, later) >= due_date(law, first)


@SETTINGS
@given(received=DAYS)
def test_foisa_never_runs_out_later_than_it_would_with_every_uk_holiday_closed(received):
    """Scotland's calendar closes on a subset of the UK-wide days plus its own: never more than
    a few working days apart from FOIA's, in either direction."""
    scottish, uk = due_date(LawCode.FOISA, received), due_date(LawCode.FOIA, received)
    assert abs((scottish - uk).days) <= 7


@SETTINGS
@given(moment=MOMENTS, law=LAWS)
def test_a_delivery_time_counts_from_its_london_date(moment, law):
    from campaign.domain.calendar import london_date

    assert due_date(law, moment) == due_date(law, london_date(moment))


@SETTINGS
@given(law=LAWS, start=DAYS, n=st.integers(min_value=1, max_value=80))
def test_counting_forward_then_back_returns_to_a_working_day_no_later_than_the_start(law, start, n):
    calendar = working_calendar(law)
    back = calendar.add_working_days(calendar.add_working_days(start, n), -n)
    assert back <= start and calendar.is_working_day(back)
    assert calendar.working_days_between(back, start) <= 0 or not calendar.is_working_day(start)


# --- reference IDs -----------------------------------------------------------------------------

REFERENCES = st.one_of(
    st.from_regex(r"\AFOI[/-]?20[12][0-9][/-]?[0-9]{3,5}\Z"),  # spaced forms are ambiguous
    st.from_regex(r"\AREQ[0-9]{5,7}\Z"),
    st.from_regex(r"\A(IR|EIR|FOI)[0-9]{4,6}\Z"),
)
FILLER = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=200,
)


@SETTINGS
@given(reference=REFERENCES, before=FILLER, after=FILLER)
def test_a_labelled_reference_is_found_whatever_surrounds_it(reference, before, after):
    text = f"{before}\n\nOur reference: {reference}\n\n{after}"
    found = find_reference(text)
    assert found is not None
    assert (
        found.replace(" ", "").replace("-", "/") in (reference.replace(" ", "").replace("-", "/"),)
        or reference.startswith(found)
        or found.startswith(reference.split()[0])
    )


@SETTINGS
@given(text=st.text(max_size=3000))
def test_reference_extraction_never_raises_and_returns_a_short_single_line(text):
    found = find_reference(text)
    assert found is None or (0 < len(found) <= 64 and "\n" not in found)


@SETTINGS
@given(phone=st.from_regex(r"\A0[0-9]{3} [0-9]{3} [0-9]{4}\Z"))
def test_a_phone_number_alone_is_not_taken_for_a_reference(phone):
    assert find_reference(f"Please call us on {phone} if you have any questions.") is None


# --- matching replies to requests --------------------------------------------------------------

# Tokens as new_token makes them (random part, then check characters), drawn reproducibly.
TOKENS = st.text(alphabet=ALPHABET, min_size=RANDOM_LENGTH, max_size=RANDOM_LENGTH).map(
    lambda random_part: random_part + _check(random_part)
)


@SETTINGS
@given(token=TOKENS, domain=st.from_regex(r"\A[a-z]{3,10}\.(org|org\.uk|example)\Z"))
def test_a_reply_address_always_gives_back_its_token(token, domain):
    address = reply_address(token, domain)
    assert reply_tokens([address]) == ([token], [])
    assert reply_tokens([address.upper()]) == ([token], [])  # gateways that shout
    assert token_in_message_id(new_message_id(token, domain)) == token


@SETTINGS
@given(token=TOKENS, position=st.integers(min_value=0, max_value=11), char=st.sampled_from("abz29"))
def test_a_token_one_character_off_is_suggested_and_almost_never_valid(token, position, char):
    """Two check characters catch all but about 1 in 1,024 single slips; the ones they catch
    are offered to a person as the token probably meant, never applied."""
    position %= len(token)
    assume(token[position] != char)
    damaged = token[:position] + char + token[position + 1 :]
    assume(not is_valid_token(damaged))
    assert is_valid_token(token)
    assert token in near_tokens(damaged, {token})


def test_fresh_tokens_are_valid_and_distinct():
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000 and all(is_valid_token(t) for t in tokens)


@SETTINGS
@given(
    subject=st.text(max_size=200),
    prefixes=st.lists(st.sampled_from(["Re: ", "RE:", "Fwd: ", "FW: "]), max_size=4),
)
def test_reply_prefixes_never_change_what_a_subject_is_about(subject, prefixes):
    assume(bare_subject(subject) == subject.strip() or not subject.strip())
    prefixed = "".join(prefixes) + subject
    assert bare_subject(prefixed) == bare_subject(subject)
    assert 0 <= subject_similarity(prefixed, subject) <= 100


@SETTINGS
@given(
    parent=st.one_of(st.none(), st.text(min_size=1, max_size=40)),
    refs=st.lists(st.text(max_size=40), max_size=20),
)
def test_thread_ids_put_the_parent_first_and_repeat_nothing(parent, refs):
    ids = thread_ids(parent, refs)
    assert len(ids) == len(set(ids))
    if parent:
        assert ids[0] == parent
    assert set(ids) <= {parent, *refs} - {None, ""}
