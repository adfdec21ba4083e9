"""``/faqmod stats`` and ``/faqmod unanswered`` after a scripted session, and who may use them."""

from __future__ import annotations

import logging
from collections import Counter

import discord
import pytest

from bot.cogs.moderation import DENIED
from bot.matching import Decision
from tests.e2e.test_moderation_reload import MODERATOR_ROLE, Moderated, moderated
from tests.fakediscord import InvocationError

__all__ = ["moderated"]  # the fixture, shared with test_moderation_reload

pytestmark = pytest.mark.timeout(30)

# Who asks what. The premise of each line (answered or not) is checked against the FAQ
# first; the exact decision for the unsure ones (choices or a decline) is whatever the
# matcher decides, and the reports must agree with it.
ANSWERED, UNANSWERED = True, False
SESSION = [
    ("alice", "is there an application fee", ANSWERED),
    ("bob", "is it paid?", ANSWERED),
    ("carol", "do you sponsor visas?", UNANSWERED),
    ("dave", "will you sponsor my visa", UNANSWERED),
    ("frank", "school?", UNANSWERED),
]
SLASH_QUESTION = ("erin", "how do I fix my bike chain", UNANSWERED)


def decisions(moderated: Moderated) -> Counter[Decision]:
    """What the bot decides for each question of the session."""
    matcher = moderated.bot.store.current.matcher  # type: ignore[attr-defined]
    verdicts: Counter[Decision] = Counter()
    for _, question, answered in [*SESSION, SLASH_QUESTION]:
        decision = matcher.match(question).decision
        assert (decision is Decision.ANSWER) == answered, f"premise: {question!r}"
        verdicts[decision] += 1
    return verdicts


async def run_session(moderated: Moderated) -> None:
    """Members ask by mention and by /ask, and vote on the answers."""
    replies = {}
    for user, question, _ in SESSION:
        replies[user] = await moderated.ask(question, user=user)
    user, question, _ = SLASH_QUESTION
    await moderated.dc.response_to(await moderated.dc.slash("ask", user=user, question=question))

    dc = moderated.dc
    for voter, answer, label in [
        ("alice", "alice", "Helpful"),
        ("bob", "bob", "Not helpful"),
        ("bob", "bob", "Helpful"),  # changed their mind: the last vote counts
        ("carol", "bob", "Not helpful"),
    ]:
        await dc.response_to(await dc.click(replies[answer], label, user=voter))


async def test_stats_show_the_session(moderated: Moderated) -> None:
    verdicts = decisions(moderated)
    await run_session(moderated)
    stats = await moderated.faqmod("stats", days=7)
    assert stats.ephemeral
    assert stats.allowed_mentions == {"parse": []}
    embed = stats.embeds[0]
    assert embed["title"] == "FAQ stats: last 7 day(s)"
    assert embed["description"] == (
        f"6 question(s) in the last 7 day(s): {verdicts[Decision.ANSWER] / 6:.0%} answered, "
        f"{verdicts[Decision.SUGGEST] / 6:.0%} suggested, "
        f"{verdicts[Decision.DECLINE] / 6:.0%} declined.")
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Questions per day (UTC)"].endswith(" 6")
    assert fields["Top entries (answers)"].splitlines() == ["`fees` 1", "`salary` 1"]
    assert fields["Helpful votes"].splitlines() == [
        "`salary` 👍 1 · 👎 1 (50% helpful)",
        "`fees` 👍 1 · 👎 0 (100% helpful)",
    ]


async def test_unanswered_groups_what_the_faq_missed(moderated: Moderated) -> None:
    matcher = moderated.bot.store.current.matcher  # type: ignore[attr-defined]
    decisions(moderated)
    await run_session(moderated)
    unanswered = await moderated.faqmod("unanswered")
    assert unanswered.ephemeral
    embed = unanswered.embeds[0]
    assert embed["title"] == "Unanswered questions: last 7 day(s)"
    assert embed["description"].startswith("4 question(s) declined or unsure, in 3 group(s)")
    first, *others = embed["fields"]
    # The two visa questions, most frequent first, under the not-covered topic they match.
    assert first["name"] == "1. 2× (2 declined) · known not-covered topic `visa`"
    assert set(first["value"].splitlines()) == {"• do you sponsor visas?",
                                                "• will you sponsor my visa"}
    # Then one group per remaining question, each saying where it could go.
    by_example = {f["value"]: f["name"] for f in others}
    vague = by_example["• school?"]
    declined = int(matcher.match("school?").decision is Decision.DECLINE)
    assert f"1× ({declined} declined) · closest entry `out-of-school`" in vague
    assert by_example["• how do I fix my bike chain"].endswith(
        "1× (1 declined) · no close entry")


async def test_reports_of_an_empty_period_say_so(moderated: Moderated) -> None:
    stats = await moderated.faqmod("stats", days=1)
    assert stats.embeds[0]["description"] == "No questions logged in the last 1 day(s)."
    unanswered = await moderated.faqmod("unanswered", days=1)
    assert unanswered.embeds[0]["description"] == "None: every question got a confident answer."


def test_faqmod_is_hidden_from_members_by_default_permissions(moderated: Moderated) -> None:
    synced = moderated.dc.world.commands.find("faqmod", 1, None)
    assert synced is not None
    manage_guild = discord.Permissions(manage_guild=True).value
    assert int(synced["default_member_permissions"]) == manage_guild
    assert synced.get("contexts") == [0]  # servers only, never in DMs


async def test_a_member_cannot_invoke_faqmod(moderated: Moderated) -> None:
    with pytest.raises(InvocationError, match="cannot see 'faqmod'"):
        await moderated.dc.slash("faqmod", subcommand="stats", user="member")


def allow_everyone(moderated: Moderated) -> None:
    """What a server admin does under Integrations: show /faqmod to everyone."""
    synced = moderated.dc.world.commands.find("faqmod", 1, None)
    assert synced is not None
    synced["default_member_permissions"] = None


async def test_a_member_shown_faqmod_by_an_admin_is_still_refused_privately(
    moderated: Moderated, caplog: pytest.LogCaptureFixture
) -> None:
    allow_everyone(moderated)
    member = moderated.dc.member("member")
    with caplog.at_level(logging.WARNING, logger="bot.cogs.moderation"):
        refusal = await moderated.faqmod("unanswered", user=member)
    assert refusal.ephemeral
    assert refusal.content == DENIED
    assert not refusal.embeds
    assert f"Denied /faqmod unanswered to user {member.user.id}" in caplog.text


async def test_a_configured_moderator_role_may_use_faqmod(moderated: Moderated) -> None:
    allow_everyone(moderated)  # Discord shows it to the role once the admin allows it
    helper = moderated.dc.member("helper", roles=[MODERATOR_ROLE])
    stats = await moderated.faqmod("stats", user=helper)
    assert stats.embeds[0]["title"] == "FAQ stats: last 7 day(s)"
