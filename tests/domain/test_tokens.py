"""Request tokens are unguessable, self-checking and forgiving of look-alike typos."""

from __future__ import annotations

from campaign.domain.tokens import TOKEN_LENGTH, canonical, is_valid_token, near_tokens, new_token


def test_new_tokens_are_unique_valid_and_email_safe():
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for token in tokens:
        assert len(token) == TOKEN_LENGTH and token.isalnum() and token == token.lower()
        assert is_valid_token(token)
        assert is_valid_token(token.upper())  # mail systems may shout


def test_a_changed_character_fails_the_check():
    token = new_token()
    wrong = token[:3] + ("a" if token[3] != "a" else "b") + token[4:]
    # Two check characters: a single change is caught except by 1-in-1024 coincidence.
    changed = [wrong] + [token[:i] + c + token[i + 1 :] for i in range(5) for c in "xyz"]
    assert sum(is_valid_token(t) for t in changed if t != token) <= 1


def test_look_alikes_are_folded():
    assert canonical("AbIlO0u") == "ab1100v"


def test_near_tokens_suggests_the_intended_token():
    token = new_token()
    known = {token, new_token(), new_token()}
    typo = token[:5] + ("0" if token[5] != "0" else "1") + token[6:]
    assert near_tokens(typo, known) == [token]
    assert near_tokens(token[:-1], known) == [token]
    assert near_tokens("zzzzzzzzzzzzzz", known) == []
