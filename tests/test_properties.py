"""No message a member can send breaks the bot or makes it slow (hypothesis).

Slowness is checked through size, not wall time: the matcher's work is proportional to the
normalised text, so a bounded normalised text means a bounded cost.
"""

from __future__ import annotations

import textwrap
from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge import Knowledge, load_faq, load_faq_text
from bot.matching import Decision
from bot.normalise import MAX_HEAD_CHARS, MAX_TAIL_CHARS, MAX_WORDS, normalise
from bot.replies import MESSAGE_LIMIT, respond
from bot.words import _CLAUSE_BREAK, _one_clause

ROOT = Path(__file__).resolve().parent.parent
CAP = MAX_HEAD_CHARS + MAX_TAIL_CHARS + 1
# NFKC expands one character to at most 18 (U+FDFA, UAX #15), so a capped message can never
# normalise to more than this, however long the original.
NORMALISED_LIMIT = 18 * CAP

# Any Unicode text (hypothesis leaves out surrogates), including control characters.
ANY_TEXT = st.text(max_size=2_000)
# Long messages: a random piece repeated up to 40,000 characters.
LONG_TEXT = st.builds(
    lambda piece, times: (piece * times)[:40_000],
    st.text(min_size=1, max_size=40),
    st.integers(min_value=1, max_value=10_000),
)
# What Discord messages are made of, mixed at random.
DISCORD_TEXT = st.lists(
    st.sampled_from([
        "<@123456789012345678>", "<#1>", "<a:hf:2>", "@everyone", "https://x.org/a?b",
        "\u200b", "\u202e", "\ufeff", "\x00", "\x1b", "\n", "ｒｅｍｏｔｅ", "can't", "dont",
        "soooooo", "part", "time", "parttime", "relocaiton", "?", "!!!", "🤗", "ﷺ", "ﬃ",
        "u", "i", "my", " ", "fee", "'", "’", "-", "_",
    ]),
    max_size=400,
).map("".join)
MESSAGES = st.one_of(ANY_TEXT, LONG_TEXT, DISCORD_TEXT)


@cache
def shipped() -> Knowledge:
    knowledge = load_faq(ROOT / "data" / "faqs.yaml", check_confusion=False).knowledge
    assert knowledge is not None
    return knowledge


@cache
def longest_allowed() -> Knowledge:
    """An FAQ whose entries use every character the schema allows."""
    text = textwrap.dedent("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
          source_url: https://example.org/announcement
        entries:
        """)
    for n in range(3):
        text += (
            f"  - id: entry-{n}\n"
            f"    question: question {n} {'q' * 240}\n"
            f"    aliases: [alias {n}, remote {n}, fee {n}]\n"
            f"    answer: {'word ' * 299}end\n"
        )
    knowledge = load_faq_text(text, check_confusion=False).knowledge
    assert knowledge is not None
    return knowledge


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
def test_normalise_accepts_any_text(message):
    assert isinstance(normalise(message), str)


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
def test_normalised_text_is_bounded_whatever_the_message_length(message):
    assert len(normalise(message)) <= NORMALISED_LIMIT


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
def test_normalised_text_has_at_most_max_words_words(message):
    assert len(normalise(message).split()) <= MAX_WORDS


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
def test_normalised_text_is_single_spaced_words(message):
    words = normalise(message)
    assert words == " ".join(words.split())


# Plain ASCII messages take a faster path through normalise than other text; a word in
# another script in front must not change how the rest is read. (Short enough that the
# word and length caps do not come into play.)
ASCII_TEXT = st.text(alphabet=st.characters(max_codepoint=127), max_size=100)


@settings(max_examples=1_000, deadline=None)
@given(ASCII_TEXT)
def test_ascii_message_reads_the_same_after_a_word_in_another_script(message):
    assert normalise("жж " + message).split() == ["жж", *normalise(message).split()]


@settings(max_examples=300, deadline=None)
@given(ASCII_TEXT, st.sampled_from(["\u200b", "\ufeff", "\u202e"]))
def test_an_invisible_character_in_an_ascii_message_changes_nothing(message, invisible):
    words = message.split(" ")
    assert normalise(invisible.join(words)) == normalise("".join(words))


# Clause marks and spaces, mixed into words, for the clause tests below.
CLAUSE_TEXT = st.lists(st.sampled_from(
    ["is", "it", "paid", "part", "time", ".", "?", "!", ";", ",", ", ", "\n", " ", "\t",
     "\u3000", "...", "?!", "tl;dr"]), max_size=30).map("".join)


@settings(max_examples=1_000, deadline=None)
@given(st.one_of(CLAUSE_TEXT, ASCII_TEXT, DISCORD_TEXT))
def test_a_message_the_quick_check_calls_one_clause_has_one(message):
    # segments() skips splitting such messages: the split would have found one clause.
    if _one_clause(message):
        assert len([p for p in _CLAUSE_BREAK.split(message) if p.strip()]) <= 1


@settings(max_examples=300, deadline=None)
@given(
    st.text(min_size=MAX_HEAD_CHARS, max_size=MAX_HEAD_CHARS),
    st.text(min_size=1, max_size=3_000),
    st.text(min_size=1, max_size=3_000),
    st.text(min_size=MAX_TAIL_CHARS, max_size=MAX_TAIL_CHARS),
)
def test_what_is_pasted_in_the_middle_of_a_long_message_is_ignored(head, one, other, tail):
    assert normalise(head + one + tail) == normalise(head + other + tail)


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
def test_matcher_accepts_any_text_and_gives_a_valid_verdict(message):
    match = shipped().matcher.match(message)
    assert match.decision in set(Decision)
    assert 0.0 <= match.confidence <= 1.0
    assert len(match.candidates) <= 3
    assert (match.entry_id is not None) == (match.decision is Decision.ANSWER)


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
def test_respond_accepts_any_text(message):
    match, reply = respond(shipped(), message)
    assert reply.kind.value == match.decision.value


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
def test_reply_text_never_exceeds_one_discord_message(message):
    _, reply = respond(shipped(), message)
    assert len(reply.as_text()) <= MESSAGE_LIMIT


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
def test_reply_text_from_the_longest_allowed_faq_never_exceeds_one_message(message):
    _, reply = respond(longest_allowed(), message)
    assert len(reply.as_text()) <= MESSAGE_LIMIT
