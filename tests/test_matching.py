"""Which entry a member's question reaches, or why the bot declines (bot/matching.py).

Questions go through the shipped FAQ with the configured thresholds, as members see it.
The matcher's scores are being tuned, so these tests assert decisions, never scores.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.evaluation import load_cases
from bot.knowledge import Knowledge, load_faq
from bot.matching import Candidate, Decision, EntryText, Match, Matcher, Thresholds
from bot.normalise import MAX_HEAD_CHARS, MAX_TAIL_CHARS, MAX_WORDS, normalise
from bot.settings import load_settings
from bot.words import Subject, head_words

ROOT = Path(__file__).resolve().parent.parent
CAP = MAX_HEAD_CHARS + MAX_TAIL_CHARS + 1


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    thresholds = load_settings(ROOT / "config" / "bot.yaml").matching.thresholds()
    result = load_faq(ROOT / "data" / "faqs.yaml", thresholds, check_confusion=False)
    assert result.knowledge is not None
    return result.knowledge


@pytest.fixture(scope="module")
def matcher(knowledge) -> Matcher:
    return knowledge.matcher


def best_entries(knowledge: Knowledge, question: str) -> tuple[Candidate, ...]:
    """The three FAQ entries the matcher ranks highest for the question."""
    ranked = knowledge.matcher.rank(question)
    return tuple(c for c in ranked if knowledge.entry(c.id) is not None)[:3]


# --- plain-words questions reach the right entry -------------------------------------------

# Written as a stranger would ask, not copied from the FAQ's aliases (except the three
# examples quoted in the issue).
STRANGER_QUESTIONS = [
    ("do I have to move to Paris?", "relocation"),
    ("prt time option?", "part-time"),
    ("is there a fee?", "fees"),
    ("What exactly is this residency?", "about"),
    ("How many months does the residency run?", "duration"),
    ("Can I publish papers during the program?", "research-work"),
    ("Is this good prep for a PhD?", "ideal-candidate"),
    ("I left university 6 years ago, am I still eligible?", "out-of-school"),
    ("I'm a woman of color, am I encouraged to apply?", "diversity"),
    ("Where do I submit my application?", "how-to-apply"),
    ("Is linear algebra needed to get in?", "requirements"),
    ("Does climate work count as AI for good?", "ai-for-good"),
    ("Does HF discriminate based on age?", "equal-opportunity"),
    ("are residents paid a salary", "salary"),
    ("Is the salary any good?", "salary"),
    ("Can I do it only 2 days a week?", "part-time"),
    ("Could I keep working at my current company while being a resident?",
     "concurrent-obligations"),
    ("are residents covered by health insurance", "benefits"),
    ("Do I pay anything to take part?", "fees"),
    ("Is there a charge to participate?", "fees"),
    ("Can I do this from my home country?", "relocation"),
    ("Who posted about the residency originally?", "announcement"),
    ("Will I need to move abroad for this?", "relocation"),
    ("can i do 20 hrs a wk", "part-time"),
    ("where do i send my résumé?", "how-to-apply"),
    ("💰 for residents?", "salary"),
    ("$$?", "salary"),
]


@pytest.mark.parametrize(("question", "entry_id"), STRANGER_QUESTIONS)
def test_plain_words_question_is_answered_with_the_right_entry(matcher, question, entry_id):
    match = matcher.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)


def test_a_word_two_entries_share_never_turns_into_the_wrong_answer(matcher):
    # "pay" is the salary ("what is the pay?") and a fee ("do I have to pay anything?").
    match = matcher.match("what is the pay?")
    assert match.entry_id in (None, "salary")
    assert match.candidates[0].id == "salary"


# From the stranger-written tuning sets: each was declined while "whether", "honestly" or
# "literally" counted as an unknown topic word, as heavy as "visa".
@pytest.mark.parametrize(("question", "entry_id"), [
    ("I use a wheelchair and have a visual impairment. Will my disability affect whether I "
     "get picked?", "equal-opportunity"),
    ("I have rent and a kid, I literally cannot do an unpaid thing for 9 months. Before I "
     "spend a weekend on the application, can someone confirm residents actually get "
     "compensated?", "salary"),
    # heldout22: "during" was a topic word in eight entries' texts; relocation was not even
    # among the closest three.
    ("Can I work from home during the residency?", "relocation"),
])
def test_chat_framing_and_function_words_do_not_count_as_topics(matcher, question, entry_id):
    match = matcher.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)


def test_no_typo_is_corrected_into_a_framing_word(matcher):
    # Read as "though" (a function word), "tough" would vanish and leave "is the residency":
    # answered with 'about', confidently and wrongly.
    assert matcher.match("is the residency tough").decision is not Decision.ANSWER


@pytest.mark.parametrize(("question", "entry_id"), [
    ("do i have to work for free", "salary"),  # 'fees' ("is it free to apply") is close
    ("whats the salary", "salary"),  # the not-covered 'salary-figure' topic is close
    ("do i need to be in the office", "relocation"),  # the 'offices' topic is close
])
def test_a_question_that_is_one_of_an_entrys_phrasings_gets_that_entry(
    matcher, question, entry_id
):
    match = matcher.match(question)
    assert (match.decision, match.entry_id, match.confidence) == (Decision.ANSWER, entry_id, 1.0)
    # In other words it is a close call, which is why the exact phrasing has to decide.
    assert matcher.rank(question, exact_phrasings=False)[0].score < 0.7


def test_character_trigrams_settle_what_whole_words_leave_to_the_wrong_entry(matcher):
    # Scored on whole words alone (Weights.trigrams = 0), this was answered with 'benefits'.
    match = matcher.match("what should my application include?")
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "how-to-apply")


@pytest.mark.parametrize("question", [
    "20 hrs a week max, would that work or is it a no go",
    "can i do just 3 days a week or is that a no-go",
    "only weekends possible, or is that a no go for the residency?",
])
def test_no_go_does_not_send_a_schedule_question_to_relocation(matcher, question):
    # Read word by word, "go" matched "is there an office I need to go to".
    assert matcher.match(question).entry_id == "part-time"


# --- greetings, thanks and off-topic questions decline -------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "hi",
        "hello!",
        "hey everyone!",
        "thanks!",
        "thank you",
        "ok thanks",
        "how are you",
        "how do I fine-tune bert",
        "how do I load a dataset with the datasets library",
        "what GPU should I buy",
        "my cat is sick",
        "lol",
        "good morning everyone",
        "thank you so much",
        "cool thanks",
    ],
)
def test_greetings_thanks_and_off_topic_messages_decline(matcher, message):
    assert matcher.match(message).decision is Decision.DECLINE


@pytest.mark.parametrize(
    "question",
    ["what is the application deadline?", "do you sponsor visas?", "when does it start?"],
)
def test_questions_the_announcement_does_not_answer_decline(matcher, question):
    assert matcher.match(question).decision is Decision.DECLINE


@pytest.mark.parametrize("message", ["", "   ", "?!?", "🤗", "<@123456789012345678>"])
def test_messages_without_words_decline(matcher, message):
    match = matcher.match(message)
    assert match == Match(Decision.DECLINE, None, 0.0, ())


def test_every_entry_answers_its_own_question(knowledge):
    """A new alias must not pull an entry's own question to another entry."""
    for entry in knowledge.faq.entries:
        match = knowledge.matcher.match(entry.question)
        assert (match.decision, match.entry_id) == (Decision.ANSWER, entry.id), match


@pytest.mark.parametrize(("question", "entry_id"), [
    ("who is this for?", "ideal-candidate"),  # every word a function word
    ("Who is it for", "ideal-candidate"),
])
def test_a_question_of_function_words_only_is_answered_by_its_closest_phrasing(
    matcher, question, entry_id
):
    match = matcher.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)


@pytest.mark.parametrize("message", ["what about you?", "how do i", "is it?", "and then what"])
def test_function_words_far_from_every_phrasing_decline(matcher, message):
    assert matcher.match(message).decision is Decision.DECLINE


# --- a single shared common word decides nothing (the WRatio trap) -------------------------


@pytest.mark.parametrize("word", ["my", "i", "I", "the", "is", "what", "can i", "i my"])
def test_a_lone_common_word_declines(matcher, word):
    assert matcher.match(word).decision is Decision.DECLINE


def test_a_lone_common_word_suggests_no_entries(matcher):
    assert matcher.match("my").candidates == ()


# --- candidates ----------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["is it remote?", "is there a fee?", "is it paid or not"])
def test_candidates_are_at_most_three_best_first(matcher, question):
    candidates = matcher.match(question).candidates
    scores = [c.score for c in candidates]
    assert 1 <= len(candidates) <= 3
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("question", ["how do I tune my guitar", "sourdough??"])
def test_off_topic_question_sharing_no_topic_word_has_no_candidates(matcher, question):
    match = matcher.match(question)
    assert match.decision is Decision.DECLINE
    assert match.candidates == ()


def test_candidates_of_an_answer_are_the_three_best_ranked_entries(knowledge):
    question = "could i do the residency remotely from my home country"
    match = knowledge.matcher.match(question)
    assert match.decision is Decision.ANSWER
    assert match.candidates == best_entries(knowledge, question)


def test_candidates_of_a_question_met_word_for_word_are_scored_without_the_classifier(
        knowledge):
    # "is it remote?" is one of relocation's phrasings and nothing else comes near, so the
    # classifier is not asked: the other candidates' scores have no share of it.
    match = knowledge.matcher.match("is it remote?")
    assert (match.decision, match.entry_id, match.confidence) == (
        Decision.ANSWER, "relocation", 1.0)
    ranked = {c.id: c.score for c in knowledge.matcher.rank("is it remote?")}
    assert match.candidates[0] == Candidate("relocation", 1.0)
    assert all(c.score <= ranked[c.id] for c in match.candidates[1:])
    assert any(c.score < ranked[c.id] for c in match.candidates[1:])


def test_answered_entry_is_the_first_candidate(matcher):
    match = matcher.match("is there a fee?")
    assert match.candidates[0].id == match.entry_id == "fees"


def test_candidates_of_a_decline_are_the_three_best_ranked_entries(knowledge):
    match = knowledge.matcher.match("how do I fine-tune bert")
    assert match.decision is Decision.DECLINE
    assert match.candidates == best_entries(knowledge, "how do I fine-tune bert")


@pytest.mark.parametrize(
    "question",
    ["what is the application deadline?", "do you sponsor visas?", "how do I fine-tune bert",
     "is it remote?", "what is the pay?"],
)
def test_candidates_are_always_faq_entries(knowledge, question):
    ids = [c.id for c in knowledge.matcher.match(question).candidates]
    assert all(knowledge.entry(i) is not None for i in ids), ids


SAMPLE_QUESTIONS = ["is it remote?", "is there a fee?", "what is the pay?", "hi", "parttime?",
                    "how do I fine-tune bert", "Is this good prep for a PhD?", "lol"]


@pytest.mark.parametrize("question", SAMPLE_QUESTIONS)
def test_confidence_is_between_0_and_1(matcher, question):
    assert 0.0 <= matcher.match(question).confidence <= 1.0


# --- determinism ---------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["is it remote?", "good morning everyone", "what GPU"])
def test_same_question_twice_gives_the_same_match(matcher, question):
    assert matcher.match(question) == matcher.match(question)


def test_a_freshly_built_matcher_gives_the_same_match():
    first = load_faq(ROOT / "data" / "faqs.yaml", check_confusion=False).knowledge
    second = load_faq(ROOT / "data" / "faqs.yaml", check_confusion=False).knowledge
    assert first is not None and second is not None
    for question in SAMPLE_QUESTIONS:
        assert first.matcher.match(question) == second.matcher.match(question)


# --- typos, glued words, invisible characters ----------------------------------------------


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("is it remot", "relocation"),
        ("any benfits", "benefits"),
        ("requirments?", "requirements"),
    ],
)
def test_typos_are_corrected(matcher, question, entry_id):
    match = matcher.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)


def test_a_typo_as_close_to_two_words_is_read_as_the_commoner_one():
    # "wil" is as close to "will" as to "wild" (fuzz.ratio 85.7 each). Taken for "wild" (the
    # first of the two in A-Z order), it made "wil they pay me" a question about wild cards.
    matcher = Matcher([
        EntryText("remote", ["will it be remote", "will i work from home", "will i have to move"]),
        EntryText("wildcard", ["is there a wildcard entry", "a wild card round"]),
        EntryText("salary", ["will they pay me", "will i be paid", "is it paid"]),
    ])
    for question, entry_id in (("wil they pay me", "salary"), ("wil it be remote", "remote")):
        match = matcher.match(question)
        assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)
        assert [c.id for c in match.candidates] == [entry_id]


def test_the_programme_named_in_full_counts_as_its_head_word():
    # "Hugging Face" is rare in the entries' texts and "about" says what the "AI Research
    # Residency" is, so naming the programme in full outweighed what was asked of it.
    entries = [
        EntryText("about", ["what is the hugging face ai research residency",
                            "tell me about the residency program"]),
        EntryText("duration", ["how long is the residency", "how many months does it last"]),
        EntryText("employer", ["is hugging face an equal opportunity employer"]),
        EntryText("remote", ["is the residency remote", "do i have to move"]),
    ]
    named = Matcher(entries, subject="Hugging Face AI Research Residency Program")
    unnamed = Matcher(entries)
    in_full = "How long is the Hugging Face AI Research Residency?"
    assert unnamed.match(in_full).entry_id != "duration"  # the name outweighs the question
    for question, entry_id in ((in_full, "duration"), ("is the HF residency remote?", "remote"),
                               ("how long is the huggingface residency program", "duration")):
        match = named.match(question)
        assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)
    # "Hugging Face" without the residency keeps its meaning.
    match = named.match("Is Hugging Face an equal opportunity employer?")
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "employer")


def test_a_mention_of_the_programme_is_two_words_of_its_name_in_a_row_with_a_head_word():
    name = "hugging face ai research residency program".split()
    texts = [["how", "long", "is", "the", "residency"], ["is", "hugging", "face", "hiring"],
             ["is", "the", "residency", "program", "paid"]]
    # Used by more than half of the entries: "residency" (2 of 3); "hugging" (1 of 3) is not.
    assert head_words(name, texts) == ["residency"]
    subject = Subject(name, ["residency", "program"])
    assert subject.mentioned("is the hf ai residency paid".split()) == [
        "is", "the", "residency", "paid"]
    assert subject.mentioned("the residency program".split()) == ["the", "program"]
    for words in ("is hugging face hiring", "ai for good", "the residency", "hugging hugging"):
        assert subject.mentioned(words.split()) == words.split()


@pytest.mark.parametrize(("question", "entry_id"), [
    ("How long is the Hugging Face residency?", "duration"),  # stranger22: the name in full
    ("Is the Hugging Face residency remote?", "relocation"),
    ("Is Hugging Face an equal opportunity employer?", "equal-opportunity"),
])
def test_questions_naming_the_programme_reach_their_entry(matcher, question, entry_id):
    match = matcher.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)


def test_a_shortened_word_is_read_as_the_faq_word_it_begins():
    matcher = Matcher([
        EntryText("relocation", ["do i have to relocate", "is relocation required"]),
        EntryText("fees", ["is a fee required", "do i have to pay a fee"]),
        EntryText("salary", ["is the residency paid", "what is the compensation"]),
        EntryText("length", ["how long does the residency last", "when is it completed"]),
    ])
    # Read as "relocation" (without it, "required" alone: declined, relocation offered).
    match = matcher.match("relo required?")
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "relocation")
    # "comp" begins "compensation" and "completed", each used once: no guess, and with no
    # other topic word the question is declined.
    match = matcher.match("comp?")
    assert match.decision is Decision.DECLINE and not match.candidates


@pytest.mark.parametrize(("question", "entry_id"), [
    ("relo required?", "relocation"),  # heldout17: HR shorthand
    ("cuánto dura la residencia?", "duration"),  # heldout21: "dura" begins "duration"
    ("duration? 6mo, 1y?", "duration"),  # heldout17: a number glued to its unit
])
def test_shortened_and_glued_words_in_members_questions_reach_their_entry(
        matcher, question, entry_id):
    match = matcher.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)


@pytest.mark.parametrize(("question", "entry_id"), [
    ("is ther a salray", "salary"),
    ("relocaton needed?", "relocation"),
])
def test_a_question_just_under_the_bar_is_declined_with_its_entry_offered(
        matcher, question, entry_id):
    # Answered at stop 13; since stop 14's higher threshold (BENCHMARKS.md) two typos leave
    # the first just under it; the other since stop 20's thresholds, chosen with the
    # classifier's share in the score. The decline still offers the entry. ("insurence?",
    # here from stop 20, is answered again since stop 22's members' questions.)
    match = matcher.match(question)
    assert match.decision is Decision.DECLINE
    assert match.related is not None and match.related.id == entry_id


@pytest.mark.parametrize(("question", "entry_id"), [
    ("slary??", "salary"),
    ("relocaton?", "relocation"),
])
def test_entries_off_topic_questions_rarely_reach_are_answered_from_a_lower_score(
        matcher, question, entry_id):
    # Both score under the usual bar of 0.55; config/bot.yaml's entry offsets lower the
    # bar for these entries (chosen by bench/crossfit.py, BENCHMARKS.md).
    match = matcher.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)
    assert match.confidence < matcher.thresholds.answer


@pytest.mark.parametrize("question", ["parttime?", "can i do it parttime", "is it fulltime"])
def test_glued_words_are_split(matcher, question):
    match = matcher.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "part-time")


@pytest.mark.parametrize(
    ("hidden", "plain"),
    [
        ("is it re\u200bmote", "is it remote"),
        ("sal\u200dary?", "salary?"),
        ("do i need lin\u2060ear alge\ufeffbra", "do i need linear algebra"),
        ("is there a \u202efee\u202c?", "is there a fee?"),
    ],
)
def test_zero_width_characters_inside_words_do_not_change_the_answer(matcher, hidden, plain):
    assert matcher.match(hidden) == matcher.match(plain)
    assert matcher.match(hidden).decision is Decision.ANSWER


# --- long messages -------------------------------------------------------------------------

STORY = "I have been reading about machine learning for a long while and I really enjoy it. "


@pytest.mark.parametrize(("message", "entry_id"), [
    ("is it remote ```pip install transformers datasets```", "relocation"),
    ("remote?\n```\nImportError: cannot import name pipeline from transformers\n```", "relocation"),
    ("is it paid ```py\nimport torch\nmodel.train()\n```", "salary"),
])
def test_a_question_beside_a_pasted_code_block_is_answered(matcher, message, entry_id):
    # The code's words ("transformers", "import", "model") pulled these towards library
    # help, which the FAQ does not cover, and they were declined.
    match = matcher.match(message)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)


def test_question_after_4000_characters_of_symbols_is_answered(matcher):
    message = "=" * 3_980 + " do I have to relocate?"
    match = matcher.match(message)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "relocation")


def test_a_flood_of_never_seen_words_keeps_the_word_caches_bounded(monkeypatch):
    import bot.matching
    import bot.normalise

    monkeypatch.setattr(bot.matching, "WORD_CACHE_LIMIT", 40)
    monkeypatch.setattr(bot.normalise, "WORD_CACHE_LIMIT", 40)
    matcher = Matcher([EntryText("remote", ["can i work remotely", "is it remote"]),
                       EntryText("fees", ["is there an application fee", "is it free"])])
    for n in range(300):  # every question brings words no cache has seen
        question = f"is it remote or is there a fee zq{n}a zq{n}b zq{n}c"
        assert matcher.match(question).candidates  # still answered normally meanwhile
    trigrams = matcher._trigrams
    assert sum(len(cache) for cache in trigrams._dots) <= 40
    assert len(trigrams._squares) <= 40 and len(matcher._cache) <= 40
    assert len(bot.matching._WORD_TRIGRAMS) <= 40 and len(bot.normalise._WORD_FORMS) <= 40


def test_many_different_function_words_keep_their_cache_bounded(monkeypatch):
    import bot.matching
    from bot.words import STOPWORDS

    monkeypatch.setattr(bot.matching, "FUNCTION_SUMS_LIMIT", 40)
    matcher = Matcher([EntryText("remote", ["can i work remotely", "is it remote"]),
                       EntryText("fees", ["is there an application fee", "is it free"])])
    before = matcher.match("is it remote")
    words = sorted(w for w in STOPWORDS if w.isalpha())[:30]
    for first in words:  # 900 combinations of function words, each new to the cache
        for second in words:
            assert matcher.match(f"remote {first} {second} fee").candidates
    assert matcher._cached_function_sums <= 40
    assert sum(len(dots) for dots, _ in matcher._function_sums.values()) <= 40
    assert matcher.match("is it remote") == before  # the same answer after the clearing


def test_question_at_the_end_of_a_4000_character_message_is_answered(matcher):
    message = "blah " * 790 + "do I have to relocate?"
    match = matcher.match(message)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "relocation")


@pytest.mark.parametrize(
    "message",
    [STORY * 48 + "so is it remote?", "blah " * 790 + "do I have to relocate?",
     "ab" * 2_000, STORY * 480],
    ids=["story", "blah", "one-word", "40k-story"],
)
def test_a_long_message_costs_no_more_than_a_short_one(message):
    # The matcher's work is proportional to the normalised text: cap it, and the cost is
    # that of a 600-character message whatever the member pastes.
    assert len(message) >= 3_900
    words = normalise(message)
    assert len(words) <= CAP
    assert len(words.split()) <= MAX_WORDS


# --- decide(): answer, suggest or decline --------------------------------------------------

THRESHOLDS = Thresholds(answer=0.6, margin=0.1, suggest=0.4, suggest_window=0.15)


def decide(*scored: tuple[str, float], thresholds: Thresholds = THRESHOLDS) -> Match:
    matcher = Matcher([EntryText("fees", ["is there a fee"])], thresholds)
    return matcher.decide([Candidate(entry_id, score) for entry_id, score in scored])


def test_good_score_clearly_ahead_is_answered():
    match = decide(("fees", 0.9), ("salary", 0.5))
    assert (match.decision, match.entry_id, match.confidence) == (Decision.ANSWER, "fees", 0.9)


def test_lone_good_candidate_is_answered():
    assert decide(("fees", 0.7)).entry_id == "fees"


def test_score_exactly_at_the_answer_threshold_is_answered():
    assert decide(("fees", 0.6), ("salary", 0.3)).decision is Decision.ANSWER


def test_two_good_candidates_too_close_to_call_are_suggested():
    match = decide(("fees", 0.9), ("salary", 0.85), ("benefits", 0.2))
    assert match.decision is Decision.SUGGEST
    assert match.entry_id is None
    assert [c.id for c in match.candidates][:2] == ["fees", "salary"]


def test_middling_score_with_a_close_rival_is_suggested_not_answered():
    match = decide(("fees", 0.5), ("salary", 0.45))
    assert match.decision is Decision.SUGGEST
    assert [c.id for c in match.choices] == ["fees", "salary"]


def test_middling_score_with_no_close_rival_is_answered():
    # "Too close to call" needs two close entries; a lone one is not a choice to offer.
    match = decide(("fees", 0.5), ("salary", 0.2))
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "fees")


def test_a_rival_just_under_the_suggest_threshold_still_makes_it_a_choice():
    # 0.45 against 0.38 is too close to call, though 0.38 is under suggest (0.4): raising
    # suggest must not turn such a coin flip into a confident answer.
    match = decide(("fees", 0.45), ("salary", 0.38))
    assert match.decision is Decision.SUGGEST
    assert [c.id for c in match.choices] == ["fees", "salary"]


def test_a_rival_under_the_related_threshold_does_not_block_an_answer():
    match = decide(("fees", 0.45), ("salary", 0.33))  # related defaults to 0.34
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "fees")


def test_suggestions_are_at_most_three():
    match = decide(("a", 0.9), ("b", 0.89), ("c", 0.88), ("d", 0.87), ("e", 0.86))
    assert match.decision is Decision.SUGGEST
    assert [c.id for c in match.candidates] == ["a", "b", "c"]


def test_suggestion_choices_are_the_entries_too_close_to_call():
    match = decide(("fees", 0.9), ("salary", 0.85), ("benefits", 0.2))
    assert [c.id for c in match.choices] == ["fees", "salary"]


def test_suggestion_choices_leave_out_entries_far_behind_the_best():
    match = decide(("fees", 0.58), ("salary", 0.55), ("benefits", 0.41))
    assert match.decision is Decision.SUGGEST
    assert [c.id for c in match.choices] == ["fees", "salary"]


def test_an_answer_offers_no_choices():
    assert decide(("fees", 0.9), ("salary", 0.5)).choices == ()


def test_runner_up_outside_the_suggest_window_does_not_block_an_answer():
    narrow = Thresholds(answer=0.6, margin=0.1, suggest=0.4, suggest_window=0.05)
    match = decide(("fees", 0.7), ("salary", 0.62), thresholds=narrow)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "fees")


def test_low_scores_decline():
    match = decide(("fees", 0.3), ("salary", 0.2))
    assert (match.decision, match.entry_id) == (Decision.DECLINE, None)


def test_no_candidates_decline_with_zero_confidence():
    assert decide() == Match(Decision.DECLINE, None, 0.0, ())


def test_decline_keeps_the_closest_entries_as_candidates():
    match = decide(("fees", 0.3), ("salary", 0.2), ("benefits", 0.1), ("about", 0.05))
    assert [c.id for c in match.candidates] == ["fees", "salary", "benefits"]


RELATED = Thresholds(answer=0.6, margin=0.1, suggest=0.5, suggest_window=0.15, related=0.3)


def test_a_decline_names_a_close_entry_as_related_but_answers_nothing():
    match = decide(("fees", 0.45), ("salary", 0.2), thresholds=RELATED)
    assert (match.decision, match.entry_id, match.choices) == (Decision.DECLINE, None, ())
    assert match.related == Candidate("fees", 0.45)


def test_a_decline_far_from_every_entry_names_no_related_entry():
    assert decide(("fees", 0.25), thresholds=RELATED).related is None


def test_no_related_entry_when_a_not_covered_topic_is_closer():
    loose = Thresholds(answer=0.99, margin=0.1, suggest=0.99, suggest_window=0.15, related=0.0,
                       classifier_alone=1.01, classifier_agree=1.01)  # the matcher alone
    matcher = Matcher([EntryText("how-to-apply", ["how do i apply", "where do i apply"]),
                       EntryText("~deadline", ["when is the deadline to apply"], declines=True)],
                      loose)
    related = matcher.match("where should i apply").related
    assert related is not None and related.id == "how-to-apply"
    declined = matcher.match("when is the deadline to apply?")
    assert declined.decision is Decision.DECLINE and declined.related is None


def test_a_question_filed_under_a_not_covered_topic_is_declined_word_for_word_only():
    # A moderator files a member's question under a not-covered topic's ``asked``: asked
    # again, it is declined (the classifier's rules off here); it lends the topic
    # none of its words, so a question that shares them is not pulled towards the topic.
    alone = Thresholds(classifier_alone=1.01, classifier_agree=1.01, classifier_veto=1.01)
    matcher = Matcher([EntryText("how-to-apply", ["how do i apply", "where do i apply"]),
                       EntryText("~other", ["what is the weather like"], declines=True,
                                 asked=["where do i apply for a visa to visit Paris?"])],
                      alone)
    declined = matcher.match("Where do I apply for a VISA to visit paris")
    assert (declined.decision, declined.related) == (Decision.DECLINE, None)
    assert [c.id for c in matcher.rank("where do i apply to this residency")] == ["how-to-apply"]


OFFSETS = Thresholds(answer=0.6, margin=0.1, suggest=0.4, suggest_window=0.15,
                     entry_offsets={"fees": 0.1, "salary": -0.1})


def test_an_entry_offset_raises_the_bar_for_that_entry_only():
    # Alone, an entry is answered from suggest (0.4) up; fees needs 0.5.
    assert decide(("fees", 0.45), thresholds=OFFSETS).decision is Decision.DECLINE
    assert decide(("fees", 0.55), thresholds=OFFSETS).entry_id == "fees"
    assert decide(("benefits", 0.45), thresholds=OFFSETS).entry_id == "benefits"


def test_an_entry_offset_lowers_the_bar_for_that_entry_only():
    assert decide(("salary", 0.35), thresholds=OFFSETS).entry_id == "salary"
    assert decide(("benefits", 0.35), thresholds=OFFSETS).decision is Decision.DECLINE
    below = decide(("salary", 0.29), thresholds=OFFSETS)  # under its suggest, 0.4 - 0.1
    assert (below.decision, below.entry_id) == (Decision.DECLINE, None)


def test_the_best_entrys_offset_decides_not_the_runner_ups():
    # salary's lower bar does not let fees, ahead of it, be answered under fees' own bar.
    match = decide(("fees", 0.45), ("salary", 0.3), thresholds=OFFSETS)
    assert (match.decision, match.entry_id) == (Decision.DECLINE, None)


def test_a_not_covered_topic_ahead_declines_even_under_the_usual_bar():
    # how-to-apply's lowered bar would answer "what is the deadline to apply?" on its own;
    # the closer not-covered topic still declines it, and shows no related entry.
    low = Thresholds(answer=0.99, margin=0.1, suggest=0.99, suggest_window=0.15,
                     related=0.0, entry_offsets={"how-to-apply": -0.9})
    matcher = Matcher([EntryText("how-to-apply", ["how do i apply", "where do i apply"]),
                       EntryText("~deadline", ["when is the deadline to apply"], declines=True)],
                      low)
    ranked = matcher.rank("what is the deadline to apply?")
    assert ranked[0].id == "~deadline" and ranked[0].score < 0.99
    assert matcher.decide([c for c in ranked if c.id == "how-to-apply"]).entry_id == \
        "how-to-apply"
    declined = matcher.decide_ranked(ranked)
    assert (declined.decision, declined.related) == (Decision.DECLINE, None)


def test_candidates_of_a_suggestion_are_the_three_closest_entries():
    match = decide(("fees", 0.58), ("salary", 0.55), ("benefits", 0.2))
    assert match.decision is Decision.SUGGEST
    assert [c.id for c in match.candidates] == ["fees", "salary", "benefits"]


def test_thresholds_change_the_decision():
    strict = Thresholds(answer=0.95, margin=0.1, suggest=0.4, suggest_window=0.15)
    assert decide(("fees", 0.9), ("salary", 0.8), thresholds=strict).decision is Decision.SUGGEST


# --- members' own questions (``asked``) ------------------------------------------------------

ASKED = [
    EntryText("remote", ["can i work remotely", "is it remote"],
              asked=["my landlord wont let me sublet so i cant leave lisbon, is that a problem"]),
    EntryText("fees", ["is there an application fee", "is it free"],
              asked=["do i owe tuition"]),
]


def test_a_members_question_asked_again_word_for_word_is_answered_with_its_entry():
    match = Matcher(ASKED).match("do I owe tuition?")
    assert (match.decision, match.entry_id, match.confidence) == (Decision.ANSWER, "fees", 1.0)


def test_a_members_question_lends_its_words_to_its_entry():
    # Neither "tuition" nor "sublet" is in a moderator's phrasing.
    with_asked, without = Matcher(ASKED), Matcher([EntryText(e.id, e.phrasings) for e in ASKED])
    assert with_asked.match("tuition??").candidates[0].id == "fees"
    assert without.match("tuition??").candidates == ()
    assert with_asked.match("can i sublet and leave lisbon").candidates[0].id == "remote"


# --- large FAQs ---------------------------------------------------------------------------


COMMON_WORD_FAQ = [
    EntryText("reset", ["how do i reset my account password", "forgot my account password"]),
    EntryText("close", ["how do i close my account", "delete my account"]),
    EntryText("refund", ["how do i get a refund", "refund for my order"]),
    EntryText("email", ["change the email of my account", "update my account email"]),
    EntryText("refund-account", ["refund to my account balance", "account refund"]),
]


def scores_of(matcher: Matcher, question: str) -> dict[str, float]:
    return {c.id: c.score for c in matcher.rank(question)}


def test_a_word_in_very_many_entries_counts_only_where_rarer_words_reach(monkeypatch):
    # In a FAQ of thousands of entries, a word like "account" is in thousands of them;
    # walking them all for each question took 60 ms. Above COMMON_POSTINGS entries, it is
    # looked up only for the entries the question's rarer words reach, and adds to their
    # scores exactly what it added before.
    import bot.matching

    walked = Matcher(COMMON_WORD_FAQ)
    monkeypatch.setattr(bot.matching, "COMMON_POSTINGS", 3)  # "account": 4 entries
    looked_up = Matcher(COMMON_WORD_FAQ)
    assert set(looked_up._common) == {"account"}
    question = "how do i get a refund to my account"
    everywhere = scores_of(walked, question)
    assert set(everywhere) - {"refund", "refund-account"}  # reached by "account" alone
    only_rarer = scores_of(looked_up, question)
    assert set(only_rarer) == {"refund", "refund-account"}
    assert only_rarer == {entry: everywhere[entry] for entry in only_rarer}
    answered = looked_up.match(question)
    assert (answered.decision, answered.entry_id) == (Decision.ANSWER, "refund")
    assert (walked.match(question).decision, walked.match(question).entry_id) == (
        Decision.ANSWER, "refund")


def test_a_question_of_common_words_only_still_reaches_their_entries(monkeypatch):
    import bot.matching

    walked = Matcher(COMMON_WORD_FAQ)
    monkeypatch.setattr(bot.matching, "COMMON_POSTINGS", 3)
    looked_up = Matcher(COMMON_WORD_FAQ)
    assert scores_of(looked_up, "my account") == scores_of(walked, "my account")
    assert len(scores_of(looked_up, "my account")) >= 3


@pytest.mark.parametrize("question", ["pay?", "is it paid", "health plan", "fees",
                                      "do i have to move to paris for the residency",
                                      "relocaiton?", "can i keep my job while doing it"])
def test_short_phrasings_skipped_by_the_length_bound_change_no_score(
        monkeypatch, matcher, question):
    import bot.matching

    ranked = matcher.rank(question)
    monkeypatch.setattr(bot.matching, "SHORT_PHRASING", 0)  # every phrasing compared
    compared = load_faq(ROOT / "data" / "faqs.yaml", check_confusion=False).knowledge
    assert compared is not None
    assert compared.matcher.rank(question) == ranked


@pytest.mark.parametrize(("share", "margin"), [(0.10, 0.04), (0.40, 0.04), (0.10, 0.30)])
def test_a_question_met_word_for_word_gets_what_the_classifier_would_have_decided(share,
                                                                                  margin):
    # ``match`` skips the classifier when an entry is met word for word and no other comes
    # within the margin even with the classifier's whole share: the verdict must be the one
    # the full ranking and the classifier's opinion give, however large that share.
    thresholds = load_settings(ROOT / "config" / "bot.yaml").matching.thresholds()
    knowledge = load_faq(ROOT / "data" / "faqs.yaml", thresholds, check_confusion=False).knowledge
    assert knowledge is not None
    matcher = knowledge.matcher
    matcher.weights = replace(matcher.weights, classifier=share)
    matcher.thresholds = replace(matcher.thresholds, margin=margin)
    questions = [case.question for case in load_cases(ROOT / "tests" / "questions.yaml")]
    questions += [e.question for e in knowledge.faq.entries]
    skipped = 0
    for question in questions:
        ranked = matcher.rank(question)
        full = matcher.decide_ranked(ranked, matcher.opinion(question))
        fast = matcher.match(question)
        assert (fast.decision, fast.entry_id, fast.related, fast.choices) == (
            full.decision, full.entry_id, full.related, full.choices), question
        skipped += fast.candidates != full.candidates  # scores without the share: skipped
    assert skipped > 0


def test_the_classifier_is_skipped_only_where_its_whole_share_could_not_matter():
    matcher = Matcher([EntryText("fees", ("Is there a fee?",)),
                       EntryText("salary", ("Is it paid?",)),
                       EntryText("~visa", ("visa?",), declines=True)],
                      Thresholds(margin=0.04))
    share = matcher.weights.classifier  # 0.10: rivals must stay under 1 - 0.04 - 0.10
    assert share == pytest.approx(0.10)
    assert matcher._met_word_for_word({0: 1.0, 1: 0.8599})
    assert not matcher._met_word_for_word({0: 1.0, 1: 0.86})  # the share could close the gap
    assert not matcher._met_word_for_word({0: 1.0, 2: 0.87})  # a topic counts as a rival
    assert not matcher._met_word_for_word({0: 0.99, 1: 0.1})  # not word for word
    assert not matcher._met_word_for_word({2: 1.0, 0: 0.1})  # a topic: its decline decides
    assert not matcher._met_word_for_word({})
    # A bar raised past 1.0 (answer 0.55 + 0.5): no answer at 1.0, so the share can still
    # decide which entries are offered.
    matcher.thresholds = Thresholds(margin=0.04, suggest=0.5, entry_offsets={"fees": 0.5})
    assert not matcher._met_word_for_word({0: 1.0, 1: 0.1})
    assert matcher._met_word_for_word({1: 1.0, 0: 0.1})
