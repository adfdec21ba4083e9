"""What building a reply costs after the match: the buttons and the embed (issue 6).

For the questions of tests/questions.yaml, the replies the bot would send (``respond`` on
data/faqs.yaml with config/bot.yaml's thresholds) are rendered again and again, and the
time per reply is printed (best and median of ``--rounds`` passes over all of them):

* ``build_reply_view``: the buttons built from discord.py's items, as before stop 17;
* ``reply_view``: the same rows from the per-reply cache, the question key put in;
* ``reply_embed``: the (cached) embed, and its ``to_dict`` as discord.py sends it.

Every reply is given a fresh 32-character question key, as the bot does. Run from the
repository root::

    .venv/bin/python bench/render.py
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from provenance import engine_version

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the `bot` package importable
    sys.path.insert(0, str(ROOT))

from bot.discord_render import reply_embed  # noqa: E402
from bot.evaluation import load_cases  # noqa: E402
from bot.knowledge import load_faq  # noqa: E402
from bot.replies import Reply, respond  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.views import build_reply_view, reply_view  # noqa: E402


def per_reply(action: Callable[[Reply, str], object], replies: Sequence[Reply],
              keys: Sequence[str], rounds: int) -> tuple[float, float]:
    """Best and median microseconds per reply over ``rounds`` passes."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for reply, key in zip(replies, keys, strict=True):
            action(reply, key)
        times.append((time.perf_counter() - start) / len(replies) * 1e6)
    return min(times), statistics.median(times)


async def main(argv: Sequence[str] | None = None) -> int:
    """Time each step; a running loop, as in the bot (discord.py views want one)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes (%(default)s)")
    options = parser.parse_args(argv)
    settings = load_settings(ROOT / "config" / "bot.yaml")
    knowledge = load_faq(ROOT / "data" / "faqs.yaml", settings.matching.thresholds(),
                         check_confusion=False).knowledge
    assert knowledge is not None
    questions = [case.question for case in load_cases(ROOT / "tests" / "questions.yaml")]
    replies = [respond(knowledge, question)[1] for question in questions]
    keys = [secrets.token_hex(16) for _ in replies]
    steps: list[tuple[str, Callable[[Reply, str], object]]] = [
        ("build_reply_view (discord.py items)", lambda r, k: build_reply_view(r, k)),
        ("reply_view (cached rows)", lambda r, k: reply_view(r, k)),
        ("build_reply_view + to_components", lambda r, k: (
            v.to_components() if (v := build_reply_view(r, k)) else None)),
        ("reply_view + to_components", lambda r, k: (
            v.to_components() if (v := reply_view(r, k)) else None)),
        ("reply_embed + to_dict", lambda r, k: reply_embed(r).to_dict()),
    ]
    print(f"# Rendering a reply\n\nEngine: {engine_version()}; {len(replies)} replies "
          f"(tests/questions.yaml), {options.rounds} passes\n")
    print("| step | best µs per reply | median µs per reply |\n|---|---|---|")
    for name, action in steps:
        for reply, key in zip(replies, keys, strict=True):  # warm the caches, as a bot's are
            action(reply, key)
        best, median = per_reply(action, replies, keys, options.rounds)
        print(f"| {name} | {best:.1f} | {median:.1f} |")
    print("\nCommand (from the repository root):\n\n    .venv/bin/python bench/render.py")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
