"""The member rate limit and the repeat window, with a hand-driven clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cooldowns import MemberRateLimit, RateDecision, RepeatWindow


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_member_gets_answers_up_to_the_limit() -> None:
    limit = MemberRateLimit(3, 60, Clock())
    assert [limit.check(1).decision for _ in range(3)] == [RateDecision.ALLOW] * 3


def test_first_question_over_the_limit_earns_one_notice_then_silence() -> None:
    limit = MemberRateLimit(2, 60, Clock())
    limit.check(1)
    limit.check(1)
    decisions = [limit.check(1).decision for _ in range(5)]
    assert decisions == [RateDecision.NOTIFY] + [RateDecision.SILENT] * 4


def test_notice_says_when_the_member_may_ask_again() -> None:
    clock = Clock()
    limit = MemberRateLimit(1, 60, clock)
    limit.check(1)
    clock.now += 20
    assert limit.check(1).retry_after == pytest.approx(40)


def test_member_may_ask_again_once_the_window_has_passed() -> None:
    clock = Clock()
    limit = MemberRateLimit(1, 60, clock)
    limit.check(1)
    assert limit.check(1).decision is RateDecision.NOTIFY
    clock.now += 60
    assert limit.check(1).decision is RateDecision.ALLOW


def test_a_new_window_brings_a_new_notice_not_a_flood() -> None:
    clock = Clock()
    limit = MemberRateLimit(1, 60, clock)
    limit.check(1)
    limit.check(1)  # notice
    clock.now += 60
    limit.check(1)  # allowed again
    assert [limit.check(1).decision for _ in range(3)] == [
        RateDecision.NOTIFY, RateDecision.SILENT, RateDecision.SILENT]


def test_members_are_limited_independently() -> None:
    limit = MemberRateLimit(1, 60, Clock())
    limit.check(1)
    assert limit.check(2).decision is RateDecision.ALLOW
    assert limit.check(1).decision is RateDecision.NOTIFY


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        MemberRateLimit(0, 60)
    with pytest.raises(ValueError):
        RepeatWindow(-1)


@given(st.lists(st.floats(min_value=0, max_value=30), max_size=60),
       st.integers(min_value=1, max_value=5))
def test_never_more_answers_than_the_limit_in_any_window(gaps: list[float], n: int) -> None:
    clock = Clock()
    limit = MemberRateLimit(n, 60, clock)
    allowed: list[float] = []
    for gap in gaps:
        clock.now += gap
        if limit.check(7).decision is RateDecision.ALLOW:
            allowed.append(clock.now)
    for i, start in enumerate(allowed):
        assert sum(1 for t in allowed[i:] if t < start + 60) <= n


def test_repeat_window_points_to_the_earlier_answer_in_the_same_channel() -> None:
    window = RepeatWindow(120, Clock())
    window.remember(10, "salary", "https://discord.com/channels/1/10/99")
    assert window.earlier(10, "salary") == "https://discord.com/channels/1/10/99"


def test_repeat_window_ignores_other_channels_and_entries() -> None:
    window = RepeatWindow(120, Clock())
    window.remember(10, "salary", "link")
    assert window.earlier(11, "salary") is None
    assert window.earlier(10, "fees") is None


def test_repeat_window_expires() -> None:
    clock = Clock()
    window = RepeatWindow(120, clock)
    window.remember(10, "salary", "link")
    clock.now += 120
    assert window.earlier(10, "salary") is None


def test_repeat_window_of_zero_never_points_back() -> None:
    window = RepeatWindow(0, Clock())
    window.remember(10, "salary", "link")
    assert window.earlier(10, "salary") is None
