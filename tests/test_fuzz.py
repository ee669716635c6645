"""Bounded fuzzing of every untrusted input: zero crashes, every failure a clear error.

A few hundred mutated inputs per target keep this within seconds; `bench/fuzz.py` runs the
same targets for minutes.
"""

from __future__ import annotations

from fuzz_targets import (
    CSV_SEEDS,
    DOCUMENT_SEEDS,
    MAIL_SEEDS,
    fuzz_csv,
    fuzz_document,
    fuzz_mime,
    fuzz_reply_text,
    mutations,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

QUICK = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)


@QUICK
@given(data=mutations(MAIL_SEEDS))
def test_mime_ingest_survives_mangled_mail(data):
    fuzz_mime(data)


@QUICK
@given(data=mutations(CSV_SEEDS))
def test_authority_csv_import_survives_mangled_files(data):
    fuzz_csv(data)


@settings(QUICK, max_examples=25)
@given(document=st.sampled_from(DOCUMENT_SEEDS), data=st.data())
def test_document_reading_fails_only_with_a_reason(document, data):
    name, seed = document
    mangled = data.draw(mutations([seed]))
    fuzz_document(name, mangled)


@QUICK
@given(text=st.text(max_size=5000))
def test_reply_analysis_survives_any_text(text):
    fuzz_reply_text(text)


def test_there_are_seeds_for_every_target():
    assert len(MAIL_SEEDS) >= 5 and CSV_SEEDS and len(DOCUMENT_SEEDS) >= 3
