"""The bot under a flood of member questions: throughput, latency, CPU, memory, start-up.

Issue 6, "Load". The real bot runs as a subprocess (``python -m bot run`` through
``tests.fakediscord.launcher``) against the loopback Discord, which runs in this process
together with the driver that plays the members:

* Set-up: a temporary directory holds a copy of ``data/faqs.yaml``, the question log and
  the command hash, and a config with ``#answers`` as an answer channel, cooldowns out of
  the way (1,000,000 answers per member per minute, no repeat window, so every answer is
  rendered in full) and the shipped matching thresholds (``BOT_*`` variables are removed
  from the environment, so only this config counts). The emulator sends Discord's
  ``X-RateLimit-*`` headers and enforces them (``dc.rate_limit``; default 10,000 requests
  per route per 1 s window: the same code paths as on Discord, but never a 429 at these
  rates; the number of 429s is printed).
* Start-up: the time from spawning the process to the emulator sending READY with the
  slash commands synced (the bot syncs them before it connects); to the first reply to a
  question posted the moment READY was sent; and to ``on_ready`` (the "Connected as" log
  line, which discord.py delays until no GUILD_CREATE has come for ``guild_ready_timeout``).
* Flood: ``--messages`` questions (default 5,000), ``--in-flight`` at a time (default 50):
  a new one is posted as soon as a reply arrives. About 70% are answerable questions from
  ``tests/questions.yaml`` (``expect`` set), 30% off-topic ones from the same file
  (``expect: null``, which get the polite decline); all mention the bot, from 100 members,
  alternating between ``#general`` and the answer channel ``#answers``. A warm-up of 200
  questions runs first (not counted in the figures, but checked for replies).
* Figures: answered messages per second (flood messages that got a reply, divided by the
  time from the first one posted to the last reply arriving); p50/p99 latency from posting
  a message (MESSAGE_CREATE dispatched by the emulator) to the bot's reply request
  arriving at the emulator; the bot process's CPU milliseconds per message (utime + stime
  from ``/proc/PID/stat``, from after the warm-up to after the flood has settled, so the
  question log's writes are included; split into the event-loop thread and the others,
  from ``/proc/PID/task/PID/stat``); the same for this process (emulator and driver);
  the bot's peak RSS (``VmHWM`` in ``/proc/PID/status``); the share of the machine's CPU
  time the hypervisor gave to other guests during the flood ("steal" in ``/proc/stat``:
  a run with much of it says more about the neighbours than about the bot); and the exact
  count: every message posted must get exactly one reply (bot messages counted per
  referenced message id: missing and duplicates are reported, as are bot messages
  replying to nothing).

``--pong`` runs the same flood against ``bench/pongbot.py``, a plain discord.py bot
replying "pong" to every mention, for a reference on the same machine. ``--alternate N``
runs the residency bot and the pong reference N times each, alternating (bot first), and
prints the median and range of every figure for both, and of the bot's rate as a share of
pong's in each pair: this machine's speed drifts by tens of percent within minutes, so a
single run says little and only runs interleaved in time compare. ``--profile PATH``
runs the bot under cProfile (its figures are then not comparable) and prints the functions
that dominate; the ``.prof`` file is kept at PATH for ``python -m pstats``.

Run it from the repository root (Linux: it reads ``/proc``)::

    .venv/bin/python bench/load.py                 # 5,000 messages, 50 in flight
    .venv/bin/python bench/load.py --quick         # 500 messages
    .venv/bin/python bench/load.py --pong          # the discord.py "pong" reference
    .venv/bin/python bench/load.py --alternate 8   # bot and pong, 8 runs each, interleaved
    .venv/bin/python bench/load.py --hostile --alternate 3   # the same on hostile input
    .venv/bin/python bench/load.py --profile var/load.prof

Every wait is bounded: start-up 30 s, no reply for 15 s ends the flood (the messages left
are reported missing), and the whole run is cancelled after a deadline that grows with
``--messages``. Exit status 1 if a message got no reply or more than one, if a reply
would ping anyone, if the flood stopped early, if the bot printed a traceback, or if the
emulator saw an error or an unimplemented route. A reply past Discord's length limits
counts as missing: the emulator refuses it with a 400, as Discord does.

``--hostile`` disguises every question of the flood as hostile input, five kinds in turn
(``HOSTILE_KINDS``): 4,000 characters with the question last; zero-width and right-to-left
characters between its letters; ``@everyone``, ``@here``, a role and a user mention first;
a quote in bold markdown, then a code block; full-width letters after two emoji. The
figures are then the bot's rate on such input.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import importlib
import io
import math
import multiprocessing
import os
import platform
import pstats
import random
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `tests` (and `bot`) importable
    sys.path.insert(0, str(ROOT))

from bench.pongbot import READY_LINE as PONG_READY_LINE  # noqa: E402
from tests.fakediscord import BotProcess, Channel, Harness, Member  # noqa: E402

FAQ_SOURCE = ROOT / "data" / "faqs.yaml"
QUESTIONS = ROOT / "tests" / "questions.yaml"
SEED = 20240917
MEMBERS = 100
WARMUP_MESSAGES = 200
OFF_TOPIC_SHARE = 0.3
RATE_LIMIT = 10_000
RATE_WINDOW = 1.0
START_TIMEOUT = 30.0
STALL_TIMEOUT = 15.0
SETTLE_TIMEOUT = 10.0
GRACE_SECONDS = 0.5  # after the last reply, for late duplicates
MESSAGE_ROUTE_SUFFIX = "/channels/{channel_id}/messages"
RESIDENCY_READY_LINE = "Connected as"
PONG_MODULE = "bench.pongbot:main"
PROFILE_ENV = "BENCH_LOAD_PROFILE"
TARGET_ENV = "BENCH_LOAD_TARGET"
PROFILE_ENTRY = "bench.load:profiled_entry"
PROFILE_ROWS = 25
TRACEBACK_MARK = "Traceback (most recent call last)"

# The targets, printed next to the residency bot's figures.
TARGET_RATE = 1_500
TARGET_RSS_MB = 100
TARGET_START_S = 2.0

Plan = list[tuple[Member, Channel, str]]

# --hostile: each question of the flood in one of these disguises, in turn. The bot must
# answer it as usual, and no reply may ping anyone (nor pass Discord's limits: the emulator
# refuses such a reply).
FILLER = "I have been reading about machine learning for a long while and I enjoy it. "
FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}  # "a" -> "ａ" (NFKC folds back)
HOSTILE_KINDS: dict[str, Callable[[str], str]] = {
    "4,000 characters, the question last": lambda q: FILLER * ((4000 - len(q)) // len(FILLER)) + q,
    "zero-width and right-to-left characters": lambda q: "\u202e" + "\u200b".join(q) + "\u202c",
    "@everyone, @here, role and user mentions": lambda q: (
        f"@everyone @here <@&987654321098765432> <@123456789012345678> {q}"),
    "markdown and a code block": lambda q: f"> **{q}**\n```py\nprint('@everyone')\n```",
    "full-width letters and emoji": lambda q: "😀👩‍💻 " + q.translate(FULL_WIDTH),
}


def hostile(text: str, index: int) -> str:
    """The question in its ``index``-th disguise (``HOSTILE_KINDS``, in turn)."""
    kinds = list(HOSTILE_KINDS.values())
    return kinds[index % len(kinds)](text)


# --- the bot's side -------------------------------------------------------------------


def profiled_entry(argv: Sequence[str]) -> int:
    """Launcher entry point for ``--profile``: run the target under cProfile and dump the
    stats to $BENCH_LOAD_PROFILE when it returns (the bot returns on SIGTERM)."""
    spec = os.environ.get(TARGET_ENV, "bot.cli:main")
    module_name, _, function = spec.partition(":")
    target: Callable[[Sequence[str]], int] = getattr(
        importlib.import_module(module_name), function or "main")
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        return target(list(argv))
    finally:
        profiler.disable()
        path = Path(os.environ[PROFILE_ENV])
        path.parent.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(path)


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    """User + system CPU time of a process so far (all its threads), or of one thread."""
    path = Path(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat")
    stat = path.read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # fields from the 3rd (state) on
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_ticks() -> tuple[int, int]:
    """The whole machine's CPU ticks so far, and the steal among them (``/proc/stat``):
    time the hypervisor gave this virtual machine's CPUs to someone else."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest is in user)
    return total, fields[7] if len(fields) > 7 else 0


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- what the members say -------------------------------------------------------------


def load_questions() -> tuple[list[str], list[str]]:
    """(answerable, off-topic) questions of tests/questions.yaml."""
    cases = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    answerable = [str(c["q"]) for c in cases if c.get("expect")]
    off_topic = [str(c["q"]) for c in cases if not c.get("expect")]
    return answerable, off_topic


def make_plan(count: int, members: list[Member], channels: list[Channel],
              rng: random.Random, disguised: bool = False) -> tuple[Plan, int]:
    """`count` (member, channel, question) triples and how many of them are off-topic;
    each question ``hostile`` in turn when ``disguised``."""
    answerable, off_topic = load_questions()
    off = round(count * OFF_TOPIC_SHARE)
    texts = [rng.choice(off_topic) for _ in range(off)]
    texts += [rng.choice(answerable) for _ in range(count - off)]
    rng.shuffle(texts)
    if disguised:
        texts = [hostile(text, i) for i, text in enumerate(texts)]
    plan = [(members[i % len(members)], channels[i % len(channels)], text)
            for i, text in enumerate(texts)]
    return plan, off


def write_config(tmp: Path, answer_channel: Channel) -> Path:
    """A config like config/bot.yaml with everything under `tmp` and cooldowns out of the way."""
    faq = tmp / "faqs.yaml"
    shutil.copyfile(FAQ_SOURCE, faq)
    config: dict[str, Any] = {
        "faq_path": str(faq),
        "watch_faq": True,  # as shipped: the watcher runs, nothing changes the file
        "guild_id": None,
        "answer_channels": [answer_channel.id],
        "command_hash_path": str(tmp / "commands.sha256"),
        "message_content_intent": True,
        "log_level": "INFO",
        "cooldowns": {"member_questions": 1_000_000, "member_window_seconds": 60,
                      "repeat_window_seconds": 0},
        "question_log": {"path": str(tmp / "questions.sqlite3"), "salt": "bench-load"},
    }
    path = tmp / "bot.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


# --- driving the flood ----------------------------------------------------------------


@dataclass
class Posted:
    """Every message the members posted: id -> monotonic time it was dispatched."""

    at: dict[int, float] = field(default_factory=dict)
    stalled: bool = False


async def flood(dc: Harness, plan: Plan, in_flight: int, posted: Posted, deadline: float) -> None:
    """Post `plan`, keeping `in_flight` messages without a reply; return when every one has
    a reply, or when no reply came for STALL_TIMEOUT seconds, or at `deadline`."""
    pending: set[int] = set()
    scanned = len(dc.sent)
    following = 0
    loop = asyncio.get_running_loop()
    while following < len(plan) or pending:
        while following < len(plan) and len(pending) < in_flight:
            member, channel, text = plan[following]
            following += 1
            posted_at = time.monotonic()
            message = await dc.say(member, channel, text, mentions_bot=True)
            message_id = int(message["id"])
            posted.at[message_id] = posted_at
            pending.add(message_id)
        if loop.time() > deadline:
            posted.stalled = True
            return
        mark = scanned
        try:
            await dc.notifier.wait_until(
                lambda: True if len(dc.sent) > mark else None,  # noqa: B023 (called at once)
                timeout=STALL_TIMEOUT,
                what=lambda: "a reply",
            )
        except AssertionError:
            posted.stalled = True
            return
        for sent in dc.sent[scanned:]:
            if sent.kind == "message" and sent.reference_id is not None:
                pending.discard(sent.reference_id)
        scanned = len(dc.sent)


@dataclass
class Startup:
    """Seconds from spawning the bot process to each milestone (None: not reached)."""

    ready_and_synced: float | None = None
    first_reply: float | None = None
    on_ready: float | None = None


async def watch_startup(dc: Harness, spawned: float, startup: Startup, ready_line: str,
                        wait_for_sync: bool, probe: tuple[Member, Channel, str],
                        posted: Posted) -> None:
    """Record start-up milestones; post a question the moment READY is sent."""
    def synced() -> bool:
        return not wait_for_sync or dc.world.commands.puts > 0
    await dc.wait_for(lambda: dc.server.gateway.identifies > 0 and synced(),
                      what="READY and the command sync", timeout=START_TIMEOUT)
    startup.ready_and_synced = time.monotonic() - spawned
    member, channel, text = probe
    posted_at = time.monotonic()
    message = await dc.say(member, channel, text, mentions_bot=True)
    posted.at[int(message["id"])] = posted_at
    await dc.reply_to(message, timeout=START_TIMEOUT)
    startup.first_reply = time.monotonic() - spawned

    def logged_ready() -> bool:
        process = dc.process
        return process is not None and any(ready_line in line for line in process.lines)

    await dc.wait_for(logged_ready, what="on_ready in the bot's log", timeout=START_TIMEOUT)
    startup.on_ready = time.monotonic() - spawned


# --- one run --------------------------------------------------------------------------


@dataclass
class Result:
    """What one run measured."""

    mode: str
    messages: int
    off_topic: int
    in_flight: int
    startup: Startup
    flood_seconds: float = float("nan")
    answered: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    bot_cpu_s: float = float("nan")
    bot_main_thread_cpu_s: float = float("nan")  # the event loop (the rest: sqlite, watcher)
    driver_cpu_s: float = float("nan")
    peak_rss_mb: float = float("nan")
    steal_share: float = float("nan")  # of the machine's CPU time during the flood
    checked: int = 0
    exactly_one: int = 0
    missing: int = 0
    duplicates: int = 0  # messages with more than one reply
    extra_replies: int = 0  # replies beyond the first, summed
    stray: int = 0  # bot messages replying to nothing we posted
    pinging: int = 0  # replies that would notify someone (allowed_mentions applied)
    other_output: Counter[str] = field(default_factory=Counter)
    too_many_requests: int = 0
    reply_requests: int = 0
    stalled: bool = False
    exit_code: int | None = None
    bot_problems: list[str] = field(default_factory=list)
    harness_problem: str | None = None

    @property
    def rate(self) -> float:
        return self.answered / self.flood_seconds if self.flood_seconds > 0 else 0.0

    @property
    def failed(self) -> bool:
        return bool(self.missing or self.duplicates or self.stray or self.stalled
                    or self.harness_problem or any(TRACEBACK_MARK in p
                                                   for p in self.bot_problems)
                    or self.pinging)


def count_replies(dc: Harness, posted: Posted, result: Result) -> None:
    """Replies per posted message, from everything the bot sent."""
    per_message: Counter[int] = Counter()
    for sent in dc.sent:
        if sent.kind != "message":
            result.other_output[sent.kind] += 1
        elif sent.reference_id in posted.at:
            per_message[sent.reference_id] += 1
            result.pinging += bool(sent.pings)
        else:
            result.stray += 1
    result.checked = len(posted.at)
    result.exactly_one = sum(1 for m in posted.at if per_message[m] == 1)
    result.missing = sum(1 for m in posted.at if per_message[m] == 0)
    result.duplicates = sum(1 for m in posted.at if per_message[m] > 1)
    result.extra_replies = sum(max(0, per_message[m] - 1) for m in posted.at)


def reply_arrivals(dc: Harness) -> dict[int, float]:
    """Referenced message id -> when the bot's first accepted reply request arrived."""
    arrivals: dict[int, float] = {}
    for request in dc.requests:
        if (request.method == "POST" and request.status == 200 and request.route
                and request.route.endswith(MESSAGE_ROUTE_SUFFIX)
                and isinstance(request.body, dict)):
            reference = request.body.get("message_reference") or {}
            if reference.get("message_id"):
                arrivals.setdefault(int(reference["message_id"]), request.at)
    return arrivals


def bot_problems(process: BotProcess) -> list[str]:
    """Warning and error lines (and tracebacks) the bot printed."""
    return [line for line in process.lines
            if " WARNING " in line or " ERROR " in line or " CRITICAL " in line
            or TRACEBACK_MARK in line]


async def run_once(options: argparse.Namespace) -> Result:
    """Start the emulator and the bot, flood it, and measure."""
    rng = random.Random(SEED)
    pong = bool(options.pong)
    for key in [k for k in os.environ if k.startswith("BOT_")]:
        del os.environ[key]  # the bot reads BOT_* settings: only the temp config counts
    result = Result(mode="pong" if pong else "residency", messages=options.messages,
                    off_topic=0, in_flight=options.in_flight, startup=Startup())
    deadline_s = 3 * START_TIMEOUT + 2 * STALL_TIMEOUT + options.messages / 50
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            async with asyncio.timeout(deadline_s), Harness.open() as dc:
                await measure(dc, options, tmp, rng, result)
        except AssertionError as error:  # the harness's teardown check
            result.harness_problem = str(error)
        except TimeoutError:
            result.harness_problem = f"the run did not finish within {deadline_s:.0f} s"
    return result


async def measure(dc: Harness, options: argparse.Namespace, tmp: Path, rng: random.Random,
                  result: Result) -> None:
    """The body of a run, inside the emulator."""
    pong = result.mode == "pong"
    dc.rate_limit(limit=options.rate_limit, window=options.rate_window)
    channels = [dc.channel("general"), dc.channel("answers")]
    members = [dc.member(f"asker{i:03d}") for i in range(MEMBERS)]
    warmup, _ = make_plan(min(WARMUP_MESSAGES, options.messages), members, channels, rng,
                          options.hostile)
    plan, result.off_topic = make_plan(options.messages, members, channels, rng,
                                       options.hostile)

    env = {"DISCORD_TOKEN": dc.token}
    if pong:
        args: list[str] = []
        module: str | None = PONG_MODULE
        ready_line = PONG_READY_LINE
    else:
        args = ["run", "--config", str(write_config(tmp, channels[1]))]
        module, ready_line = None, RESIDENCY_READY_LINE
    if options.profile:
        env |= {PROFILE_ENV: str(Path(options.profile).absolute()),
                TARGET_ENV: module or "bot.cli:main"}
        module = PROFILE_ENTRY

    posted = Posted()
    spawned = time.monotonic()
    watcher = asyncio.create_task(watch_startup(
        dc, spawned, result.startup, ready_line, not pong, plan[0], posted))
    try:
        process = await dc.start_process(args, module=module, env=env,
                                         ready_timeout=START_TIMEOUT, wait_for_sync=not pong)
        await asyncio.wait_for(asyncio.shield(watcher), START_TIMEOUT)
    except BaseException:
        watcher.cancel()
        raise
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STALL_TIMEOUT + options.messages / 50

    await flood(dc, warmup, options.in_flight, posted, deadline)
    await dc.settle(timeout=SETTLE_TIMEOUT)
    pid = process.process.pid
    bot_before, driver_before = cpu_seconds(pid), time.process_time()
    loop_before = cpu_seconds(pid, pid)
    ticks_before = cpu_ticks()

    flood_posted = Posted()
    await flood(dc, plan, options.in_flight, flood_posted, deadline)
    result.stalled = flood_posted.stalled
    await asyncio.sleep(GRACE_SECONDS)
    with contextlib.suppress(AssertionError):  # still busy: the counts below will say so
        await dc.settle(timeout=SETTLE_TIMEOUT)
    result.bot_cpu_s = cpu_seconds(pid) - bot_before
    result.bot_main_thread_cpu_s = cpu_seconds(pid, pid) - loop_before
    result.driver_cpu_s = time.process_time() - driver_before
    ticks_after = cpu_ticks()
    ticks = ticks_after[0] - ticks_before[0]
    result.steal_share = (ticks_after[1] - ticks_before[1]) / ticks if ticks else float("nan")
    result.peak_rss_mb = peak_rss_mb(pid)
    result.exit_code = await process.stop()
    result.bot_problems = bot_problems(process)

    arrivals = reply_arrivals(dc)
    first_post = min(flood_posted.at.values())
    answered = [arrivals[m] for m in flood_posted.at if m in arrivals]
    result.answered = len(answered)
    result.flood_seconds = (max(answered) - first_post) if answered else float("nan")
    result.latencies_ms = [(arrivals[m] - t) * 1000 for m, t in flood_posted.at.items()
                           if m in arrivals]
    posted.at |= flood_posted.at
    count_replies(dc, posted, result)
    result.too_many_requests = sum(1 for r in dc.requests if r.status == 429)
    result.reply_requests = sum(1 for r in dc.requests if r.method == "POST" and r.route
                                and r.route.endswith(MESSAGE_ROUTE_SUFFIX))


# --- reporting ------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def seconds(value: float | None) -> str:
    return "not reached" if value is None else f"{value:.2f} s"


def render(result: Result, options: argparse.Namespace) -> str:
    """The markdown table of one run."""
    pong = result.mode == "pong"

    def target(text: str) -> str:
        return "" if pong else text

    per_message = 1000 / result.messages
    s = result.startup
    other = ", ".join(f"{k} {v}" for k, v in sorted(result.other_output.items())) or "none"
    rows = [
        ("messages posted (off-topic), in flight",
         f"{result.messages:,} ({result.off_topic:,}), {result.in_flight}", ""),
        ("answered messages per second", f"{result.rate:,.0f} /s",
         target(f">= {TARGET_RATE:,} /s")),
        ("latency p50 / p99 (posted -> reply at the emulator)",
         f"{percentile(result.latencies_ms, 50):.1f} / "
         f"{percentile(result.latencies_ms, 99):.1f} ms", ""),
        ("bot CPU per message (event-loop thread + other threads)",
         f"{result.bot_cpu_s * per_message:.2f} ms "
         f"({result.bot_main_thread_cpu_s * per_message:.2f} + "
         f"{max(0.0, result.bot_cpu_s - result.bot_main_thread_cpu_s) * per_message:.2f})",
         ""),
        ("emulator + driver CPU per message (this process)",
         f"{result.driver_cpu_s * per_message:.2f} ms", ""),
        ("bot peak RSS (VmHWM)", f"{result.peak_rss_mb:.1f} MB",
         target(f"< {TARGET_RSS_MB} MB")),
        ("CPU time stolen by the hypervisor during the flood (/proc/stat)",
         f"{result.steal_share:.0%}", ""),
        ("start-up: spawn -> READY sent" + ("" if pong else " + commands synced"),
         seconds(s.ready_and_synced), target(f"< {TARGET_START_S:.0f} s")),
        ("start-up: spawn -> first reply", seconds(s.first_reply), ""),
        ("start-up: spawn -> on_ready logged", seconds(s.on_ready), ""),
        (f"replies: exactly one / missing / duplicated (of {result.checked:,} posted, "
         "warm-up included)",
         f"{result.exactly_one:,} / {result.missing:,} / {result.duplicates:,}",
         target("exactly one each")),
        ("bot messages replying to nothing posted; other output",
         f"{result.stray}; {other}", ""),
        ("replies that would ping anyone", f"{result.pinging:,}", target("none")),
        (f"rate limit: X-RateLimit-* on, {options.rate_limit:,} per route per "
         f"{options.rate_window:g} s; 429s answered",
         f"{result.too_many_requests} (of {result.reply_requests:,} reply requests)", ""),
        ("bot exit code after SIGTERM; warning/error lines",
         f"{result.exit_code}; {len(result.bot_problems)}", ""),
    ]
    lines = ["| figure | value | target |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {goal} |" for name, value, goal in rows]
    return "\n".join(lines)


def spread(values: Sequence[float], unit: str, digits: int = 0) -> str:
    """Median, then the range in brackets: "1,150 /s (1,034–1,338)"."""
    def number(value: float) -> str:
        return f"{value:,.{digits}f}"
    if not values:
        return "no run"
    median = statistics.median(values)
    return f"{number(median)}{unit} ({number(min(values))}–{number(max(values))})"


def render_alternating(pairs: Sequence[tuple[Result, Result]]) -> str:
    """The markdown table of interleaved runs: (residency bot, pong) per pair."""
    figures: list[tuple[str, Callable[[Result], float | None], str, int, str]] = [
        ("answered messages per second", lambda r: r.rate, " /s", 0, f">= {TARGET_RATE:,} /s"),
        ("latency p50 (posted -> reply at the emulator)",
         lambda r: percentile(r.latencies_ms, 50), " ms", 1, ""),
        ("latency p99", lambda r: percentile(r.latencies_ms, 99), " ms", 1, ""),
        ("bot CPU per message", lambda r: r.bot_cpu_s * 1000 / r.messages, " ms", 2, ""),
        ("emulator + driver CPU per message",
         lambda r: r.driver_cpu_s * 1000 / r.messages, " ms", 2, ""),
        ("bot peak RSS (VmHWM)", lambda r: r.peak_rss_mb, " MB", 1, f"< {TARGET_RSS_MB} MB"),
        ("CPU time stolen by the hypervisor during the flood", lambda r: r.steal_share * 100,
         "%", 0, ""),
        ("start-up: spawn -> READY sent (bot: + commands synced)",
         lambda r: r.startup.ready_and_synced, " s", 2, f"< {TARGET_START_S:.0f} s"),
        ("start-up: spawn -> on_ready logged", lambda r: r.startup.on_ready, " s", 2, ""),
    ]
    lines = ["| figure | residency bot | pong reference | target (bot) |", "|---|---|---|---|"]
    for name, figure, unit, digits, goal in figures:
        cells = []
        for side in (0, 1):
            values = [v for pair in pairs if (v := figure(pair[side])) is not None
                      and not math.isnan(v)]
            cells.append(spread(values, unit, digits))
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {goal} |")
    shares = [bot.rate / pong.rate * 100 for bot, pong in pairs if pong.rate > 0]
    lines.append(f"| bot's rate as a share of pong's, per pair | {spread(shares, '%')} | | |")
    for side, label in ((0, "residency bot"), (1, "pong reference")):
        runs = [pair[side] for pair in pairs]
        lines.append(
            f"| {label}: replies exactly one / missing / duplicated, all runs | "
            f"{sum(r.exactly_one for r in runs):,} / {sum(r.missing for r in runs):,} / "
            f"{sum(r.duplicates for r in runs):,} of {sum(r.checked for r in runs):,} | | |")
    bots = [bot for bot, _ in pairs]
    lines.append(f"| residency bot: replies that would ping anyone, all runs | "
                 f"{sum(b.pinging for b in bots):,} | | none |")
    bad_exits = sum(bot.exit_code != 0 or bool(bot.bot_problems) for bot, _ in pairs)
    lines.append(f"| bot runs not ending with exit 0 and no warning line | {bad_exits} | | |")
    return "\n".join(lines)


def profile_summary(path: Path) -> str:
    """The functions that dominate the profile, by own time and by cumulative time."""
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("tottime").print_stats(PROFILE_ROWS)
    stats.sort_stats("cumulative").print_stats(PROFILE_ROWS)
    return out.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, run once, print the table (and the profile)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5_000, help="flood size (%(default)s)")
    parser.add_argument("--in-flight", type=int, default=50,
                        help="messages awaiting a reply at any time (%(default)s)")
    parser.add_argument("--quick", action="store_true", help="500 messages")
    parser.add_argument("--pong", action="store_true",
                        help="the discord.py reference bot (bench/pongbot.py) instead")
    parser.add_argument("--rate-limit", type=int, default=RATE_LIMIT,
                        help="emulator rate limit: requests per route per window (%(default)s)")
    parser.add_argument("--rate-window", type=float, default=RATE_WINDOW,
                        help="emulator rate-limit window in seconds (%(default)s)")
    parser.add_argument("--alternate", metavar="N", type=int, default=0,
                        help="N runs each of the bot and the pong reference, interleaved")
    parser.add_argument("--hostile", action="store_true",
                        help="every question disguised as hostile input (HOSTILE_KINDS, in turn)")
    parser.add_argument("--profile", metavar="PATH", default=None,
                        help="run the bot under cProfile, write the stats to PATH, print them")
    options = parser.parse_args(argv)
    if options.quick:
        options.messages = 500
    if options.messages < 1 or options.in_flight < 1:
        parser.error("--messages and --in-flight must be at least 1")
    if options.alternate and (options.pong or options.profile):
        parser.error("--alternate runs both bots itself and cannot run under --profile")
    python = os.path.relpath(Path(sys.executable).absolute(), ROOT)
    pinned = pinned_cpus()  # run under taskset: say so in the command
    taskset = ["taskset", "-c", ",".join(map(str, pinned))] if pinned else []
    command = shlex.join([*taskset, python, "bench/load.py", *sys.argv[1:]])
    if options.alternate:
        return main_alternating(options, command)
    result = asyncio.run(run_once(options))
    title = "discord.py pong reference" if options.pong else "residency bot"
    print(f"# Load: {title}{' (under cProfile)' if options.profile else ''}\n")
    print(environment("the run"))
    print(render(result, options))
    if result.latencies_ms:
        print(f"\nlatency ms: min {min(result.latencies_ms):.1f}, "
              f"mean {statistics.fmean(result.latencies_ms):.1f}, "
              f"max {max(result.latencies_ms):.1f}; flood {result.flood_seconds:.2f} s")
    if result.stalled:
        print(f"\nThe flood stopped early: no reply for {STALL_TIMEOUT:.0f} s, or the deadline.")
    if result.harness_problem:
        print(f"\nEmulator/harness problem:\n{result.harness_problem}")
    for line in result.bot_problems[:10]:
        print(f"bot: {line}")
    if options.profile:
        print(f"\n## cProfile of the bot process ({options.profile})\n")
        print(profile_summary(Path(options.profile)))
    print(f"\nCommand (from the repository root):\n\n    {command}")
    return 1 if result.failed else 0


def pinned_cpus() -> list[int]:
    """The CPUs this run may use when ``taskset`` leaves it fewer than the machine has
    (the bot, the emulator and the driver then share them); empty when it may use all."""
    usable = sorted(os.sched_getaffinity(0))
    return usable if len(usable) < (os.cpu_count() or 0) else []


def environment(after: str) -> str:
    """The engine's commit, Python, CPUs and the load average after ``after``."""
    from provenance import engine_version  # bench/ is on sys.path when run as a script

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    pinned, present = pinned_cpus(), os.cpu_count()
    cpus = f"{len(pinned)} of {present} CPUs (affinity)" if pinned else f"{present} CPUs"
    return (f"Engine: {engine_version()}, Python {platform.python_version()}, "
            f"{cpus}, load average after {after} {load}\n")


def run_once_blocking(options: argparse.Namespace) -> Result:
    """One run, for a worker process."""
    return asyncio.run(run_once(options))


def run_in_fresh_process(options: argparse.Namespace) -> Result:
    """One run in a new process. Eight pairs in one long-lived process drifted: the bot's
    rate fell from 1,243 /s in the first runs to 819-929 /s in the later ones while pong's
    rose, and the emulator's CPU per bot message spread over 0.49-0.77 ms."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(run_once_blocking, options).result()


def main_alternating(options: argparse.Namespace, command: str) -> int:
    """``--alternate N``: bot, pong, bot, pong, ...; one summary table."""
    pairs: list[tuple[Result, Result]] = []
    for run in range(1, options.alternate + 1):
        pair = []
        for pong in (False, True):
            options.pong = pong
            result = run_in_fresh_process(options)
            print(f"run {run}, {result.mode}: {result.rate:,.0f} /s, bot CPU "
                  f"{result.bot_cpu_s * 1000 / result.messages:.2f} ms per message, "
                  f"{result.steal_share:.0%} stolen{', FAILED' if result.failed else ''}",
                  file=sys.stderr, flush=True)
            pair.append(result)
        pairs.append((pair[0], pair[1]))
    print(f"# Load: residency bot and pong reference, {options.alternate} runs each, "
          "alternating\n")
    print(environment("the runs"))
    print(f"{options.messages:,} messages per run, {options.in_flight} in flight; "
          "median, then the range in brackets.\n")
    print(render_alternating(pairs))
    failed = [r for pair in pairs for r in pair if r.failed]
    for result in failed:
        print(f"\nA {result.mode} run failed: missing {result.missing}, duplicated "
              f"{result.duplicates}, stray {result.stray}, stalled {result.stalled}; "
              f"{result.harness_problem or ''}")
    print(f"\nCommand (from the repository root):\n\n    {command}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
