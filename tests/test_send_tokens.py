"""Request tokens as a launch makes them: every character drawn evenly from the alphabet."""

from __future__ import annotations

from collections import Counter

from campaign.domain.tokens import ALPHABET, RANDOM_LENGTH, is_valid_token, new_token


def test_every_random_character_of_a_token_is_spread_evenly_over_the_alphabet():
    """60 random bits are spelled 5 at a time; a slip in that spelling would leave some
    characters unused or favoured at some position, and the token easier to guess."""
    tokens = [new_token() for _ in range(32_000)]
    assert all(is_valid_token(token) for token in tokens)
    for position in range(RANDOM_LENGTH):
        counts = Counter(token[position] for token in tokens)
        assert set(counts) == set(ALPHABET), f"position {position} misses characters"
        # 1,000 expected per character, standard deviation 31: 200 off is not chance.
        assert min(counts.values()) > 800 and max(counts.values()) < 1200, position
