"""Member slash commands: ``/ask``, ``/faq show``, ``/faq list``, ``/apply``, ``/residency``.

Replies are private (ephemeral) by default so trying the bot never clutters a channel;
``public: True`` posts for everyone. Moderator commands live in the separate top-level
``/faqmod`` group, because Discord can hide only whole top-level commands by permission.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands
from rapidfuzz import fuzz

from bot.app import ResidencyBot
from bot.cooldowns import RateDecision
from bot.discord_render import quote, reply_embed, send_interaction
from bot.knowledge import Entry, FaqStore, Knowledge
from bot.replies import ReplyKind, answer, apply_info, facts, respond, suggest
from bot.views import list_page, reply_view

# Discord shows at most 25 autocomplete choices, each name at most 100 characters.
AUTOCOMPLETE_LIMIT = 25
CHOICE_NAME_LIMIT = 100
# "Did you mean" offers at most this many entries for an unknown /faq value.
DID_YOU_MEAN = 3
# rapidfuzz partial_ratio (0..100) below which a typed fragment does not count as a match.
PARTIAL_CUTOFF = 75.0
# Weight of the fragment match next to the matcher's 0..1 score: a half-typed word
# ("reloc") should surface its entry, but a real match by the matcher comes first.
PARTIAL_WEIGHT = 0.5

PUBLIC_OVER_LIMIT_TEXT = "You're asking quickly, so this time only you see the answer:"
REPEAT_TEXT = "This was answered here a moment ago: {link}"
NO_ENTRY_TEXT = "There is no FAQ entry called “{name}”. `/faq list` shows them all."
DID_YOU_MEAN_TEXT = "There is no FAQ entry called “{name}”. Did you mean:"


def _choice_name(entry: Entry) -> str:
    name = entry.question
    return name if len(name) <= CHOICE_NAME_LIMIT else name[: CHOICE_NAME_LIMIT - 1] + "…"


def rank_entries(knowledge: Knowledge, text: str) -> list[Entry]:
    """Entries for what a member typed, best first; every entry in FAQ order when empty.

    The matcher ranks whole words; a partial match over the id, question and aliases
    lets a half-typed word ("reloc") find its entry while the member is still typing.
    """
    entries = knowledge.faq.entries
    text = text.strip()
    if not text:
        return list(entries)
    scores = {c.id: c.score for c in knowledge.matcher.rank(text)}
    typed = text.casefold()
    ranked: list[tuple[float, int, Entry]] = []
    for position, entry in enumerate(entries):
        partial = max(fuzz.partial_ratio(typed, p.casefold())
                      for p in (entry.id, *entry.phrasings()))
        score = scores.get(entry.id, 0.0)
        if partial >= PARTIAL_CUTOFF:
            score += PARTIAL_WEIGHT * partial / 100.0
        if score > 0:
            ranked.append((-score, position, entry))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [entry for _, _, entry in ranked]


def find_entry(knowledge: Knowledge, value: str) -> Entry | None:
    """The entry named by an autocomplete value (its id) or by its exact question."""
    value = value.strip()
    folded = value.casefold()
    return knowledge.entry(value) or next(
        (e for e in knowledge.faq.entries if e.question.casefold() == folded), None)


def _fact_label(key: str) -> str:
    return key.replace("-", " ").replace("_", " ").capitalize()


def residency_command(store: FaqStore) -> app_commands.Command[Any, ..., None]:
    """``/residency [fact]``, its choices taken from ``programme.facts`` at start-up.

    Discord needs choices in the command definition; a changed fact list changes the
    definitions' hash, so the next start re-syncs.
    """
    keys = list(store.current.faq.programme.facts)[:AUTOCOMPLETE_LIMIT]
    choices: list[app_commands.Choice[str | int | float]] = [
        app_commands.Choice(name=_fact_label(k), value=k) for k in keys]

    @app_commands.command(name="residency", description="Quick facts about the residency")
    @app_commands.describe(fact="Show a single fact", public="Post it for everyone")
    async def residency(
        interaction: discord.Interaction, fact: str | None = None, public: bool = False
    ) -> None:
        reply = facts(store.current, fact)
        await send_interaction(interaction, embed=reply_embed(reply), view=reply_view(reply),
                               ephemeral=not public)

    if choices:
        residency._params["fact"].choices = choices  # no decorator takes a runtime list
    return residency


class MemberCommands(commands.Cog):
    """The slash commands every member can use."""

    faq = app_commands.Group(name="faq", description="Browse the residency FAQ")

    def __init__(self, bot: ResidencyBot) -> None:
        self.bot = bot
        self.residency = residency_command(bot.store)

    async def cog_load(self) -> None:
        """Register ``/residency`` (built at runtime for its choices)."""
        self.bot.tree.add_command(self.residency)

    async def cog_unload(self) -> None:
        """Remove ``/residency`` with the cog."""
        self.bot.tree.remove_command(self.residency.name)

    @app_commands.command(name="ask", description="Ask a question about the residency")
    @app_commands.describe(question="Your question, in your own words",
                           public="Post the answer for everyone (default: only you see it)")
    async def ask(
        self, interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 1000], public: bool = False,
    ) -> None:
        """Answer like a mention does; private unless ``public``."""
        match, reply = respond(self.bot.store.current, question)
        key = self.bot.record_question(
            guild_id=interaction.guild_id, channel_id=interaction.channel_id,
            user_id=interaction.user.id, source="ask", question=question, match=match,
        )
        embed, view = reply_embed(reply), reply_view(reply, key)
        # A decline is only ever private: "I don't know" helps nobody else in the channel.
        public = public and reply.kind is not ReplyKind.DECLINE
        in_guild = interaction.guild_id is not None and interaction.channel_id is not None
        if public and in_guild:
            verdict = self.bot.member_rate.check(interaction.user.id)
            if verdict.decision is not RateDecision.ALLOW:
                await send_interaction(interaction, content=PUBLIC_OVER_LIMIT_TEXT,
                                       embed=embed, view=view)
                return
        channel_id = interaction.channel_id or 0
        if public and in_guild and reply.kind is ReplyKind.ANSWER and reply.entry_id:
            earlier = self.bot.repeats.earlier(channel_id, reply.entry_id)
            if earlier is not None:
                await send_interaction(interaction, content=REPEAT_TEXT.format(link=earlier),
                                       ephemeral=False)
                return
        sent = await send_interaction(interaction, embed=embed, view=view, ephemeral=not public)
        if public and in_guild and sent is not None and reply.entry_id \
                and reply.kind is ReplyKind.ANSWER:
            self.bot.repeats.remember(channel_id, reply.entry_id, sent.jump_url)

    @faq.command(name="show", description="Show one FAQ entry")
    @app_commands.describe(entry="Start typing a topic", public="Post it for everyone")
    async def show(
        self, interaction: discord.Interaction, entry: str, public: bool = False
    ) -> None:
        """The named entry's answer; "did you mean" choices for an unknown name."""
        knowledge = self.bot.store.current
        found = find_entry(knowledge, entry)
        if found is not None:
            reply = answer(knowledge, found)
            await send_interaction(interaction, embed=reply_embed(reply),
                                   view=reply_view(reply), ephemeral=not public)
            return
        close = tuple(e.id for e in rank_entries(knowledge, entry)[:DID_YOU_MEAN])
        if not close:
            await send_interaction(interaction, content=NO_ENTRY_TEXT.format(name=quote(entry)))
            return
        reply = dataclasses.replace(suggest(knowledge, close),
                                    body=DID_YOU_MEAN_TEXT.format(name=quote(entry)))
        await send_interaction(interaction, embed=reply_embed(reply), view=reply_view(reply))

    @show.autocomplete("entry")
    async def show_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Entries ranked by the matcher for what is typed so far (≤ 25)."""
        ranked = rank_entries(self.bot.store.current, current)[:AUTOCOMPLETE_LIMIT]
        return [app_commands.Choice(name=_choice_name(e), value=e.id) for e in ranked]

    @faq.command(name="list", description="Every FAQ entry, page by page")
    async def list_entries(self, interaction: discord.Interaction) -> None:
        """The first page, with Previous / Next buttons when there are more."""
        reply, view = list_page(self.bot.store, 0)
        await send_interaction(interaction, embed=reply_embed(reply), view=view)

    @app_commands.command(name="apply", description="How to apply to the residency")
    @app_commands.describe(public="Post it for everyone")
    async def apply(self, interaction: discord.Interaction, public: bool = False) -> None:
        """The application link as a button, and what the application should show."""
        reply = apply_info(self.bot.store.current)
        await send_interaction(interaction, embed=reply_embed(reply), view=reply_view(reply),
                               ephemeral=not public)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    assert isinstance(bot, ResidencyBot)
    await bot.add_cog(MemberCommands(bot))
