"""The classifier's second opinion (bot/classifier.py) and what it changes for members."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.classifier import Classifier, features
from bot.knowledge import load_faq
from bot.matching import CLASSIFIER_MAX_LABELS, NOT_COVERED, Candidate, Decision, EntryText, Matcher
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent

EXAMPLES = [
    [["is", "it", "paid"], ["do", "resid", "get", "a", "salari"], ["salari"]],
    [["is", "it", "remot"], ["do", "i", "have", "to", "reloc"], ["reloc", "to", "pari"]],
    [["what", "is", "the", "deadlin"], ["when", "do", "applic", "close"]],
]
WORDS = sorted({stem for texts in EXAMPLES for stems in texts for stem in stems} | {"zebra"})


def reference_probabilities(examples: list[list[list[str]]], stems: list[str]) -> list[float]:
    """Multinomial naive Bayes written out plainly (scikit-learn's formulas), to check the
    classifier's packed sums against."""
    documents = [(label, features(s)) for label, texts in enumerate(examples) for s in texts]
    total = len(documents)
    df = Counter(f for _, found in documents for f in found)
    idf = {f: math.log((1 + total) / (1 + d)) + 1 for f, d in df.items()}

    def vector(found: Counter[str]) -> dict[str, float]:
        v = {f: (1 + math.log(n)) * idf[f] for f, n in found.items() if f in idf}
        length = math.sqrt(sum(x * x for x in v.values()))
        return {f: x / length for f, x in v.items()}

    sums = [Counter[str]() for _ in examples]
    for label, found in documents:
        for f, x in vector(found).items():
            sums[label][f] += x
    question = vector(features(stems))
    scores = []
    for label, own in enumerate(sums):
        mass = sum(own.values()) + 0.1 * len(idf)
        prior = math.log(sum(1 for lab, _ in documents if lab == label) / total)
        scores.append(prior + sum(x * math.log((own[f] + 0.1) / mass)
                                  for f, x in question.items()))
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    return [e / sum(exps) for e in exps]


def test_a_question_goes_to_the_label_whose_words_it_uses():
    model = Classifier(EXAMPLES)
    found = model.opinion(["do", "i", "have", "to", "reloc", "to", "pari"])
    assert found is not None and found.label == 1 and found.probability > 0.6


def test_words_no_phrasing_has_give_no_opinion():
    assert Classifier(EXAMPLES).opinion(["zebra", "giraff"]) is None
    assert Classifier(EXAMPLES).opinion([]) is None
    assert Classifier([]).opinion(["salari"]) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=30))
def test_the_packed_sums_give_naive_bayes_own_probabilities(stems):
    found = Classifier(EXAMPLES).opinion(stems)
    known = [s for s in stems if s != "zebra"]
    if not known:
        assert found is None
        return
    expected = reference_probabilities(EXAMPLES, stems)
    assert found is not None
    assert found.probability == pytest.approx(max(expected), abs=1e-9)
    assert expected[found.label] == pytest.approx(max(expected), abs=1e-9)


# --- what members notice ------------------------------------------------------------------


def without_classifier(matcher: Matcher) -> Matcher:
    matcher.thresholds = replace(matcher.thresholds, classifier_alone=1.01,
                                 classifier_agree=1.01, classifier_veto=1.01)
    matcher.weights = replace(matcher.weights, classifier=0.0)
    return matcher


@pytest.fixture(scope="module")
def shipped() -> Matcher:
    thresholds = load_settings(ROOT / "config" / "bot.yaml").matching.thresholds()
    knowledge = load_faq(ROOT / "data" / "faqs.yaml", thresholds, check_confusion=False).knowledge
    assert knowledge is not None
    return knowledge.matcher


@pytest.fixture()
def fresh(shipped: Matcher) -> Iterator[Matcher]:
    """The shipped matcher, with the shipped thresholds and weights again after the test."""
    thresholds, weights = shipped.thresholds, shipped.weights
    yield shipped
    shipped.thresholds, shipped.weights = thresholds, weights


@pytest.mark.parametrize(("question", "entry_id"), [
    ("yo is this thing paid or nah", "salary"),
    ("how many months wud i be stuck there", "duration"),
    ("is there a lighter version for ppl with kids", "part-time"),
    ("ok how do i sign up", "how-to-apply"),
])
def test_the_classifier_answers_what_the_matcher_alone_finds_too_far(fresh, question,
                                                                      entry_id):
    match = fresh.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)
    assert match.entry_id == match.candidates[0].id  # the answer is among the closest
    alone = without_classifier(fresh).match(question)
    assert alone.decision is not Decision.ANSWER


@pytest.mark.parametrize(("question", "entry_id", "ahead_without"), [
    ("I'm from an under-represented community in AI, does that help my application?",
     "diversity", "how-to-apply"),
    ("is there a mentor? like do you work with the science team", "research-work",
     "~team-members"),
])
def test_the_classifiers_share_of_the_score_puts_the_right_entry_first(
        fresh, question, entry_id, ahead_without):
    # Without the classifier's share (``Weights.classifier``) another entry ranks first.
    assert fresh.rank(question)[0].id == entry_id
    match = fresh.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, entry_id)
    assert without_classifier(fresh).rank(question)[0].id == ahead_without


def test_an_answer_the_classifier_calls_not_covered_is_withheld_but_offered(fresh):
    # The announcement gives no figure: without the veto, "salary" is answered here.
    question = "what is the exact stipend amount"
    assert fresh.opinion(question).id == NOT_COVERED
    match = fresh.match(question)
    assert match.decision is Decision.DECLINE
    assert match.related is not None and match.related.id == "salary"
    fresh.thresholds = replace(fresh.thresholds, classifier_veto=1.01)
    unvetoed = fresh.match(question)
    assert (unvetoed.decision, unvetoed.entry_id) == (Decision.ANSWER, "salary")


def test_a_phrasing_met_word_for_word_is_answered_whatever_the_classifier_says(fresh):
    ranked = [Candidate("salary", 1.0), Candidate("benefits", 0.4)]
    match = fresh.decide_ranked(ranked, Candidate(NOT_COVERED, 0.99))
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "salary")
    vetoed = fresh.decide_ranked([Candidate("salary", 0.9)], Candidate(NOT_COVERED, 0.99))
    assert vetoed.decision is Decision.DECLINE


@pytest.mark.parametrize("question", ["salry?", "slary??", "salery"])
def test_a_one_word_question_is_decided_without_the_classifier(fresh, question):
    # Alone, "salary" is used by more not-covered questions ("how much is the salary
    # exactly") than by the entry's own texts: the classifier would withhold the answer.
    assert fresh.opinion(question) is None
    match = fresh.match(question)
    assert (match.decision, match.entry_id) == (Decision.ANSWER, "salary")
    assert fresh.opinion(f"{question} for residents") is not None


def test_a_faq_with_more_labels_than_the_classifier_takes_goes_without_it():
    entries = [EntryText(f"e{i}", [f"question number {i} about topic{i}"])
               for i in range(CLASSIFIER_MAX_LABELS + 1)]
    matcher = Matcher(entries)
    assert matcher.opinion("question about topic7") is None
    assert matcher.match("question about topic7").candidates[0].id == "e7"
