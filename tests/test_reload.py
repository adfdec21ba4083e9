"""Live reload: a valid edit is served, a bad edit never costs an answer.

The edit helpers here are shared with the end-to-end tests.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import watchfiles

import bot.reload as reload_module
from bot.knowledge import FaqStore, load_faq
from bot.matching import Thresholds
from bot.reload import FaqReloader, ReloadReport

ROOT = Path(__file__).resolve().parents[1]
# Far above save_in_two_writes' pause (itself above watchfiles' 50 ms step, so the first
# write is seen alone): a loaded machine that oversleeps the pause must not read the half.
SETTLE = 0.6
NEW_FEES_ANSWER = "No. The residency is entirely free, with no fees of any kind."

# The edits below find their place by entry id (ids are the FAQ's public contract), so
# rewording the shipped FAQ does not break them.


def copy_faq(directory: Path) -> Path:
    """A private copy of the shipped FAQ: tests never write into data/."""
    target = directory / "faqs.yaml"
    shutil.copyfile(ROOT / "data" / "faqs.yaml", target)
    return target


def _entry_start(lines: list[str], entry_id: str) -> int:
    """0-based index of the ``  - id: <entry_id>`` line."""
    return lines.index(f"  - id: {entry_id}\n")


def _answer_span(lines: list[str], entry_id: str) -> tuple[int, int]:
    """[start, end) of the entry's ``answer:`` line and its indented continuation."""
    start = next(n for n in range(_entry_start(lines, entry_id) + 1, len(lines))
                 if lines[n].startswith("    answer:"))
    end = start + 1
    while end < len(lines) and (lines[end].startswith("      ") or not lines[end].strip()):
        end += 1
    return start, end


def edit_fees_answer(text: str) -> str:
    """A moderator rewrites the answer of 'fees'."""
    lines = text.splitlines(keepends=True)
    start, end = _answer_span(lines, "fees")
    lines[start:end] = [f"    answer: {NEW_FEES_ANSWER}\n"]
    return "".join(lines)


def break_syntax(text: str) -> tuple[str, int]:
    """A line YAML cannot read in the fees entry; returns (text, its 1-based line)."""
    lines = text.splitlines(keepends=True)
    at = _entry_start(lines, "fees") + 1
    lines.insert(at, "    tags: @oops\n")
    return "".join(lines), at + 1


def duplicate_id(text: str) -> tuple[str, int]:
    """The relocation entry renamed to 'fees'; returns (text, line of the duplicate)."""
    lines = text.splitlines(keepends=True)
    at = _entry_start(lines, "relocation")
    lines[at] = "  - id: fees\n"
    return "".join(lines), at + 1


def missing_answer(text: str) -> tuple[str, int]:
    """The fees entry without its answer; returns (text, line of the entry)."""
    lines = text.splitlines(keepends=True)
    start, end = _answer_span(lines, "fees")
    del lines[start:end]
    return "".join(lines), _entry_start(lines, "fees") + 1


def save_in_place(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def save_by_rename(path: Path, text: str) -> None:
    """How many editors save: write a temporary file, then rename it over the original."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


async def save_in_two_writes(path: Path, text: str, pause: float = 0.1) -> None:
    """A save that lands in two writes, the file invalid in between."""
    half = len(text) // 2
    with path.open("w", encoding="utf-8") as file:
        file.write(text[:half])
        file.flush()
        await asyncio.sleep(pause)
        file.write(text[half:])


async def eventually(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    """Wait until ``condition`` holds; fail after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        await asyncio.sleep(0.05)


class Watched:
    """A private FAQ copy, its store and a running reloader that collects its reports."""

    def __init__(self, path: Path) -> None:
        self.path = path
        result = load_faq(path)
        assert result.knowledge is not None
        self.store = FaqStore(result.knowledge)
        self.reports: list[ReloadReport] = []
        self.reloader = FaqReloader(self.store, path, self._report, settle_seconds=SETTLE)

    async def _report(self, report: ReloadReport) -> None:
        self.reports.append(report)

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def answer_of(self, entry_id: str) -> str:
        entry = self.store.current.entry(entry_id)
        assert entry is not None
        return entry.answer


@pytest.fixture
async def watched(tmp_path: Path) -> AsyncIterator[Watched]:
    state = Watched(copy_faq(tmp_path))
    await state.reloader.start()
    await asyncio.sleep(SETTLE * 2)  # the start-up check finds nothing to report
    yield state
    await state.reloader.stop()


async def test_a_valid_edit_is_served_and_summarised(watched: Watched) -> None:
    save_in_place(watched.path, edit_fees_answer(watched.text))
    await eventually(lambda: watched.answer_of("fees") == NEW_FEES_ANSWER)
    await eventually(lambda: len(watched.reports) == 1)
    assert watched.reports[0].ok
    assert watched.reports[0].message.startswith("FAQ reloaded: changed 1 (fees).")


@pytest.mark.parametrize("breakage", [break_syntax, duplicate_id, missing_answer])
async def test_a_broken_edit_keeps_every_old_answer_and_reports_its_line(
    watched: Watched, breakage: Callable[[str], tuple[str, int]]
) -> None:
    before = {e.id: e.answer for e in watched.store.current.faq.entries}
    broken, line = breakage(watched.text)
    save_in_place(watched.path, broken)
    await eventually(lambda: len(watched.reports) == 1)
    report = watched.reports[0]
    assert not report.ok
    assert "still serving the previous version" in report.message
    assert f"{watched.path}:{line}:" in report.text()
    assert {e.id: e.answer for e in watched.store.current.faq.entries} == before


async def test_a_rename_style_save_is_seen(watched: Watched) -> None:
    save_by_rename(watched.path, edit_fees_answer(watched.text))
    await eventually(lambda: watched.answer_of("fees") == NEW_FEES_ANSWER)


async def test_a_deleted_and_recreated_file_is_seen(watched: Watched) -> None:
    text = watched.text
    watched.path.unlink()
    await asyncio.sleep(0.05)
    save_in_place(watched.path, edit_fees_answer(text))
    await eventually(lambda: watched.answer_of("fees") == NEW_FEES_ANSWER)
    assert [r.ok for r in watched.reports] == [True]


async def test_a_save_in_several_writes_is_read_once_whole(watched: Watched) -> None:
    await save_in_two_writes(watched.path, edit_fees_answer(watched.text))
    await eventually(lambda: watched.answer_of("fees") == NEW_FEES_ANSWER)
    await asyncio.sleep(SETTLE * 2)
    assert [r.ok for r in watched.reports] == [True]  # the half-written file was never read


async def test_saving_without_changes_says_nothing(watched: Watched) -> None:
    save_in_place(watched.path, watched.text)
    await asyncio.sleep(SETTLE * 4)
    assert watched.reports == []


async def test_reload_now_replies_with_the_summary_or_the_errors(tmp_path: Path) -> None:
    state = Watched(copy_faq(tmp_path))  # not watching: the command alone
    save_in_place(state.path, edit_fees_answer(state.text))
    ok, message = await state.reloader.reload_now()
    assert ok and message.startswith("FAQ reloaded: changed 1 (fees).")

    broken, line = duplicate_id(state.text)
    save_in_place(state.path, broken)
    ok, message = await state.reloader.reload_now()
    assert not ok
    assert f"{state.path}:{line}:" in message and "duplicate id 'fees'" in message
    assert state.answer_of("fees") == NEW_FEES_ANSWER
    assert state.reports == []  # the command's caller shows the outcome itself


async def test_renaming_an_entry_with_an_offset_says_the_offset_no_longer_applies(
        tmp_path: Path) -> None:
    path = copy_faq(tmp_path)
    reloader = FaqReloader(FaqStore(load_faq(path).knowledge), path,
                           thresholds=Thresholds(entry_offsets={"fees": -0.04}))
    save_in_place(path, edit_fees_answer(path.read_text(encoding="utf-8")))
    ok, message = await reloader.reload_now()
    assert ok and "entry_offsets" not in message
    save_in_place(path, path.read_text(encoding="utf-8").replace("  - id: fees\n",
                                                                 "  - id: costs\n"))
    ok, message = await reloader.reload_now()
    assert ok and message.endswith("The settings' matching.entry_offsets name entries this FAQ "
                                   "no longer has: fees; rename them there too.")


async def test_a_valid_file_without_final_newline_waits_for_the_command(tmp_path: Path) -> None:
    state = Watched(copy_faq(tmp_path))  # not watching: drive the automatic path by hand
    save_in_place(state.path, edit_fees_answer(state.text).rstrip("\n"))
    report = await state.reloader.reload()
    assert report is not None and not report.ok
    assert "looks partly written" in report.text() and "/faqmod reload" in report.text()
    assert state.answer_of("fees") != NEW_FEES_ANSWER  # members still get the old answer
    ok, message = await state.reloader.reload_now()  # a moderator confirms it
    assert ok and state.answer_of("fees") == NEW_FEES_ANSWER, message


async def test_a_failed_watch_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_awatch = watchfiles.awatch
    calls = 0

    def flaky_awatch(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("inotify watch limit reached")
        return real_awatch(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reload_module, "WATCH_RETRY_FIRST_SECONDS", 0.05)
    monkeypatch.setattr(reload_module, "awatch", flaky_awatch)
    state = Watched(copy_faq(tmp_path))
    await state.reloader.start()
    try:
        await eventually(lambda: calls >= 2)
        await asyncio.sleep(0.2)
        save_in_place(state.path, edit_fees_answer(state.text))
        await eventually(lambda: state.answer_of("fees") == NEW_FEES_ANSWER)
    finally:
        await state.reloader.stop()
