"""Answer the questions at hand one after another, before any of their replies is sent.

Under a flood the bot's event loop holds several members' questions at once. Matched as
each arrives, every match runs between discord.py's work on other messages, which has
pushed the matcher's words, postings and classifier out of the CPU's caches: a match then
costs two to three times what it costs warm (BENCHMARKS.md, "Load"). ``Batcher`` takes the
questions that arrive in one turn of the event loop and matches them together in the next,
so the questions after the first find much of the matcher still in the caches (under the
flood of bench/load.py, about 90 µs a question in a batch of 16 or more, against 266 µs
alone). The answers are the ones ``respond`` gives, in the same order; each question waits
at most for the others of its turn.

Nothing here imports discord: the answers cog awaits ``Batcher.respond``.
"""

from __future__ import annotations

import asyncio
from collections import deque

from bot.knowledge import FaqStore
from bot.matching import Match
from bot.replies import Reply, respond

# Questions matched in one go at most: a turn of a hostile flood (long messages, each
# capped by bot.normalise) must not hold the event loop, and discord.py's heartbeat, for
# long. The rest wait for the next turn.
MAX_BATCH = 64


class Batcher:
    """Matches questions in batches, one batch per turn of the event loop."""

    def __init__(self, store: FaqStore, max_batch: int = MAX_BATCH) -> None:
        self._store = store
        self._max_batch = max_batch
        # Questions not matched yet; a run of ``_run`` is pending exactly while it has any.
        self._waiting: deque[tuple[str, asyncio.Future[tuple[Match, Reply]]]] = deque()

    def respond(self, question: str) -> asyncio.Future[tuple[Match, Reply]]:
        """The match and reply for ``question`` (as ``respond``), once its batch has run."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[Match, Reply]] = loop.create_future()
        self._waiting.append((question, future))
        if len(self._waiting) == 1:  # it was empty: no run pending
            loop.call_soon(self._run)
        return future

    def _run(self) -> None:
        """Match up to ``max_batch`` waiting questions, all against one FAQ."""
        waiting = self._waiting
        try:
            knowledge = self._store.current  # one FAQ for the whole batch
            for _ in range(min(len(waiting), self._max_batch)):
                question, future = waiting.popleft()
                if future.done():  # its member's task was cancelled (the bot is closing)
                    continue
                try:
                    future.set_result(respond(knowledge, question))
                except Exception as error:  # that question's task raises it, as before
                    future.set_exception(error)
        finally:  # whatever happens, the questions still waiting get a turn
            if waiting:
                asyncio.get_running_loop().call_soon(self._run)
