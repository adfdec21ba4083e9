"""Live reload of the FAQ file: validate fully, swap atomically, never serve a bad edit.

The parent directory is watched (not the file) so that editors which save through a
temporary file and a rename, or delete and re-create the file, are still seen. A change is
loaded only once the file has been quiet for ``settle_seconds``, so a save made of several
writes is read whole. The new file is validated with ``load_faq``; only an error-free file
is swapped in, otherwise the last good FAQ keeps being served and the problems are logged
and reported with their ``file:line``. Pure asyncio + watchfiles: no Discord here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change as FileChange
from watchfiles import awatch

from bot.faqcheck import Problem
from bot.knowledge import Change, FaqStore, LoadResult, load_faq_text
from bot.matching import Thresholds

log = logging.getLogger(__name__)

# A watch that fails (directory removed, too many inotify watches) restarts after this
# pause, doubling up to WATCH_RETRY_MAX_SECONDS.
WATCH_RETRY_FIRST_SECONDS = 0.5
WATCH_RETRY_MAX_SECONDS = 60.0
# How long ``stop`` waits for the watcher thread to notice before cancelling it.
STOP_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class ReloadReport:
    """The outcome of one reload, as moderators see it."""

    ok: bool
    message: str  # one line: the change summary, or why nothing was swapped in
    problems: tuple[Problem, ...] = ()  # the errors that stopped the reload
    change: Change | None = None

    def text(self) -> str:
        """The message followed by one line per problem (``file:line:column: ...``)."""
        return "\n".join([self.message, *(str(p) for p in self.problems)])


ReportCallback = Callable[[ReloadReport], Awaitable[None]]


class FaqReloader:
    """Watches the FAQ file and swaps each valid version into ``store``."""

    def __init__(
        self,
        store: FaqStore,
        path: str | Path,
        on_report: ReportCallback | None = None,
        settle_seconds: float = 0.4,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.path = Path(path)
        self._store = store
        self._on_report = on_report
        self._settle = settle_seconds
        self._thresholds = thresholds
        self._lock = asyncio.Lock()
        self._dirty = asyncio.Event()
        self._stopping = asyncio.Event()
        self._last_event = 0.0
        self._last_failure: tuple[str, ...] = ()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start watching (returns at once)."""
        self._stopping.clear()
        self._tasks = [
            asyncio.create_task(self._watch(), name="faq-watch"),
            asyncio.create_task(self._reload_when_settled(), name="faq-reload"),
        ]

    async def stop(self) -> None:
        """Stop watching. A reload cut short is simply not swapped in."""
        self._stopping.set()
        for task in self._tasks:
            if task.get_name() == "faq-reload":
                task.cancel()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True),
                                   STOP_TIMEOUT_SECONDS)
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    async def reload_now(self) -> tuple[bool, str]:
        """Reload at once (the moderator command): ``(ok, summary or errors)``."""
        report = await self.reload(forced=True)
        assert report is not None  # a forced reload always reports
        return report.ok, report.text()

    async def reload(self, forced: bool = False) -> ReloadReport | None:
        """Validate the file and swap it in if it has no error.

        Returns the report, or None when nothing needs saying: the file is unchanged, or
        fails exactly as it did last time (unless ``forced``). Reports go to the callback
        unless ``forced`` (then the caller shows them).
        """
        async with self._lock:
            result = await asyncio.to_thread(self._load, forced)
            report = self._apply(result, forced)
        if report is not None and not forced and self._on_report is not None:
            try:
                await self._on_report(report)
            except Exception:  # a broken mod-log channel must not stop reloads
                log.exception("could not deliver the FAQ reload report")
        return report

    def _load(self, forced: bool = False) -> LoadResult:
        # Read once, so validation and the served FAQ come from the same bytes.
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            return LoadResult(None, (Problem(str(self.path), 1, 1,
                                             f"cannot read the file: {reason}",
                                             "check that the file exists and is UTF-8 text"),))
        thresholds = self._thresholds or self._store.current.matcher.thresholds
        result = load_faq_text(text, str(self.path), thresholds)
        if result.knowledge is not None and not text.endswith("\n") and not forced:
            # A cut-off file can still be valid YAML (a shorter answer, fewer topics), and
            # editors end what they save with a newline: wait for a complete save instead.
            lines = text.split("\n")
            return LoadResult(None, (Problem(
                str(self.path), len(lines), len(lines[-1]) + 1,
                "the file does not end with a newline: it looks partly written",
                "save it again (editors end files with a newline), or run /faqmod reload "
                "to load it as it is"),))
        return result

    def _apply(self, result: LoadResult, forced: bool) -> ReloadReport | None:
        if result.knowledge is None:
            signature = tuple(str(p) for p in result.errors)
            if signature == self._last_failure and not forced:
                return None
            self._last_failure = signature
            for problem in result.errors:
                log.error("FAQ reload: %s", problem)
            served = len(self._store.current.faq.entries)
            message = (f"FAQ not reloaded: {len(result.errors)} error(s) in {self.path}; "
                       f"still serving the previous version ({served} entries).")
            log.error("%s", message)
            return ReloadReport(False, message, result.errors)
        self._last_failure = ()
        previous = self._store.current.faq
        if result.knowledge.faq == previous and not forced:
            log.debug("FAQ file saved without changes")
            return None
        change = self._store.swap(result.knowledge)
        message = change.summary()
        if not (change.added or change.changed or change.removed):
            # Change counts entries only; say what else a moderator's edit changed.
            new = result.knowledge.faq
            other = [label for label, changed in (
                ("programme details", new.programme != previous.programme),
                ("not-covered topics", new.not_covered != previous.not_covered)) if changed]
            if other:
                message = f"FAQ reloaded: {' and '.join(other)} changed; no entry changed."
        if result.warnings:
            # Counted, not listed: most are long-standing and would bury the summary.
            message += (f" {len(result.warnings)} warning(s): run 'residency-bot validate "
                        f"{self.path}' to see them.")
        stale = result.knowledge.stale_entry_offsets()
        if stale:
            message += (f" The settings' matching.entry_offsets name entries this FAQ no "
                        f"longer has: {', '.join(stale)}; rename them there too.")
        log.info("%s", message)
        return ReloadReport(True, message, (), change)

    def _is_target(self, _change: FileChange, changed_path: str) -> bool:
        return Path(changed_path).name == self.path.name

    def _mark_dirty(self) -> None:
        self._last_event = asyncio.get_running_loop().time()
        self._dirty.set()

    async def _watch(self) -> None:
        delay = WATCH_RETRY_FIRST_SECONDS
        while not self._stopping.is_set():
            try:
                # Changes made while no watch was running are caught by one check at
                # (re)start; an unchanged file stays silent.
                self._mark_dirty()
                async for _changes in awatch(self.path.parent, watch_filter=self._is_target,
                                             stop_event=self._stopping, recursive=False):
                    self._mark_dirty()
                    delay = WATCH_RETRY_FIRST_SECONDS
            except Exception as error:
                log.warning("FAQ watch on %s failed (%s); restarting in %.1f s",
                            self.path.parent, error, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
                delay = min(delay * 2, WATCH_RETRY_MAX_SECONDS)

    async def _reload_when_settled(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._dirty.wait()
            # Wait until the file has been quiet for the settle period: an editor that
            # writes in several steps is read once, whole.
            while (remaining := self._last_event + self._settle - loop.time()) > 0:
                await asyncio.sleep(remaining)
            self._dirty.clear()
            try:
                await self.reload()
            except Exception:
                log.exception("FAQ reload failed unexpectedly; still serving the last good FAQ")
