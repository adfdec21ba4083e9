"""Map a member's question to the closest FAQ entry, or decline.

How a question is scored against an entry (each signal is 0..1):

* ``centroid`` — IDF-weighted cosine between the question and the entry's centroid (the
  sum of its phrasings' unit vectors, members' ``asked`` questions at half weight, each
  word's sum square-rooted so that no word many phrasings repeat drowns the rest). Rare
  words ("relocate", "fee") count more than common ones ("i", "the"), which keeps "can I
  keep my job?" away from every entry that also says "I"; and a word used by several of
  an entry's phrasings counts more than a one-off. On CLINC150 it beat the best single
  phrasing (nearest neighbour) by about two points.
* ``coverage`` — how much of the question's weight the entry's whole vocabulary explains.
  Unknown words ("deadline", "visa") lower it, which is what makes off-topic questions
  that share one word with an entry decline instead of answer.
* ``fuzzy`` — rapidfuzz ``token_sort_ratio`` on the whole normalised question against the
  entry's best phrasing; it rewards shared spellings and sentence shape the other two
  miss. Members' ``asked`` questions lend their words, not their wording: they are not
  compared here (long stories, slow to compare, not curated).
* ``trigrams`` — for the few best entries only, the cosine between the question's character
  trigrams (" ap", "app", "ppl", ...) and the entry's trigram centroid. It takes a share of
  the final score and relates word pieces that whole words miss ("application" and "apply"
  share " ap", "app", "ppl"). On CLINC150 val and the four tuning sets it ranked the right
  entry first more often; measured in BENCHMARKS.md.

A question (or a clause of it) made of exactly the words of one of an entry's phrasings or
keywords (in any order) scores 1.0 for that entry: a moderator wrote it for that entry. A
not-covered topic's members' questions count only that way (and teach the classifier).

Typos are corrected word by word against the FAQ's own vocabulary with rapidfuzz
("relocaiton" -> "relocation") before scoring, glued words are split ("parttime"), and a
shortened word is read as the FAQ's word it begins ("relo" -> "relocation").

The decision favours precision: a wrong confident answer misleads an applicant. Nothing
close declines (naming the closest entry as ``related`` when it came near, for the reply to
offer, never to answer); an entry with no close rival is answered; when entries are close,
only a clear leader is answered, and otherwise the close ones are offered as choices
(``Matcher.decide``; thresholds measured in BENCHMARKS.md). A question made only of
function words ("who is this for?") is scored against phrasings like it.

A classifier trained on the FAQ's own text (bot.classifier) gives a second opinion. A share
of its probability for each candidate's label is added to the candidate's score
(``Weights.classifier``); then where it names one of the closest entries surely enough, that
entry is answered, and where it names something else, the matcher's answer is withheld
(``Matcher.decide_ranked``).
"""

from __future__ import annotations

import bisect
import math
import operator
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain, repeat
from typing import NamedTuple

from rapidfuzz import fuzz, process

from bot.classifier import Classifier, most_likely, per_count
from bot.normalise import normalise
from bot.words import (
    CORRECTABLE_STOPWORDS,
    STOPWORDS,
    Subject,
    content_words,
    head_words,
    segments,
    stem,
)

# Stopwords still count, at this fraction of their IDF: "how do i apply" and "who should
# apply" differ only in them. Measured best of 0.1-0.5 on both question sets.
STOPWORD_WEIGHT = 0.5
NUMBER_WEIGHT = 0.1
# Stems shorter than this are never typo-corrected: too many 2-letter words are real.
MIN_CORRECTABLE_LENGTH = 3
# ...and never towards a word shorter than this ("cat" must not become "at").
MIN_CORRECTION_TARGET = 4
# rapidfuzz.fuzz.ratio cut-off for a typo correction ("salry" -> "salary" is 90.9).
TYPO_CUTOFF = 80.0
# An unknown word of this many letters or more that no typo correction reaches, but that
# begins FAQ words ("relo", "dura"), is read as their stem: as a typo of 80% similarity,
# when this share of those words' uses in the FAQ's texts have that stem (the FAQ's own
# typos, "relocaiton", are a few of them). At most this many words are looked at (hostile
# input: "aaaa..."). Measured with bench/crossfit.py: BENCHMARKS.md.
MIN_ABBREVIATION = 4
ABBREVIATION_CONFIDENCE = 0.64
ABBREVIATION_SHARE = 0.75
ABBREVIATION_CHOICES = 50
# Fuzzy reranking is the costly step; only the best lexical candidates get it.
RERANK_CANDIDATES = 3
# A topic stem in more entries than this ("work", "take" in a FAQ of thousands) is walked
# only for the entries rarer stems of the question reach: walking thousands of entries for
# each such word made a few questions take 60 ms at 10,000 entries (bench/matching.py).
# No FAQ under this many entries has one.
COMMON_POSTINGS = 1_000
# Phrasings of at most this many characters ("pay?", "health plan") are compared with a
# longer question only when the longer phrasings leave them room to score best (a fifth of
# the comparisons on tests/questions.yaml; the same scores).
SHORT_PHRASING = 12
# Bound on the per-matcher cache of word look-ups, so hostile input cannot grow memory.
WORD_CACHE_LIMIT = 50_000
# The same for what a question's function words add to each entry: (combination, entry)
# pairs, each two floats in two dictionaries (about 150 bytes: some 1.5 MB at most).
FUNCTION_SUMS_LIMIT = 10_000
# Only questions reaching at most this many entries use it: at 1,000 and 10,000 entries,
# caching for every question cost more than it saved (callgrind, BENCHMARKS.md).
FUNCTION_SUMS_MAX_REACHED = 100
# A question made only of function words ("who is this for?") has no topic word to look
# up; it is scored by its closest phrasing made of function words too, if that is close.
CONTENTLESS_MIN_SIMILARITY = 80.0
CONTENTLESS_CHOICES = 5
# FAQs up to this many entries build every entry's trigram centroid at load (this one: about
# 25 ms); larger ones build each the first time a question comes near it, so 10,000 entries
# neither wait seconds to load nor hold a hundred megabytes of centroids nobody asks about.
EAGER_TRIGRAM_ENTRIES = 1_000
# An entry's centroid sums its phrasings' unit vectors, then takes the square root of each
# sum: a word that many phrasings repeat ("residency" in forty "what is the residency?")
# still counts most, but no longer drowns the entry's other words. Measured with
# bench/crossfit.py (BENCHMARKS.md), as was the next one.
CENTROID_POWER = 0.5
# The classifier's second opinion (bot.classifier) costs time per label for every question
# and at load: FAQs with more entries and not-covered topics than this go without it.
CLASSIFIER_MAX_LABELS = 200
# Questions whose best entry scores less are decided without asking the classifier: on the
# tuning and held-out sets it changed none of their verdicts (BENCHMARKS.md).
CLASSIFIER_MIN_SCORE = 0.25
# A question of fewer words than this ("salry?") gets no opinion: for one word the
# classifier has only how often each label's texts use it, and many not-covered questions
# name a covered topic ("how much is the salary exactly"). Measured with bench/crossfit.py:
# 1 more right answer on the tuning sets, none changed on the held-out sets.
CLASSIFIER_MIN_STEMS = 2
# The classifier's label for every not-covered topic at once (no entry has this id).
NOT_COVERED = "~not-covered"
# Members' questions (``asked`` in the FAQ) weigh this much in a centroid; a moderator's
# phrasing weighs 1.
ASKED_WEIGHT = 0.5

_WORD_TRIGRAMS: dict[str, tuple[str, ...]] = {}
# rapidfuzz's ``extractOne``, which returns None when no choice scores over the cutoff (or
# there is none): its stubs say it always finds one, which compiled code (bot.native) would
# hold it to.
_closest: Callable[..., tuple[str, float, int] | None] = process.extractOne


def _word_trigrams(word: str) -> tuple[str, ...]:
    """A word's character trigrams, padded with spaces so its start and end count too:
    "remote" -> " re", "rem", "emo", "mot", "ote", "te "."""
    grams = _WORD_TRIGRAMS.get(word)
    if grams is None:
        padded = f" {word} "
        # Interned: the same trigram in many words is one string (some 15,000 fewer).
        grams = tuple(sys.intern(padded[i:i + 3]) for i in range(len(padded) - 2))
        if len(_WORD_TRIGRAMS) >= WORD_CACHE_LIMIT:  # hostile input cannot grow memory
            _WORD_TRIGRAMS.clear()
        _WORD_TRIGRAMS[word] = grams
    return grams


def _sum_known(values: dict[str, float], words: Iterable[str]) -> float | None:
    """The words' values added up, in order from 0.0 as ``sum()`` adds floats; None when
    one is missing. A loop rather than ``sum(map(values.__getitem__, words))`` under a
    ``try``: compiled (bot.native) it is native, and a miss raises nothing."""
    total = 0.0
    for word in words:
        value = values.get(word)
        if value is None:
            return None
        total += value
    return total


def _feature_scales(features_of_phrasings: Iterable[Collection[str]],
                    weights: Iterable[float],
                    norm_of: Callable[[Collection[str]], float]) -> dict[str, float]:
    """How much of each feature's vector goes into the sum of the phrasings' vectors, each
    phrasing scaled to unit length (``norm_of`` gives its length) times its weight first.

    A phrasing's vector is the sum of its features' vectors (a stem's one TF-IDF weight, or
    a word's IDF-weighted trigrams). The sum is linear, so each feature's scales are added
    up first and its vector added once.
    """
    scales: dict[str, float] = {}  # not a defaultdict: compiled, a plain one is native
    for features, weight in zip(features_of_phrasings, weights, strict=True):
        norm = norm_of(features)
        scale = weight / norm if norm else weight
        for feature in features:
            scales[feature] = scales.get(feature, 0.0) + scale
    return scales


def _unit_centroid(summed: Mapping[str, float]) -> dict[str, float]:
    """The summed vector, each value raised to ``CENTROID_POWER``, of unit length."""
    powered = {key: v ** CENTROID_POWER for key, v in summed.items()}
    length = math.hypot(*powered.values()) or 1.0
    return {key: v / length for key, v in powered.items()}


def _shared_idf(frequency: Mapping[str, int], documents: int) -> dict[str, float]:
    """log(1 + documents / frequency) per term (``per_count``: one float per frequency)."""
    return per_count(frequency, lambda df: math.log(1.0 + documents / df))


class _Trigrams:
    """Character-trigram TF-IDF: each entry's centroid (the unit sum of its phrasings' unit
    vectors), and a question's cosine with it, added up word by word.

    A question's vector is the sum of its words' vectors; its length is taken as if its
    words shared no trigram (a phrasing's too, in a centroid). Then both the length and the
    dot product with an entry are sums over words, each cached, instead of a vector of some
    fifty trigrams per question.
    Centroids are built at load (up to ``EAGER_TRIGRAM_ENTRIES`` entries), or else the first
    time an entry is shortlisted.
    """

    def __init__(self, phrasings: Sequence[Sequence[str]],
                 weights: Sequence[Sequence[float]]) -> None:
        self._phrasings = phrasings  # per entry, each phrasing's normalised words joined
        self._phrasing_weights = weights  # per entry, each phrasing's weight in the centroid
        frequency: Counter[str] = Counter()
        for texts in phrasings:
            frequency.update(set(chain.from_iterable(
                map(_word_trigrams, set(" ".join(texts).split())))))
        self._idf = _shared_idf(frequency, len(phrasings))
        self._unknown_idf = max(self._idf.values(), default=1.0)
        self._weighted: list[dict[str, float] | None] = [None] * len(phrasings)
        self._squares: dict[str, float] = {}  # per word, its trigram vector's squared length
        self._dots: list[dict[str, float]] = [{} for _ in phrasings]  # per entry, per word
        self._cached_dots = 0
        if len(phrasings) <= EAGER_TRIGRAM_ENTRIES:
            for entry in range(len(phrasings)):
                self._centroid(entry)

    def _centroid(self, entry: int) -> dict[str, float]:
        """The entry's unit centroid, each trigram premultiplied by its IDF."""
        weighted = self._weighted[entry]
        if weighted is None:
            idf = self._idf
            # A phrasing's length is taken as a question's is (``norm``): as if its words
            # shared no trigram.
            scales = _feature_scales((text.split() for text in self._phrasings[entry]),
                                     self._phrasing_weights[entry], self.norm)
            summed: dict[str, float] = {}
            for word, scale in scales.items():
                for gram in _word_trigrams(word):
                    summed[gram] = summed.get(gram, 0.0) + idf[gram] * scale
            centroid = _unit_centroid(summed)
            weighted = self._weighted[entry] = {g: idf[g] * v for g, v in centroid.items()}
        return weighted

    def norm(self, words: Collection[str]) -> float:
        """The length of the question's trigram vector (unknown trigrams at the top IDF)."""
        squares = self._squares
        known = _sum_known(squares, words)  # the common case, every word seen before
        if known is not None:
            return math.sqrt(known)
        if len(squares) >= WORD_CACHE_LIMIT:  # hostile input cannot grow memory
            squares.clear()
        idf, unknown = self._idf, self._unknown_idf
        for word in words:
            if word not in squares:
                grams = _word_trigrams(word)
                if len(set(grams)) == len(grams):  # no trigram twice: the usual case
                    weights = list(map(idf.get, grams, repeat(unknown, len(grams))))
                    squares[word] = sum(map(operator.mul, weights, weights))
                else:  # "banana": "ana" counts twice
                    squares[word] = sum((n * idf.get(g, unknown)) ** 2
                                        for g, n in Counter(grams).items())
        return math.sqrt(sum(map(squares.__getitem__, words)))

    def dot(self, words: Sequence[str], entry: int) -> float:
        """The question's trigram vector dotted with the entry's unit centroid."""
        dots = self._dots[entry]
        known = _sum_known(dots, words)  # the common case, every word's part cached
        if known is not None:
            return known
        if self._cached_dots >= WORD_CACHE_LIMIT:  # one budget for all entries together
            for cache in self._dots:
                cache.clear()
            self._cached_dots = 0
        weighted = self._centroid(entry)
        for word in words:
            if word not in dots:
                grams = _word_trigrams(word)
                dots[word] = sum(map(weighted.get, grams, repeat(0.0, len(grams))))
                self._cached_dots += 1
        return sum(map(dots.__getitem__, words))


class Decision(StrEnum):
    """What the bot does with a question."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    DECLINE = "decline"


@dataclass(frozen=True)
class Thresholds:
    """Decision thresholds on the 0..1 score (defaults measured in bench/ and BENCHMARKS.md)."""

    answer: float = 0.55
    margin: float = 0.04
    suggest: float = 0.55
    suggest_window: float = 0.10
    max_choices: int = 3
    # A decline shows the closest entry from this score up ("in case it helps"), unless a
    # not-covered topic is closer. Measured in BENCHMARKS.md.
    related: float = 0.34
    # Per entry id, added to ``suggest`` and ``answer`` when that entry is the best one: an
    # entry that off-topic questions often land on ("when does it start?" on duration)
    # needs a higher bar than one they rarely reach. Chosen per FAQ by bench/crossfit.py;
    # an entry not named here has no offset.
    entry_offsets: Mapping[str, float] = field(default_factory=dict)
    # The classifier's second opinion (bot.classifier, ``Matcher.decide_ranked``): its
    # label is answered from this probability up when it is one of the closest entries...
    classifier_alone: float = 0.8
    # ...or from this one up when it is the matcher's best entry, scoring this much...
    classifier_agree: float = 0.6
    classifier_agree_score: float = 0.34
    # ...and an answer of the matcher's that the classifier labels otherwise, with at least
    # this probability, is withheld (above 1: never).
    classifier_veto: float = 0.45

    def for_entry(self, entry_id: str) -> tuple[float, float]:
        """``suggest`` and ``answer`` when this entry is the best one: plus its offset."""
        offset = self.entry_offsets.get(entry_id, 0.0)
        return self.suggest + offset, self.answer + offset


@dataclass(frozen=True)
class Weights:
    """How the three signals are blended into one score (measured: BENCHMARKS.md)."""

    centroid: float = 0.30
    coverage: float = 0.40
    fuzzy: float = 0.30
    # The three above make the word score; this share of the final score is the
    # character-trigram cosine instead (see ``_Trigrams``).
    trigrams: float = 0.40
    unknown_word_idf: float = 1.0  # as a fraction of the rarest known word's IDF
    # Then this share of the classifier's probability for the entry's label (a not-covered
    # topic's: the label of them all) is added, the sum capped at 1. Measured with
    # bench/crossfit.py (thresholds chosen again with it) and CLINC150: BENCHMARKS.md.
    classifier: float = 0.10


class Candidate(NamedTuple):
    """One entry and its score for a question (a named tuple: several are made per question)."""

    id: str
    score: float


class Match(NamedTuple):
    """The matcher's verdict: the decision, the answered entry and the closest entries."""

    decision: Decision
    entry_id: str | None
    confidence: float
    # The closest entries, best first, whatever the decision. (For a question met word for
    # word that the classifier could not change, ``match`` gives their scores without its
    # share; ``rank`` always has it.)
    candidates: tuple[Candidate, ...]
    choices: tuple[Candidate, ...] = ()  # for SUGGEST: the entries too close to call
    related: Candidate | None = None  # for DECLINE: the closest entry, if worth showing


@dataclass(frozen=True)
class EntryText:
    """What the matcher needs of an FAQ entry: its id and every way to phrase it."""

    id: str
    phrasings: Sequence[str]
    keywords: Sequence[str] = ()
    declines: bool = False  # a known topic the FAQ does not answer: matching it declines
    # Members' own questions: matched, but lighter (ASKED_WEIGHT); a not-covered topic's only
    # word for word, and they teach the classifier.
    asked: Sequence[str] = ()


class _Classified(NamedTuple):
    probabilities: list[float] | None  # per classifier label, for the whole message
    stems: int  # how many stems the message has


_UNCLASSIFIED = _Classified(None, 0)


@dataclass
class _Query:
    weights: dict[str, float] = field(default_factory=dict)
    words: Sequence[str] = ()  # normalised, in the question's order
    text: str = ""  # the same words sorted, joined by spaces
    has_content: bool = False


class Matcher:
    """An index over FAQ phrasings that scores questions and decides."""

    def __init__(
        self,
        entries: Sequence[EntryText],
        thresholds: Thresholds | None = None,
        weights: Weights | None = None,
        normalise_text: Callable[[str], str] = normalise,
        subject: str = "",
    ) -> None:
        """``normalise_text`` lets a caller that has normalised the phrasings already
        (validation, see ``bot.knowledge``) share that work. ``subject`` is the name of
        what the whole FAQ is about (``bot.words.Subject``)."""
        self.thresholds = thresholds or Thresholds()
        self.weights = weights or Weights()
        self.ids = [entry.id for entry in entries]
        self._declines = frozenset(entry.id for entry in entries if entry.declines)
        self._word_stem: dict[str, str] = {}  # every known surface word -> its stem
        name = normalise_text(subject).split()
        heads = head_words(name, (  # the moderators' phrasings say it well enough
            chain.from_iterable(map(str.split, map(normalise_text, entry.phrasings)))
            for entry in entries if not entry.declines)) if name else []
        self._subject = Subject(name, heads)
        self._cache: dict[str, list[tuple[str, float]]] = {}
        # A question's function words with their weights -> per entry, what they add to
        # its [dot product, coverage]. Few combinations recur ("do i", "is it", "can i").
        # Two dictionaries of floats rather than one of pairs: no tuple object per pair.
        self._function_sums: dict[tuple[tuple[str, float, float], ...],
                                  tuple[dict[int, float], dict[int, float]]] = {}
        self._cached_function_sums = 0
        # Words pre-sorted once, so fuzz.ratio on them equals token_sort_ratio. Members'
        # asked questions are left out: long stories, slow to compare, and not curated.
        # Per entry, those longer than SHORT_PHRASING characters, then the others.
        self._sorted_phrasings: list[tuple[list[str], list[str]]] = []
        # Phrasings of function words only ("who is this for"), for questions like them.
        self._contentless: list[str] = []
        self._contentless_owner: list[int] = []
        # A question that is exactly the words of a phrasing (in any order) -> its entries.
        exact_entries: dict[str, list[int]] = defaultdict(list)
        # Per entry, each phrasing's distinct stems (a tuple: some 3,000 sets would take
        # twice the memory while the FAQ loads).
        phrasing_stems: list[list[tuple[str, ...]]] = []
        # The classifier's labels: one per entry, and one for all the not-covered topics
        # together (``NOT_COVERED``): a question like none of the entries has somewhere to
        # go, and the topics do not split it between them. Measured: BENCHMARKS.md.
        self._label_ids = [entry.id for entry in entries if not entry.declines]
        if self._declines:
            self._label_ids.append(NOT_COVERED)
        # One label alone says nothing; above CLASSIFIER_MAX_LABELS it costs too much.
        classify = 2 <= len(self._label_ids) <= CLASSIFIER_MAX_LABELS
        label_index = {label: i for i, label in enumerate(self._label_ids)}
        self._label_of = [label_index[NOT_COVERED if entry.declines else entry.id]
                          for entry in entries]  # each entry's classifier label
        examples: list[list[list[str]]] = []  # per label, each text's stems in order
        declined: list[list[str]] = []  # the not-covered topics' label's
        all_texts: list[list[str]] = []  # per entry: curated phrasings, then asked ones
        every_word: list[str] = []  # every text's words, counted once at the end
        phrasing_weights: list[list[float]] = []  # per entry, each phrasing's in a centroid
        for index, entry in enumerate(entries):
            # A not-covered topic's members' questions only teach the classifier and are
            # declined word for word: in the matcher's centroids they were a quarter of the
            # FAQ's text to index at every load, and changed no balance of right and wrong
            # answers (BENCHMARKS.md).
            asked = () if entry.declines else entry.asked
            indexed = len(entry.phrasings) + len(entry.keywords) + len(asked)
            texts, stems_of_phrasings, in_order = [], [], []
            exact = set()
            for n, text in enumerate([*entry.phrasings, *entry.keywords, *entry.asked]):
                words = self._subject.mentioned(normalise_text(text).split())
                every_word += words
                key = " ".join(sorted(words))
                exact.add(key)
                stems = [self._known_stem(word) for word in words]
                if classify:
                    in_order.append(stems)
                if n < indexed:  # not a topic's member's question
                    texts.append(key)
                    stems_of_phrasings.append(tuple(dict.fromkeys(stems)))
            if entry.declines:
                declined.extend(in_order)
            else:
                examples.append(in_order)
            for text in exact:
                exact_entries[text].append(index)
            all_texts.append(texts)
            curated = len(texts) - len(asked)
            phrasing_weights.append([1.0] * curated + [ASKED_WEIGHT] * len(asked))
            texts = texts[:curated]
            for text in texts:
                if text and not content_words(text.split()):
                    self._contentless.append(text)
                    self._contentless_owner.append(index)
            self._sorted_phrasings.append(([t for t in texts if len(t) > SHORT_PHRASING],
                                           [t for t in texts if len(t) <= SHORT_PHRASING]))
            phrasing_stems.append(stems_of_phrasings)
        # How often each surface word occurs in the FAQ's texts: a typo as close to two
        # words is taken for the commoner ("wil": "will", not "wild").
        self._word_count = Counter(every_word)
        # Tuples: a list of one entry takes half as much again (some 4,000 texts).
        self._exact = {text: tuple(found) for text, found in exact_entries.items()}
        del exact_entries
        entry_stems = [set().union(*stems) for stems in phrasing_stems]
        if self._declines:
            examples.append(declined)
        self._classifier = Classifier(examples) if classify else None
        self._trigrams = _Trigrams(all_texts, phrasing_weights)
        self._idf = self._inverse_document_frequency(entry_stems)
        del entry_stems
        self._unknown_idf = self.weights.unknown_word_idf * max(self._idf.values(), default=1.0)
        # Typos are corrected towards the FAQ's words and longer common function words
        # ("ther" -> "there"), never towards short ones: "cat" must not become "at".
        self._vocabulary = sorted(
            w for w in {*self._word_stem, *CORRECTABLE_STOPWORDS}
            if len(w) >= MIN_CORRECTION_TARGET
        )
        # Topic words get posting lists; function words are kept per entry and added only
        # to entries a topic word reached (a posting list for "i" would hold every entry).
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._function_words: list[dict[str, float]] = []
        weight_of = {s: self._term_weight(s) for s in self._idf}  # every known stem
        for index, stems_of_phrasings in enumerate(phrasing_stems):
            # The weighted sum of the phrasings' unit TF-IDF vectors, of unit length.
            scales = _feature_scales(
                stems_of_phrasings, phrasing_weights[index],
                lambda stems: math.hypot(*map(weight_of.__getitem__, stems)))
            centroid = _unit_centroid({s: weight_of[s] * scale for s, scale in scales.items()})
            self._function_words.append({s: v for s, v in centroid.items() if s in STOPWORDS})
            for s, v in centroid.items():
                if s not in STOPWORDS:
                    self._postings[s].append((index, v))
        # Stems so common that walking their entries would cost more than the rest of the
        # question (``COMMON_POSTINGS``): each as its entries (in order) and values instead,
        # to be looked up for the entries rarer words reach. Its posting list is walked no
        # more, so it goes.
        self._common: dict[str, tuple[array[int], array[float]]] = {}
        for s in [s for s, posting in self._postings.items() if len(posting) > COMMON_POSTINGS]:
            posting = self._postings.pop(s)
            self._common[s] = (array("l", [e for e, _ in posting]),
                               array("d", [v for _, v in posting]))

    @property
    def declines(self) -> frozenset[str]:
        """The ids of the not-covered topics: matching one of them declines."""
        return self._declines

    def _known_stem(self, word: str) -> str:
        s = self._word_stem.get(word)
        if s is None:
            s = self._word_stem[word] = word if word in STOPWORDS else stem(word)
        return s

    @staticmethod
    def _inverse_document_frequency(entry_stems: Iterable[set[str]]) -> dict[str, float]:
        documents = list(entry_stems)
        frequency: dict[str, int] = defaultdict(int)
        for stems in documents:
            for s in stems:
                frequency[s] += 1
        return _shared_idf(frequency, len(documents))

    def _term_weight(self, s: str) -> float:
        # An unknown word ("deadline", "visa") says the question may be one we can't answer.
        weight = self._idf.get(s, self._unknown_idf)
        if s.isdigit():  # "2 kids", "how 2 apply", "in 2 yrs": numbers rarely name a topic
            return weight * NUMBER_WEIGHT
        return weight * STOPWORD_WEIGHT if s in STOPWORDS else weight

    # --- query side -------------------------------------------------------------------

    def _resolve_word(self, word: str) -> list[tuple[str, float]]:
        """Stems a query word stands for, each with its weight (lowered for a typo)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        result = [(s, self._term_weight(s) * confidence)
                  for s, confidence in self._resolve_uncached(word)]
        if len(self._cache) >= WORD_CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
        return result

    def _resolve_uncached(self, word: str) -> list[tuple[str, float]]:
        if word in self._word_stem:
            return [(self._word_stem[word], 1.0)]
        if word in STOPWORDS:
            return [(word, 1.0)]
        s = stem(word)
        if s in self._idf or len(word) < MIN_CORRECTABLE_LENGTH or word.isdigit():
            return [(s, 1.0)]
        for cut in range(3, len(word) - 2):  # glued words: "parttime" -> "part" + "time"
            left, right = word[:cut], word[cut:]
            if left in self._word_stem and right in self._word_stem:
                return [(self._word_stem[left], 1.0), (self._word_stem[right], 1.0)]
        found = process.extract(word, self._vocabulary, scorer=fuzz.ratio,
                                score_cutoff=TYPO_CUTOFF, limit=None)
        if not found:
            begun = self._abbreviated(word)
            return [(s, 1.0)] if begun is None else [(begun, ABBREVIATION_CONFIDENCE)]
        count = self._word_count
        best = max(found, key=lambda choice: (choice[1], count[choice[0]]))  # then A-Z
        similarity = best[1] / 100.0
        return [(self._word_stem.get(best[0], best[0]), similarity * similarity)]

    def _abbreviated(self, word: str) -> str | None:
        """The stem of the FAQ's words an unknown word begins ("relo": "relocate",
        "relocation"), when most of their uses in the FAQ's texts share it; else None.
        (``_resolve_uncached`` has already returned for a function word.)"""
        if len(word) < MIN_ABBREVIATION:
            return None
        vocabulary = self._vocabulary
        start = bisect.bisect_left(vocabulary, word)
        uses: Counter[str] = Counter()  # per stem, how often the words it begins are used
        for known in vocabulary[start:start + ABBREVIATION_CHOICES]:
            if not known.startswith(word):
                break
            if known not in STOPWORDS:
                uses[self._word_stem.get(known, known)] += self._word_count[known]
        if not uses:
            return None
        begun, n = uses.most_common(1)[0]
        return begun if n >= ABBREVIATION_SHARE * uses.total() else None

    def _query(self, words: Sequence[str]) -> _Query:
        query = _Query(words=words, text=" ".join(sorted(words)))
        for word in words:
            for s, weight in self._resolve_word(word):
                if weight > query.weights.get(s, 0.0):
                    query.weights[s] = weight
            if word not in STOPWORDS:
                query.has_content = True
        return query

    # --- scoring ----------------------------------------------------------------------

    def rank(self, question: str, *, exact_phrasings: bool = True) -> list[Candidate]:
        """Every entry that shares a topic word with the question, best first.

        A long message is also scored clause by clause and each entry keeps its best
        score, so "hi! I'm from Brazil and can't leave my city. is it remote?" is judged
        on its question, not diluted by the introduction. A question (or clause) that is one
        of an entry's phrasings word for word scores 1.0 for it: moderators wrote it for
        that entry. ``exact_phrasings=False`` scores it like any other question instead, to
        see what a member writing something close to it would get (``validate`` does).
        """
        return self._rank(self._segments(question), exact_phrasings)[0]

    def _segments(self, question: str) -> list[list[str]]:
        """``segments`` of the question, each mention of the FAQ's subject as its head word."""
        return [self._subject.mentioned(words) for words in segments(question)]

    def _lexical(self, parts: Sequence[Sequence[str]], exact_phrasings: bool = True
                 ) -> dict[int, float]:
        """Each entry's best score over the message's parts, before the classifier's share."""
        best: dict[int, float] = {}
        for words in parts:
            for entry, score in self._score(self._query(words), exact_phrasings).items():
                if score > best.get(entry, 0.0):
                    best[entry] = score
        if not best and not content_words(parts[0]):  # parts[0]: the whole message
            best = self._score_contentless(parts[0])
        return best

    def rank_unless_settled(self, question: str, entry_id: str) -> list[Candidate] | None:
        """``rank(question, exact_phrasings=False)``, or None when ``decide`` surely answers
        that with this entry whatever the classifier adds: its score without the
        classifier's share is at its bar and the margin ahead of any other's with the whole
        share. ``validate`` asks this of every phrasing: most are settled without the
        classifier, which is most of the cost of ranking a phrasing the first time."""
        parts = self._segments(question)
        best = self._lexical(parts, exact_phrasings=False)
        ids = self.ids
        own = max((score for entry, score in best.items() if ids[entry] == entry_id),
                  default=None)
        if own is not None:
            rival = max((score for entry, score in best.items() if ids[entry] != entry_id),
                        default=0.0)
            lowest = round(own, 4)  # as ``Candidate`` rounds it, without the share
            highest = round(min(1.0, rival + self.weights.classifier), 4)  # with all of it
            t = self.thresholds
            if lowest >= max(t.for_entry(entry_id)) and lowest - highest >= t.margin:
                return None
        return self._ranked(parts, best)[0]

    def _rank(self, parts: Sequence[Sequence[str]], exact_phrasings: bool = True
              ) -> tuple[list[Candidate], _Classified]:
        """``rank``'s candidates, and the classifier's view of the whole message (only
        worked out when some entry is a candidate)."""
        return self._ranked(parts, self._lexical(parts, exact_phrasings))

    def _ranked(self, parts: Sequence[Sequence[str]], best: dict[int, float]
                ) -> tuple[list[Candidate], _Classified]:
        """``_rank`` from the ``_lexical`` scores (changed in place)."""
        classified = self._classify(parts[0]) if best else _UNCLASSIFIED
        share = self.weights.classifier
        if classified.probabilities is not None and share:
            probabilities, label_of = classified.probabilities, self._label_of
            for entry, score in best.items():
                best[entry] = min(1.0, score + share * probabilities[label_of[entry]])
        return self._candidates(best), classified

    def _candidates(self, scores: dict[int, float]) -> list[Candidate]:
        """The entries scored, best first (ties by id)."""
        ids = self.ids
        # Sorted as plain tuples (no key function), then made candidates without
        # NamedTuple's __new__, which runs as Python bytecode even in the compiled core.
        order = sorted([(-round(score, 4), ids[e]) for e, score in scores.items()])
        return [tuple.__new__(Candidate, (entry_id, -negative)) for negative, entry_id in order]

    def _score_contentless(self, words: Sequence[str]) -> dict[int, float]:
        """Entries with a phrasing close to a question of function words only."""
        if not words:
            return {}
        found = process.extract(" ".join(sorted(words)), self._contentless,
                                scorer=fuzz.ratio, score_cutoff=CONTENTLESS_MIN_SIMILARITY,
                                limit=CONTENTLESS_CHOICES)
        scores: dict[int, float] = {}
        for _, similarity, index in found:
            entry = self._contentless_owner[index]
            scores[entry] = max(scores.get(entry, 0.0), similarity / 100.0)
        return scores

    def _score(self, query: _Query, exact_phrasings: bool = True) -> dict[int, float]:
        if not query.has_content:
            return {}
        norm_sq = 0.0
        sums: dict[int, list[float]] = {}  # per entry reached: [dot product, coverage]
        function_words: list[tuple[str, float, float]] = []
        common: list[tuple[str, float, float]] = []  # stems in very many entries
        postings, commons = self._postings, self._common
        for s, weight in query.weights.items():
            square = weight * weight
            norm_sq += square
            if s in STOPWORDS:
                function_words.append((s, weight, square))
                continue
            if s in commons:
                common.append((s, weight, square))
                continue
            for entry, unit in postings.get(s, ()):
                found = sums.get(entry)
                if found is None:
                    sums[entry] = [weight * unit, square]
                else:
                    found[0] += weight * unit
                    found[1] += square
        if norm_sq == 0.0:
            return {}
        if common:
            self._add_common(sums, common)
        norm = math.sqrt(norm_sq)
        w = self.weights
        centroid_weight, coverage_weight = w.centroid, w.coverage
        if function_words:
            # A question reaching many entries (a large FAQ) would only churn the cache.
            cached = len(sums) <= FUNCTION_SUMS_MAX_REACHED
            dots, coverages = (self._function_words_added(tuple(function_words)) if cached
                               else ({}, {}))
            lexical = {}
            for entry, (dot, coverage) in sums.items():
                added = dots.get(entry)
                if added is None:
                    added, covered = self._function_word_sums(entry, function_words)
                    if cached:
                        dots[entry], coverages[entry] = added, covered
                        self._cached_function_sums += 1
                else:
                    covered = coverages[entry]
                lexical[entry] = (centroid_weight * (dot + added) / norm
                                  + coverage_weight * (coverage + covered) / norm_sq)
        else:
            lexical = {
                entry: centroid_weight * dot / norm + coverage_weight * coverage / norm_sq
                for entry, (dot, coverage) in sums.items()
            }
        # A stable sort on a C-level key: deterministic, and cheaper than heapq with a lambda.
        shortlist = sorted(lexical, key=lexical.__getitem__, reverse=True)[:RERANK_CANDIDATES]
        # Exactly the words of one of an entry's phrasings: 1.0, shortlisted or not.
        scores = dict.fromkeys(self._exact.get(query.text, ()) if exact_phrasings else (), 1.0)
        trigram_norm = self._trigrams.norm(query.words) if w.trigrams else 0.0
        # fuzz.ratio of texts of n and c characters is at most 200 c / (n + c) for c < n:
        # when a longer phrasing already scores that, no short one can score more.
        size = len(query.text)
        short_bound = 200.0 * SHORT_PHRASING / (size + SHORT_PHRASING)
        for entry in shortlist:
            if entry in scores:
                continue
            longer, shorter = self._sorted_phrasings[entry]
            best = _closest(query.text, longer, scorer=fuzz.ratio)
            fuzzy = best[1] if best else 0.0
            if size <= SHORT_PHRASING or fuzzy < short_bound:
                short = _closest(query.text, shorter, scorer=fuzz.ratio, score_cutoff=fuzzy)
                fuzzy = short[1] if short else fuzzy
            score = lexical[entry] + w.fuzzy * (fuzzy / 100.0)
            if trigram_norm:
                cosine = self._trigrams.dot(query.words, entry) / trigram_norm
                score = (1.0 - w.trigrams) * score + w.trigrams * cosine
            scores[entry] = min(1.0, score)
        return scores

    def _add_common(self, sums: dict[int, list[float]],
                    common: Iterable[tuple[str, float, float]]) -> None:
        """Add the common stems' parts of the dot product and coverage to the entries
        rarer stems reached; if none did, to every entry a common stem is in."""
        if not sums:
            sums.update((entry, [0.0, 0.0]) for s, _, _ in common for entry in self._common[s][0])
        for s, weight, square in common:
            entries, values = self._common[s]
            last = len(entries)
            for entry, found in sums.items():
                at = bisect.bisect_left(entries, entry)
                if at < last and entries[at] == entry:
                    found[0] += weight * values[at]
                    found[1] += square

    def _function_words_added(self, key: tuple[tuple[str, float, float], ...]
                              ) -> tuple[dict[int, float], dict[int, float]]:
        """The cache of what these function words add to each entry's dot product and
        coverage (filled as entries come)."""
        added = self._function_sums.get(key)
        if added is None:
            if self._cached_function_sums >= FUNCTION_SUMS_LIMIT:  # hostile input: bounded
                self._function_sums.clear()
                self._cached_function_sums = 0
            added = self._function_sums[key] = ({}, {})
        return added

    def _function_word_sums(self, entry: int, function_words: Iterable[tuple[str, float, float]]
                            ) -> tuple[float, float]:
        """What the question's function words add to the entry's dot product and coverage."""
        own = self._function_words[entry]
        dot = coverage = 0.0
        for s, weight, square in function_words:
            value = own.get(s)
            if value is not None:
                dot += weight * value
                coverage += square
        return dot, coverage

    def decide(self, candidates: Sequence[Candidate]) -> Match:
        """Turn ranked candidates into answer / suggest / decline.

        Below ``suggest`` nothing is close: decline, naming the best entry as related from
        ``related`` up. A best entry that no other entry comes
        within ``suggest_window`` of is answered. Otherwise it is answered only from
        ``answer`` up and ``margin`` ahead of the next; else the close ones are offered.
        A rival counts as close from ``related`` up, even below ``suggest``: 0.40 against
        0.37 is too close to call whatever the threshold (otherwise raising ``suggest``
        would turn such coin flips into answers). ``suggest`` and ``answer`` are the best
        entry's: the thresholds plus its ``entry_offsets``.
        """
        t = self.thresholds
        top = tuple(candidates[: t.max_choices])
        suggest, answer = t.for_entry(top[0].id) if top else (t.suggest, t.answer)
        if not top or top[0].score < suggest:
            return self._decline(top)
        best = top[0]
        runner_up = top[1].score if len(top) > 1 else 0.0
        if best.score >= answer and best.score - runner_up >= t.margin:
            return Match(Decision.ANSWER, best.id, best.score, top)
        floor = max(min(t.related, suggest), best.score - t.suggest_window)
        close = tuple(c for c in top if c.score >= floor)
        if len(close) == 1:  # nothing else is close: there is no choice to offer
            return Match(Decision.ANSWER, best.id, best.score, top)
        return Match(Decision.SUGGEST, None, best.score, top, choices=close)

    def _decline(self, top: tuple[Candidate, ...]) -> Match:
        """Decline, naming the best entry as related from ``related`` up."""
        related = top[0] if top and top[0].score >= self.thresholds.related else None
        return Match(Decision.DECLINE, None, top[0].score if top else 0.0, top,
                     related=related)

    def match(self, question: str) -> Match:
        """Score a question and decide what to do with it."""
        parts = self._segments(question)
        best_scores = self._lexical(parts)
        if self._met_word_for_word(best_scores):
            # The classifier could change neither the answer nor its lead: not asked (a
            # third of tests/questions.yaml); the candidates have no share of it.
            return self.decide_ranked(self._candidates(best_scores))
        ranked, classified = self._ranked(parts, best_scores)
        best = next((c for c in ranked if c.id not in self._declines), None)
        consult = self._consults_classifier(best)
        return self.decide_ranked(ranked, self._opinion(classified) if consult else None)

    def _met_word_for_word(self, scores: dict[int, float]) -> bool:
        """Whether an entry (not a topic) scores 1.0, one of its phrasings word for word,
        that is at its bar (an offset can raise the bar past 1.0), and every other entry and
        topic stays ``margin`` behind it even with the classifier's whole share added:
        ``match`` answers it whatever the classifier says."""
        if not scores:
            return False
        top = max(scores, key=scores.__getitem__)
        entry_id = self.ids[top]
        if (scores[top] < 1.0 or entry_id in self._declines
                or max(self.thresholds.for_entry(entry_id)) > 1.0):
            return False
        ceiling = 1.0 - self.thresholds.margin - self.weights.classifier
        return all(score < ceiling for entry, score in scores.items() if entry != top)

    @staticmethod
    def _consults_classifier(best: Candidate | None) -> bool:
        """Whether the classifier's opinion counts, given the best entry (not a topic).

        It can change nothing without an entry, nor overrule a phrasing met word for word;
        and below CLASSIFIER_MIN_SCORE it changed no verdict of the question sets.
        """
        return best is not None and CLASSIFIER_MIN_SCORE <= best.score < 1.0

    def opinion(self, question: str) -> Candidate | None:
        """The classifier's label for the whole message (an entry's id, or ``NOT_COVERED``)
        and its probability; None when it knows none of the words, or for a question of
        fewer than ``CLASSIFIER_MIN_STEMS`` words."""
        return self._opinion(self._classify(self._segments(question)[0]))

    def _classify(self, words: Sequence[str]) -> _Classified:
        if self._classifier is None:
            return _UNCLASSIFIED
        stems = [s for word in words for s, _ in self._resolve_word(word)]
        return _Classified(self._classifier.probabilities(stems), len(stems))

    def _opinion(self, classified: _Classified) -> Candidate | None:
        probabilities = classified.probabilities
        if probabilities is None or classified.stems < CLASSIFIER_MIN_STEMS:
            return None
        found = most_likely(probabilities)
        return Candidate(self._label_ids[found.label], found.probability)

    def decide_ranked(self, ranked: Sequence[Candidate],
                      opinion: Candidate | None = None) -> Match:
        """Decide on ``rank``'s candidates, not-covered topics included, and the
        classifier's ``opinion``.

        When the closest phrasing belongs to a known not-covered topic ("deadline?",
        "visa?"), the bot declines even if an entry sharing a word is close behind (and
        shows no entry as related: "deadline?" is not about applying), whatever that
        entry's own bar.

        Then the classifier's opinion: its label is answered when it is one of the closest
        entries with a probability of at least ``classifier_alone``, or when it is the best
        entry (not behind a not-covered topic), scores ``classifier_agree_score`` and has a
        probability of ``classifier_agree``. An answer it labels otherwise is withheld: the
        bot declines, showing the entry as related (``classifier_veto``). A best entry
        scoring 1.0 (one of its phrasings, word for word) or below ``CLASSIFIER_MIN_SCORE``
        is decided without it.
        """
        t = self.thresholds
        entries = [c for c in ranked if c.id not in self._declines]
        top = tuple(entries[: t.max_choices])
        topic_first = bool(ranked) and ranked[0].id in self._declines
        if not self._consults_classifier(top[0] if top else None):
            opinion = None  # as ``match`` does not ask for it
        if opinion is not None:
            shortlisted = next((c for c in top if c.id == opinion.id), None)
            if shortlisted is not None and opinion.score >= t.classifier_alone:
                return Match(Decision.ANSWER, shortlisted.id, shortlisted.score, top)
            if (not topic_first and top and top[0].id == opinion.id
                    and top[0].score >= t.classifier_agree_score
                    and opinion.score >= t.classifier_agree):
                return Match(Decision.ANSWER, top[0].id, top[0].score, top)
        if topic_first:
            return Match(Decision.DECLINE, None, top[0].score if top else 0.0, top)
        match = self.decide(entries)
        if (opinion is not None and match.decision is Decision.ANSWER
                and opinion.id != match.entry_id and opinion.score >= t.classifier_veto):
            return self._decline(top)  # as ``decide`` declines: the entry offered as related
        return match
