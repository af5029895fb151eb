"""Ids and secrets: base62 bodies of the requested length, every character in use."""

import string

from stripe_emulator.store import new_id, random_token


def test_tokens_have_the_length_asked_for_and_only_base62_characters():
    alphabet = set(string.ascii_letters + string.digits)
    for length in (1, 8, 24, 58):
        token = random_token(length)
        assert len(token) == length
        assert set(token) <= alphabet
    assert new_id("pi").startswith("pi_") and len(new_id("pi")) == 27


def test_every_base62_character_turns_up():
    seen = set("".join(random_token(62) for _ in range(200)))
    assert seen == set(string.ascii_letters + string.digits)
