"""A second opinion on what a question is about: naive Bayes over the FAQ's own phrasings.

The matcher (bot.matching) scores a question against each entry on its own; this model
weighs the entries, and the not-covered topics, against each other. It is multinomial
naive Bayes over word stems and pairs of adjacent stems, each text's features TF-IDF
weighted (sublinear term frequency, L2-normalised), trained on every phrasing, keyword and
member's question of every entry and topic. Its verdict is one label and a probability.

Where the two agree, a question the matcher alone finds too far to answer can be answered;
where they disagree, the matcher's answer is withheld (``Matcher.decide_ranked``). Measured
with bench/crossfit.py: BENCHMARKS.md. Nothing here imports discord.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from typing import NamedTuple

# Additive smoothing of the per-label feature weights (measured best of 0.05-0.3).
SMOOTHING = 0.1
# A question's offsets are added up for every label at once: each label has a 64-bit lane
# of one integer, in fixed point with this many bits after the point, so that adding a
# feature's offsets to every label is one integer addition (``_compile``). No lane can
# overflow its 32 bits before the point: an offset (an IDF times log(1 + weight / a), each
# below 16 for any FAQ of fewer than 800,000 texts) is below 2**8, and a question, capped
# at 60 words (bot.normalise.MAX_WORDS), has fewer than 2**8 features.
LANE_BITS = 64
FRACTION_BITS = 32
SCALE = float(2**FRACTION_BITS)
# Bound on the features kept compiled, so hostile input cannot grow memory.
COMPILED_CACHE_LIMIT = 10_000


class Opinion(NamedTuple):
    """The model's most likely label (an index into the labels it was trained on)."""

    label: int
    probability: float


def most_likely(probabilities: Sequence[float]) -> Opinion:
    """The label with the highest probability (the first of a tie)."""
    best = max(probabilities)
    return Opinion(probabilities.index(best), best)


def feature_list(stems: Sequence[str]) -> list[str]:
    """The stems and each pair of adjacent stems ("part time"), in order."""
    found = list(stems)
    for i in range(1, len(stems)):  # a loop, not map and pairwise: compiled, it is native
        found.append(stems[i - 1] + " " + stems[i])
    return found


def features(stems: Sequence[str]) -> Counter[str]:
    """``feature_list``, with each feature's count."""
    return Counter(feature_list(stems))


def per_count(frequency: Mapping[str, int], value: Callable[[int], float]) -> dict[str, float]:
    """``value`` of each key's count, one float object per distinct count, shared: thousands
    of features or words have a few hundred counts at most (an IDF is a function of one)."""
    by_count = {n: value(n) for n in set(frequency.values())}
    return dict(zip(frequency, map(by_count.__getitem__, frequency.values()), strict=True))


def _distinct(stems: Sequence[str], shared: dict[str, str]) -> tuple[str, ...] | Counter[str]:
    """A text's features for training: a tuple of them in the usual case, where none
    repeats, else ``features``; each pair the one string ``shared`` holds for it. The FAQ's
    thousands of texts are all held at once while the model learns, the peak of a load's
    memory: a tuple takes a fifth of a dictionary's, and a pair many texts use is one
    string."""
    found = feature_list(stems)
    for i in range(len(stems), len(found)):
        pair = found[i]
        found[i] = shared.setdefault(pair, pair)
    once = tuple(dict.fromkeys(found))
    return once if len(once) == len(found) else Counter(found)


class Classifier:
    """Multinomial naive Bayes over TF-IDF weighted stems and stem pairs.

    A label's log-likelihood of a question is the sum, over the question's features, of
    each feature's weight times log P(feature | label). Every label has one value for the
    features it never saw (``_base``); the others are kept as offsets from it, per feature.
    """

    def __init__(self, examples: Sequence[Iterable[Sequence[str]]]) -> None:
        """``examples[label]``: that label's texts, each as its stems in order."""
        shared: dict[str, str] = {}
        documents = [(label, _distinct(stems, shared)) for label, texts in enumerate(examples)
                     for stems in texts if stems]
        del shared
        total = len(documents)
        frequency = Counter(chain.from_iterable(found for _, found in documents))
        # scikit-learn's smoothed IDF, so the figures measured with it carry over.
        idf = per_count(frequency, lambda df: math.log((1 + total) / (1 + df)) + 1.0)
        self._idf = idf
        labels = len(examples)
        sums: list[dict[str, float]] = [{} for _ in range(labels)]
        counts = [0] * labels
        for label, found in documents:
            weights = (list(map(idf.__getitem__, found)) if isinstance(found, tuple) else
                       [idf[f] * (1.0 + math.log(n)) if n > 1 else idf[f]
                        for f, n in found.items()])
            unit = 1.0 / math.hypot(*weights)
            own = sums[label]
            # Indexed, on a plain dictionary: compiled (bot.native), native operations.
            for i, f in enumerate(found):
                own[f] = own.get(f, 0.0) + weights[i] * unit
            counts[label] += 1
        size = len(idf) or 1
        # log P(f | label) = log((sum + a) / (label's total + a * size)); ``_base`` is the
        # value at sum 0, and a seen feature adds log(1 + sum / a) to it.
        self._base = [math.log(SMOOTHING / (sum(own.values()) + SMOOTHING * size))
                      for own in sums]
        self._prior = [math.log(n / total) if n else -math.inf for n in counts]
        self._sums = sums
        self._labels = labels
        self._compiled: dict[str, tuple[float, int]] = {}

    def _seen(self, feature: str) -> list[tuple[int, float]]:
        """Each label that saw a known feature, with its offset times the feature's IDF."""
        idf = self._idf[feature]
        return [(label, idf * math.log(1.0 + own[feature] / SMOOTHING))
                for label, own in enumerate(self._sums) if feature in own]

    def _compile(self, feature: str) -> tuple[float, int] | None:
        """A known feature's IDF and its offsets packed into one integer (label i's in bits
        64 i to 64 i + 63); None for a feature the model does not know."""
        idf = self._idf.get(feature)
        if idf is None:
            return None
        packed = 0
        for label, value in self._seen(feature):
            packed |= round(value * SCALE) << (LANE_BITS * label)
        if len(self._compiled) >= COMPILED_CACHE_LIMIT:  # hostile input cannot grow memory
            self._compiled.clear()
        compiled = self._compiled[feature] = (idf, packed)
        return compiled

    def opinion(self, stems: Sequence[str]) -> Opinion | None:
        """The most likely label for a question's stems; None when none of them is known."""
        probabilities = self.probabilities(stems)
        return None if probabilities is None else most_likely(probabilities)

    def probabilities(self, stems: Sequence[str]) -> list[float] | None:
        """Each label's probability for a question's stems; None when none of them is known."""
        found = feature_list(stems)
        distinct = dict.fromkeys(found)  # in order: the sums below come out the same each run
        counts = Counter(found) if len(distinct) < len(found) else None
        # Each feature's weight is its IDF times 1 + log(count), over the vector's length:
        # the offsets hold IDF times offset, so they are added up (times 1 + log(count) for
        # the rare repeated feature) and scaled by the length once, at the end.
        compiled = self._compiled
        packed = 0
        repeated: list[float] | None = None
        mass = squares = 0.0
        for f in distinct:
            known = compiled.get(f) or self._compile(f)
            if known is None:
                continue
            weight, offsets = known
            if counts is None or counts[f] == 1:
                packed += offsets
            else:
                scale = 1.0 + math.log(counts[f])
                weight *= scale
                if repeated is None:
                    repeated = [0.0] * self._labels
                for label, value in self._seen(f):
                    repeated[label] += scale * value
            mass += weight
            squares += weight * weight
        if not squares:
            return None
        labels = self._labels
        sums = array("Q", packed.to_bytes(LANE_BITS // 8 * labels, "little"))
        length = math.sqrt(squares)
        mass /= length
        unit = 1.0 / (SCALE * length)
        prior, base = self._prior, self._base
        # Loops over label indices rather than zips: compiled (bot.native), they run on
        # unboxed floats. The same operations in the same order, so the same results.
        scores = [0.0] * labels
        for i in range(labels):
            scores[i] = prior[i] + mass * base[i] + sums[i] * unit
        if repeated is not None:
            for i in range(labels):
                scores[i] += repeated[i] / length
        top = max(scores)
        total = 0.0
        for i in range(labels):
            scores[i] = math.exp(scores[i] - top)
            total += scores[i]
        for i in range(labels):
            scores[i] /= total
        return scores
