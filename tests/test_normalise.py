"""How a member's raw Discord message is turned into comparable words (bot/normalise.py)."""

from __future__ import annotations

import pytest

from bot.normalise import MAX_HEAD_CHARS, MAX_TAIL_CHARS, normalise

# A capped message is its head, one space, and its tail.
CAP = MAX_HEAD_CHARS + MAX_TAIL_CHARS + 1

# Ordinary prose, as a member pasting their life story before the question would write it.
PROSE = "I have been reading about machine learning for a long while and I really enjoy it. "


# --- Unicode -------------------------------------------------------------------------------


def test_full_width_letters_read_as_plain_letters():
    assert normalise("ｉｓ ｉｔ ｒｅｍｏｔｅ？") == "is it remote"


def test_ligatures_read_as_their_letters():
    assert normalise("ﬁnal year student") == "final year student"


def test_capitals_do_not_matter():
    assert normalise("IS IT REMOTE") == normalise("is it remote") == "is it remote"


def test_case_folding_goes_beyond_lowercase():
    assert normalise("STRASSE") == normalise("Straße") == "strasse"


def test_accented_latin_letters_meet_the_faq_s_plain_words():
    assert normalise("Can I send my résumé? I'm in São Paulo") == normalise(
        "can i send my resume? i'm in sao paulo")


def test_emoji_used_as_words_read_as_those_words():
    assert normalise("💰? 🏠 ok? need a 🎓") == "money home ok need a degree"


def test_dollar_signs_read_as_money_but_an_amount_stays_a_number():
    assert normalise("$$?") == "money"
    assert normalise("is it $$$ or unpaid") == "is it money or unpaid"
    assert normalise("do i pay $200 to join") == "do i pay 200 to join"


def test_other_scripts_keep_their_letters():
    assert normalise("한국어 질문") == "한국어 질문"


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"],
    ids=["zero-width-space", "zwnj", "zwj", "word-joiner", "bom"],
)
def test_zero_width_characters_inside_a_word_are_removed(invisible):
    assert normalise(f"is it re{invisible}mote") == "is it remote"


@pytest.mark.parametrize(
    "mark",
    ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202e", "\u2066", "\u2067", "\u2069"],
    ids=["lrm", "rlm", "lre", "rle", "pdf", "rlo", "lri", "rli", "pdi"],
)
def test_bidi_controls_are_removed(mark):
    assert normalise(f"is it {mark}remote{mark}") == "is it remote"


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\t", "\r\n", "\u2028"])
def test_control_characters_separate_words_like_spaces(control):
    assert normalise(f"is it{control}remote") == "is it remote"


def test_a_message_of_only_invisible_and_control_characters_is_empty():
    assert normalise("\u200b\u200f\x00\x07\ufeff") == ""


def test_runs_of_whitespace_become_single_spaces():
    assert normalise("  is   it\n\n remote  ") == "is it remote"


# --- contractions and chat spellings -------------------------------------------------------


@pytest.mark.parametrize(
    ("contraction", "expanded"),
    [
        ("can't", "can not"),
        ("don't", "do not"),
        ("won't", "will not"),
        ("I'm", "i am"),
        ("I've", "i have"),
        ("you're", "you are"),
        ("I'll", "i will"),
    ],
)
def test_contractions_are_expanded(contraction, expanded):
    assert normalise(contraction) == expanded


def test_curly_apostrophes_expand_like_straight_ones():
    assert normalise("I’m sure I can’t") == normalise("I'm sure I can't") == "i am sure i can not"


def test_cannot_and_can_t_meet_the_same_words():
    assert normalise("cannot") == normalise("can't") == normalise("cant") == "can not"


@pytest.mark.parametrize(
    ("chat", "expanded"),
    [
        ("dont", "do not"),
        ("im", "i am"),
        ("u", "you"),
        ("ur", "your"),
        ("pls", "please"),
        ("wanna", "want to"),
        ("yrs", "years"),
        ("hrs", "hours"),
        ("wk", "week"),
        ("pt", "part time"),
    ],
)
def test_chat_spellings_are_expanded(chat, expanded):
    assert normalise(chat) == expanded


def test_chat_spellings_expand_inside_a_sentence():
    assert normalise("dont u need a degree") == "do not you need a degree"


def test_chat_spelling_is_only_expanded_as_a_whole_word():
    assert normalise("umbrella") == "umbrella"


@pytest.mark.parametrize(("text", "expected"), [
    ("can i do it w/o relocating?", "can i do it without relocating"),  # not "with o"
    ("part time w/ a day job", "part time with a day job"),
    ("b/c of my kids", "because of my kids"),
    ("TL;DR of the residency?", "tldr of the residency"),
    ("tl dr pls", "tldr please"),
])
def test_shorthand_written_with_punctuation_keeps_its_meaning(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize("text", ["is that a no-go?", "is that a no go?", "is that a nogo?"])
def test_no_go_only_frames_the_question(text):
    assert normalise(text) == "is that a"


def test_words_that_merely_contain_shorthand_letters_are_left_alone():
    assert normalise("a title b/cd") == "a title b cd"
    assert normalise("w/out a degree") == "without a degree"


# --- punctuation and repeated letters ------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("20h/week ok?", "20 hours week ok"),
    ("6mo or 1yr?", "6 months or 1 years"),
    ("9months", "9 months"),
    ("im in my 50s", "i am in my 50"),
])
def test_a_number_glued_to_its_unit_is_split(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize("text", ["100k", "401k", "2nd", "3am", "7b", "3d"])
def test_a_number_glued_to_anything_else_stays_one_word(text):
    assert normalise(text) == text


def test_punctuation_is_removed():
    assert normalise("is it remote?!?...") == "is it remote"


def test_hyphens_and_underscores_split_words():
    assert normalise("part-time") == normalise("part_time") == "part time"


def test_emoji_do_not_become_words():
    assert normalise("is it remote 🤔🙏") == "is it remote"


def test_drawn_out_letters_read_the_same_however_long():
    assert normalise("soooo") == normalise("sooooooooooo") == normalise("sooo")


def test_drawn_out_letters_are_cut_to_two():
    assert normalise("soooo remoooote") == "soo remoote"


def test_a_double_letter_is_kept():
    assert normalise("good fee") == "good fee"


def test_repeated_digits_are_kept():
    assert normalise("1000 hours") == "1000 hours"


# --- Discord markup ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mention",
    ["<@123456789012345678>", "<@!123456789012345678>", "<@&123456789012345678>"],
    ids=["user", "nickname", "role"],
)
def test_mentions_are_removed(mention):
    assert normalise(f"{mention} is it remote") == "is it remote"


def test_channel_links_are_removed():
    assert normalise("see <#123456789012345678> is it remote") == "see is it remote"


@pytest.mark.parametrize("emoji", ["<:hf:123456789012345678>", "<a:hf:123456789012345678>"])
def test_custom_emoji_are_removed(emoji):
    assert normalise(f"is it remote {emoji}") == "is it remote"


@pytest.mark.parametrize("ping", ["@everyone", "@here", "@Everyone"])
def test_mass_pings_are_removed(ping):
    assert normalise(f"{ping} is it remote") == "is it remote"


@pytest.mark.parametrize(
    "link", ["https://huggingface.co/blog/residency", "http://example.org/a?b=1&c=2#x"]
)
def test_links_are_removed(link):
    assert normalise(f"is it remote {link} thanks") == "is it remote thanks"


# --- the length cap ------------------------------------------------------------------------


def test_a_code_block_is_not_read_as_the_member_s_words():
    pasted = "is it remote?\n```py\nfrom transformers import pipeline\nprint('hi')\n```"
    assert normalise(pasted) == normalise("is it remote?")
    assert normalise("``` error: 403 ``` is it remote? ```log```") == "is it remote"


def test_an_unclosed_code_fence_keeps_its_words():
    assert normalise("```is it remote") == "is it remote"


def test_a_4000_character_message_normalises_to_at_most_the_cap():
    message = (PROSE * 60)[:3960] + " so is it remote?"
    assert len(message) >= 3_970
    assert len(normalise(message)) <= CAP


def test_a_4000_character_word_normalises_to_at_most_the_cap():
    assert len(normalise("ab" * 2_000)) <= CAP


def test_a_short_message_is_not_cut():
    message = PROSE * 3 + "so is it remote?"
    assert normalise(message).endswith("so is it remote")


def test_a_4000_character_message_keeps_its_head():
    message = "Hello team, quick one. " + PROSE * 50 + "So: is it remote?"
    assert normalise(message).startswith("hello team quick one")


def test_a_4000_character_message_keeps_its_tail():
    message = "Hello team, quick one. " + PROSE * 50 + "So: is it remote?"
    assert normalise(message).endswith("so is it remote")


def test_characters_that_expand_under_nfkc_still_fit_the_cap():
    assert len(normalise("ﬃ" * 4_000)) <= CAP
