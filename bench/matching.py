"""Speed and memory of the matcher, and the time to load and validate the FAQ.

What it measures (issue 2, section 6):

* Time per question of ``Matcher.match`` (median and p99, microseconds):
  - on data/faqs.yaml with the questions of tests/questions.yaml, repeated to at least
    ``--calls`` calls: *cold* = a fresh matcher per round, each distinct question asked for
    the first time; *warm* = one matcher, every question already asked once;
  - on generated FAQs of 100, 1,000 and 10,000 entries with 10 phrasings each. Entries
    are help-centre questions built from a few hundred topic words (grouped by domain)
    and question templates, so they share function words and differ in topic words; about
    a third also carry a made-up product name, so the vocabulary grows with the FAQ.
    Queries are perturbed phrasings (a word dropped, a typo, two words swapped, an unseen
    template) and off-topic questions; *cold* is the first pass over them on a fresh
    matcher, *warm* a second pass. Top-1 (first candidate is the source entry) and the
    share of off-topic queries declined are reported as a sanity check.
* Build time of the matcher and peak memory: the tracemalloc peak while building the
  matcher and answering queries (a separate, untimed pass), and the process's peak RSS
  (``resource.getrusage``). Each FAQ runs in its own fresh process so RSS is its own.
* ``load_faq("data/faqs.yaml")``: median of 20, with ``check_confusion`` (as
  ``residency-bot validate``) and without (as the bot and the CLI load it).

Run it from the repository root::

    .venv/bin/python bench/matching.py            # full run, a few minutes
    .venv/bin/python bench/matching.py --quick    # smaller samples, well under a minute
    .venv/bin/python bench/matching.py --profile 10000   # cProfile of the queries instead
    .venv/bin/python bench/matching.py --evict    # warm matches with the CPU caches evicted

``--evict`` measures only the warm matches on data/faqs.yaml, with 0 to 32 MB of memory
read between two questions (one byte of every 64-byte line). It runs blocks of 100
questions (after 10 untimed ones), taking the sizes in turn, each round starting at the
next size, so every size sees the same minutes. It shows what the matcher costs once other
work has evicted its code and data from the CPU caches, as discord.py does between two
questions in the bot under a flood (BENCHMARKS.md, "Load").

Deterministic: the generated FAQs and queries come from ``random.Random(seed)``; only
the timings vary from run to run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import multiprocessing
import os
import platform
import pstats
import random
import resource
import shlex
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from provenance import engine_version

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the `bot` package importable
    sys.path.insert(0, str(ROOT))

from bot.knowledge import Knowledge, load_faq  # noqa: E402
from bot.matching import Decision, EntryText, Match, Matcher  # noqa: E402

FAQ_PATH = ROOT / "data" / "faqs.yaml"
QUESTIONS_PATH = ROOT / "tests" / "questions.yaml"
SEED = 20240917
SIZES = (100, 1_000, 10_000)
PHRASINGS_PER_ENTRY = 10
SLOWEST_SHOWN = 5


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run or ``--quick``."""

    calls: int  # match() calls per mode on data/faqs.yaml
    generated_queries: int  # distinct queries per generated FAQ (each asked cold, then warm)
    memory_queries: int  # queries answered during the tracemalloc pass
    load_repeats: int


FULL = Plan(calls=5_000, generated_queries=2_500, memory_queries=300, load_repeats=20)
QUICK = Plan(calls=1_000, generated_queries=200, memory_queries=20, load_repeats=5)

# ``--evict``: MB read between two questions, and questions per block of one size.
EVICT_MB = (0.0, 0.25, 1.0, 4.0, 32.0)
EVICT_BLOCK = 100
EVICT_SETTLE = 10  # untimed questions first in each block

# --- generated FAQs -----------------------------------------------------------------------

# Topic words by domain: an entry takes a verb, a noun, a qualifier and a context noun from
# one domain, so entries of a domain share topic words the way a real help centre does.
DOMAINS: dict[str, tuple[str, str, str]] = {
    "billing": (
        "invoice refund payment card receipt charge fee discount coupon voucher balance "
        "statement subscription plan bill credit debit instalment currency tax",
        "pay refund cancel renew dispute download update split change redeem claim",
        "monthly annual recurring pending failed duplicate overdue partial foreign prepaid",
    ),
    "account": (
        "account password email username profile login session avatar handle notification "
        "preference setting language timezone address phone number security question",
        "reset change delete create verify recover rename merge unlock update link",
        "personal business student family shared old primary secondary locked hacked",
    ),
    "shipping": (
        "order package parcel delivery courier tracking label return exchange item box "
        "pickup address warehouse shipment customs stock size colour bundle gift",
        "track ship return exchange cancel reschedule collect redirect insure wrap",
        "express standard international local damaged missing late heavy fragile wrong",
    ),
    "devices": (
        "phone tablet laptop printer router modem battery charger screen keyboard headset "
        "camera speaker firmware driver cable adapter mouse monitor watch",
        "install uninstall connect pair charge restart repair replace configure calibrate",
        "wireless bluetooth refurbished cracked frozen slow noisy spare external smart",
    ),
    "software": (
        "app update backup storage file folder photo video playlist license key plugin "
        "extension browser cache cookie workspace project template report dashboard",
        "download upload sync export import share restore archive install activate",
        "offline shared corrupted large hidden deleted trial beta legacy encrypted",
    ),
    "travel": (
        "flight hotel room seat booking reservation luggage baggage ticket boarding pass "
        "itinerary visa passport lounge upgrade meal transfer rental car insurance",
        "book cancel change upgrade check print extend confirm reserve rebook",
        "economy business window aisle connecting overnight refundable delayed group child",
    ),
    "school": (
        "course lesson exam certificate grade schedule assignment lecture tutor scholarship "
        "transcript enrolment semester module library campus thesis quiz deadline textbook",
        "enrol register submit retake defer appeal attend borrow access withdraw",
        "online evening final optional compulsory international mature remote practical",
    ),
    "work": (
        "contract shift holiday leave pension payslip salary expense timesheet rota badge "
        "laptop desk parking training onboarding review bonus overtime uniform locker",
        "request approve swap book claim submit report extend reclaim schedule",
        "sick annual unpaid parental weekend night hybrid temporary permanent probation",
    ),
}

# Question templates: {v} verb, {n} noun, {a} qualifier (or the product name), {c} context
# noun, {d} determiner, {p} preposition. Short forms and chat style on purpose.
TEMPLATES = (
    "how do i {v} my {a} {n}?",
    "how can i {v} the {n} for my {c}",
    "can i {v} a {a} {n}?",
    "is it possible to {v} {d} {n} {p} the {c}?",
    "what happens if i {v} my {a} {n}",
    "where do i {v} {d} {n}",
    "i want to {v} my {n}, how?",
    "how long does it take to {v} a {a} {n}",
    "{v} {a} {n}",
    "{a} {n} {v}?",
    "help with {a} {n} {c}",
    "why can't i {v} my {n}",
    "who do i ask to {v} {d} {c} {n}",
    "is there a fee to {v} the {a} {n}",
    "need to {v} {n} asap",
    "what's the way to {v} a {a} {n} {p} my {c}",
    "any way to {v} the {c} {n}?",
    "how to {v} {n} {p} {c}",
    "my {a} {n} - can i {v} it?",
    "hey, quick one: does anyone know how to {v} {d} {n}?",
    "trying to {v} my {c} {n} but it doesnt work",
    "is {v} {d} {a} {n} allowed",
    "steps to {v} {n}",
    "what do i need to {v} {d} {a} {n} {p} {c}",
)
DETERMINERS = ("my", "the", "a", "our", "this")
PREPOSITIONS = ("for", "with", "on", "in", "from", "after", "before", "without")
NAME_SHARE = 0.3  # entries with their own made-up product name
SYLLABLES = ("ka", "lo", "ver", "zan", "tri", "mo", "rel", "qu", "sen", "dor", "ix", "pa",
             "vel", "nor", "ta", "bri", "on", "gal", "fen", "ru")

OFF_TOPIC_TEMPLATES = (
    "what's the weather like in {city} tomorrow",
    "who won the {sport} game last night?",
    "can you recommend a good {food} recipe",
    "how do i {hobby} for beginners",
    "best {food} place near {city}?",
    "is it going to rain in {city}",
    "anyone watching the {sport} final tonight",
    "how many calories are in a {food}",
    "tell me a joke about {hobby}",
    "what time is it in {city} right now",
)
OFF_TOPIC_WORDS = {  # space-separated choices per slot
    "city": "paris tokyo lagos lima oslo denver mumbai cairo sydney toronto",
    "sport": "football basketball cricket tennis hockey rugby baseball volleyball",
    "food": "pizza ramen lasagna curry pancake burrito sushi falafel dumpling",
    "hobby": "knitting gardening surfing chess juggling pottery birdwatching",
}
SMALL_TALK = ("hi everyone!", "thanks a lot!!", "good morning", "lol", "ok cool",
              "hello?", "thank you so much, that helped", "anyone here?")

QUERY_KINDS = ("word dropped", "typo", "words swapped", "unseen template", "off-topic")


@dataclass(frozen=True)
class Topic:
    """The topic words one generated entry is about."""

    verb: str
    noun: str
    qualifier: str
    context: str
    name: str | None


@dataclass(frozen=True)
class Query:
    """A benchmark question: its text, how it was made and the entry it came from."""

    text: str
    kind: str
    expect: str | None


def made_up_name(rng: random.Random) -> str:
    """A pronounceable product name such as 'zanvelor'."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def fill(template: str, topic: Topic, rng: random.Random) -> str:
    """One phrasing of a topic; a named topic uses its name as qualifier half the time."""
    qualifier = topic.name if topic.name and rng.random() < 0.5 else topic.qualifier
    return template.format(v=topic.verb, n=topic.noun, a=qualifier, c=topic.context,
                           d=rng.choice(DETERMINERS), p=rng.choice(PREPOSITIONS))


def generate_topics(size: int, rng: random.Random) -> list[Topic]:
    """``size`` distinct topics, each from one domain."""
    domains = [(nouns.split(), verbs.split(), quals.split())
               for nouns, verbs, quals in DOMAINS.values()]
    seen: set[tuple[str, ...]] = set()
    topics: list[Topic] = []
    while len(topics) < size:
        nouns, verbs, quals = rng.choice(domains)
        noun, context = rng.sample(nouns, 2)
        key = (rng.choice(verbs), noun, rng.choice(quals), context)
        name = made_up_name(rng) if rng.random() < NAME_SHARE else None
        if key not in seen:
            seen.add(key)
            topics.append(Topic(*key, name))
    return topics


def generate_faq(size: int, seed: int) -> tuple[list[EntryText], list[Topic], list[list[str]]]:
    """A generated FAQ: entries, their topics and their phrasings (distinct templates)."""
    rng = random.Random(seed)
    topics = generate_topics(size, rng)
    entries: list[EntryText] = []
    templates_used: list[list[str]] = []
    for index, topic in enumerate(topics):
        templates = rng.sample(TEMPLATES, PHRASINGS_PER_ENTRY)
        phrasings = [fill(t, topic, rng) for t in templates]
        entries.append(EntryText(id=f"topic-{index:05d}", phrasings=phrasings))
        templates_used.append(templates)
    return entries, topics, templates_used


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: swapped, dropped, doubled or wrong letter."""
    i = rng.randrange(1, len(word) - 1)
    slip = rng.randrange(4)
    if slip == 0:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1:]
    if slip == 1:
        return word[:i] + word[i + 1:]
    if slip == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeioustnrl") + word[i + 1:]


def perturb(phrasing: str, kind: str, rng: random.Random) -> str:
    """Drop a word, make a typo or swap two neighbouring words."""
    words = phrasing.split()
    if kind == "word dropped" and len(words) >= 3:
        del words[rng.randrange(len(words))]
    elif kind == "typo":
        long_words = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
        if long_words:
            i = rng.choice(long_words)
            words[i] = typo(words[i], rng)
    elif kind == "words swapped" and len(words) >= 2:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def off_topic(rng: random.Random) -> str:
    """A question no help-centre entry answers, or small talk."""
    if rng.random() < 0.25:
        return rng.choice(SMALL_TALK)
    template = rng.choice(OFF_TOPIC_TEMPLATES)
    return template.format(**{k: rng.choice(v.split()) for k, v in OFF_TOPIC_WORDS.items()})


def generate_queries(
    entries: Sequence[EntryText], topics: Sequence[Topic], templates_used: Sequence[list[str]],
    count: int, seed: int,
) -> list[Query]:
    """``count`` queries, an equal share of each kind, in a deterministic shuffled order."""
    rng = random.Random(seed)
    queries: list[Query] = []
    for i in range(count):
        kind = QUERY_KINDS[i % len(QUERY_KINDS)]
        if kind == "off-topic":
            queries.append(Query(off_topic(rng), kind, None))
            continue
        index = rng.randrange(len(entries))
        entry = entries[index]
        if kind == "unseen template":
            unseen = [t for t in TEMPLATES if t not in templates_used[index]]
            text = fill(rng.choice(unseen), topics[index], rng)
        else:
            text = perturb(rng.choice(list(entry.phrasings)), kind, rng)
        queries.append(Query(text, kind, entry.id))
    rng.shuffle(queries)
    return queries


# --- measuring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Per-call times in microseconds."""

    median: float
    p99: float
    calls: int

    @classmethod
    def of(cls, times_ns: Sequence[int]) -> Timing:
        """Median and nearest-rank p99 of nanosecond times."""
        ordered = sorted(times_ns)
        p99 = ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]
        return cls(statistics.median(ordered) / 1000, p99 / 1000, len(ordered))


@dataclass
class CaseResult:
    """Every figure for one FAQ."""

    label: str
    entries: int
    phrasings: int
    build_ms: float
    cold: Timing
    warm: Timing
    tracemalloc_peak_mb: float
    rss_peak_mb: float
    rss_start_mb: float
    top1: float | None = None
    off_topic_declined: float | None = None
    by_kind: dict[str, Timing] = field(default_factory=dict)
    slowest: list[tuple[float, str, str]] = field(default_factory=list)


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def timed_matches(matcher: Matcher, questions: Sequence[str]) -> tuple[list[int], list[Match]]:
    """Time ``matcher.match`` on each question; the times (ns) and the matches."""
    times: list[int] = []
    matches: list[Match] = []
    clock = time.perf_counter_ns
    for question in questions:
        started = clock()
        match = matcher.match(question)
        times.append(clock() - started)
        matches.append(match)
    return times, matches


def measure_evicted(plan: Plan) -> list[tuple[float, Timing, float]]:
    """Per ``EVICT_MB`` size: warm match times on data/faqs.yaml (and their mean, µs) with
    that much memory read before each question."""
    matcher = load_shipped().matcher
    questions = eval_questions()
    timed_matches(matcher, questions)  # every question once: now warm
    rng = random.Random(SEED)
    repeated = [rng.choice(questions) for _ in range(plan.calls)]
    memory = memoryview(bytearray(int(max(EVICT_MB) * 2**20)))
    views = [memory[: int(mb * 2**20)] for mb in EVICT_MB]
    times: list[list[int]] = [[] for _ in EVICT_MB]
    clock = time.perf_counter_ns
    sizes = list(zip(views, times, strict=True))
    for round_, start in enumerate(range(0, len(repeated), EVICT_BLOCK)):
        block = repeated[start:start + EVICT_BLOCK]
        turn = round_ % len(sizes)  # each round starts at the next size: none always follows 32 MB
        for view, found in sizes[turn:] + sizes[:turn]:
            for at, question in enumerate(block[-EVICT_SETTLE:] + block):
                bytes(view[::64])  # reads every cache line of the view
                started = clock()
                matcher.match(question)
                if at >= EVICT_SETTLE:  # not while the last size's state lingers
                    found.append(clock() - started)
    return [(mb, Timing.of(found), statistics.fmean(found) / 1000)
            for mb, found in zip(EVICT_MB, times, strict=True)]


def render_evicted(rows: Sequence[tuple[float, Timing, float]]) -> str:
    """The ``--evict`` table."""
    lines = ["| read before each question | median | mean | p99 | calls |", "|---|---|---|---|---|"]
    lines += [f"| {mb:g} MB | {us(t.median)} | {us(mean)} | {us(t.p99)} | {t.calls:,} |"
              for mb, t, mean in rows]
    return "\n".join(lines)


def memory_peak_mb(build: Callable[[], Matcher], questions: Sequence[str]) -> float:
    """tracemalloc peak (MB) while building a matcher and answering the questions."""
    tracemalloc.start()
    try:
        matcher = build()
        for question in questions:
            matcher.match(question)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / 2**20


def load_shipped() -> Knowledge:
    """data/faqs.yaml loaded the way the bot loads it: a fresh, validated matcher."""
    knowledge = load_faq(FAQ_PATH, check_confusion=False).knowledge
    if knowledge is None:
        raise SystemExit(f"{FAQ_PATH} does not load: run 'residency-bot validate'")
    return knowledge


def eval_questions() -> list[str]:
    """The distinct questions of tests/questions.yaml, in file order."""
    cases = yaml.safe_load(QUESTIONS_PATH.read_text(encoding="utf-8"))
    return list(dict.fromkeys(str(case["q"]) for case in cases))


def measure_shipped_faq(plan: Plan) -> CaseResult:
    """data/faqs.yaml with the eval questions, cold and warm.

    Matchers come from ``load_faq`` so they index exactly what the bot serves; its build
    time is therefore the whole load (parse, validate, index) without the confusion check.
    """
    rss_start = rss_mb()
    questions = eval_questions()
    started = time.perf_counter()
    knowledge = load_shipped()
    build_ms = 1000 * (time.perf_counter() - started)

    cold: list[int] = []
    for round_ in range(math.ceil(plan.calls / len(questions))):
        order = random.Random(SEED + round_).sample(questions, len(questions))
        cold += timed_matches(load_shipped().matcher, order)[0]

    warm_matcher = load_shipped().matcher
    timed_matches(warm_matcher, questions)  # every question once: now warm
    rng = random.Random(SEED)
    repeated = [rng.choice(questions) for _ in range(plan.calls)]
    warm = timed_matches(warm_matcher, repeated)[0]
    rss_peak = rss_mb()

    tracemalloc_peak = memory_peak_mb(lambda: load_shipped().matcher, questions)
    entries = knowledge.faq.entries
    return CaseResult(
        label="data/faqs.yaml", entries=len(entries),
        phrasings=sum(len(e.phrasings()) + len(e.asked) for e in entries), build_ms=build_ms,
        cold=Timing.of(cold), warm=Timing.of(warm), tracemalloc_peak_mb=tracemalloc_peak,
        rss_peak_mb=rss_peak, rss_start_mb=rss_start,
    )


def measure_generated_faq(size: int, plan: Plan) -> CaseResult:
    """A generated FAQ of ``size`` entries: build, a cold pass and a warm pass."""
    rss_start = rss_mb()
    entries, topics, templates_used = generate_faq(size, SEED + size)
    queries = generate_queries(entries, topics, templates_used, plan.generated_queries,
                               SEED + size + 1)
    texts = [q.text for q in queries]
    started = time.perf_counter()
    matcher = Matcher(entries)
    build_ms = 1000 * (time.perf_counter() - started)
    cold, matches = timed_matches(matcher, texts)
    warm = timed_matches(matcher, texts)[0]
    rss_peak = rss_mb()

    in_scope = [(q, m) for q, m in zip(queries, matches, strict=True) if q.expect is not None]
    hits = sum(1 for q, m in in_scope if m.candidates and m.candidates[0].id == q.expect)
    off = [m for q, m in zip(queries, matches, strict=True) if q.expect is None]
    declined = sum(1 for m in off if m.decision is Decision.DECLINE)
    by_kind = {kind: Timing.of([t for t, q in zip(cold, queries, strict=True) if q.kind == kind])
               for kind in QUERY_KINDS}
    slowest = sorted(zip(cold, queries, strict=True), key=lambda tq: -tq[0])[:SLOWEST_SHOWN]

    del matcher
    tracemalloc_peak = memory_peak_mb(lambda: Matcher(entries), texts[: plan.memory_queries])
    return CaseResult(
        label=f"generated, {size:,} entries", entries=size,
        phrasings=sum(len(e.phrasings) for e in entries), build_ms=build_ms,
        cold=Timing.of(cold), warm=Timing.of(warm), tracemalloc_peak_mb=tracemalloc_peak,
        rss_peak_mb=rss_peak, rss_start_mb=rss_start,
        top1=hits / len(in_scope) if in_scope else None,
        off_topic_declined=declined / len(off) if off else None,
        by_kind=by_kind, slowest=[(t / 1000, q.kind, q.text) for t, q in slowest],
    )


def in_fresh_process(function: Callable[..., CaseResult], *args: object) -> CaseResult:
    """Run one measurement in its own process, so its peak RSS is its own."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def load_times_ms(repeats: int) -> tuple[float, float]:
    """Median ``load_faq`` time with and without the confusion check, in ms."""
    medians = []
    for check in (True, False):
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            result = load_faq(FAQ_PATH, check_confusion=check)
            times.append(time.perf_counter() - started)
            if result.knowledge is None:
                raise SystemExit(f"{FAQ_PATH} does not load: run 'residency-bot validate'")
        medians.append(1000 * statistics.median(times))
    return medians[0], medians[1]


def profile(size: int, plan: Plan) -> str:
    """cProfile of answering the generated queries on a fresh ``size``-entry matcher."""
    entries, topics, templates_used = generate_faq(size, SEED + size)
    queries = generate_queries(entries, topics, templates_used, plan.generated_queries,
                               SEED + size + 1)
    matcher = Matcher(entries)
    profiler = cProfile.Profile()
    profiler.enable()
    for query in queries:
        matcher.match(query.text)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return out.getvalue()


# --- output -------------------------------------------------------------------------------


def us(value: float) -> str:
    """Microseconds, readable at any scale."""
    return f"{value:,.0f} µs" if value >= 100 else f"{value:.1f} µs"


def pct(value: float | None) -> str:
    """A share as a percentage, or a dash."""
    return "–" if value is None else f"{100 * value:.1f}%"


def render(results: Sequence[CaseResult], load: tuple[float, float], plan: Plan) -> str:
    """The markdown tables."""
    lines = [
        "| FAQ | entries / phrasings | build | cold median | cold p99 | warm median | warm p99 "
        "| calls (cold + warm) | top-1 | off-topic declined | tracemalloc peak | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.label} | {r.entries:,} / {r.phrasings:,} | {r.build_ms:,.1f} ms "
            f"| {us(r.cold.median)} | {us(r.cold.p99)} | {us(r.warm.median)} "
            f"| {us(r.warm.p99)} | {r.cold.calls:,} + {r.warm.calls:,} | {pct(r.top1)} "
            f"| {pct(r.off_topic_declined)} | {r.tracemalloc_peak_mb:.1f} MB "
            f"| {r.rss_peak_mb:.0f} MB |"
        )
    start = min(r.rss_start_mb for r in results)
    lines.append(f"\nBuild: for data/faqs.yaml the whole load_faq (parse, validate, index), "
                 f"for generated FAQs Matcher(...) alone. Peak RSS is the whole process "
                 f"(interpreter, imports, data, matcher); a fresh process starts at about "
                 f"{start:.0f} MB.\n")

    generated = [r for r in results if r.by_kind]
    lines.append("Cold pass by query kind, median / p99:\n")
    lines.append("| query kind | " + " | ".join(f"{r.entries:,} entries" for r in generated)
                 + " |")
    lines.append("|---|" + "---|" * len(generated))
    for kind in QUERY_KINDS:
        cells = [f"{us(r.by_kind[kind].median)} / {us(r.by_kind[kind].p99)}" for r in generated]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    if generated:
        largest = generated[-1]
        lines.append(f"\nSlowest cold queries at {largest.entries:,} entries:\n")
        lines += [f"- {t:,.0f} µs ({kind}): {text!r}" for t, kind, text in largest.slowest]

    with_check, without = load
    lines += [
        "",
        f"| load_faq(data/faqs.yaml), median of {plan.load_repeats} | time |",
        "|---|---|",
        f"| with check_confusion (as `validate`) | {with_check:.1f} ms |",
        f"| without (as the bot and the CLI load it) | {without:.1f} ms |",
        "",
        "Targets (issue 2, section 6): <= 50 µs per question on data/faqs.yaml, <= 2 ms at "
        "10,000 entries, loading and validating the FAQ <= 200 ms.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure everything (or profile one size) and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller samples, fast run")
    parser.add_argument("--profile", type=int, metavar="ENTRIES", default=None,
                        help="print a cProfile of the queries on a generated FAQ of this size")
    parser.add_argument("--evict", action="store_true",
                        help="only warm matches on data/faqs.yaml, with the CPU caches evicted")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    python = os.path.relpath(Path(sys.executable).absolute(), ROOT)
    command = shlex.join([python, "bench/matching.py", *sys.argv[1:]])

    if args.profile is not None:
        print(profile(args.profile, plan))
        print(f"Command (from the repository root): {command}")
        return 0

    if args.evict:
        print("# Warm matches with the CPU caches evicted\n")
        print(f"Engine: {engine_version()}, Python {platform.python_version()}\n")
        print(render_evicted(measure_evicted(plan)))
        print(f"\nCommand (from the repository root):\n\n    {command}")
        return 0

    load = load_times_ms(plan.load_repeats)  # first: it fails fast on a broken FAQ
    print("measuring data/faqs.yaml...", file=sys.stderr, flush=True)
    results = [in_fresh_process(measure_shipped_faq, plan)]
    for size in SIZES:
        print(f"measuring {size:,} entries...", file=sys.stderr, flush=True)
        results.append(in_fresh_process(measure_generated_faq, size, plan))
    print(f"# Matcher speed and memory{' (--quick)' if args.quick else ''}\n")
    print(f"Engine: {engine_version()}, Python {platform.python_version()}\n")
    print(render(results, load, plan))
    print(f"\nCommand (from the repository root):\n\n    {command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
