"""Moderator tools: live FAQ reload reports and the ``/faqmod`` commands.

``/faqmod`` is its own top-level group because Discord can hide only whole top-level
commands by default permission: members never see it (Manage Server by default), and
every use is checked again here against Manage Server or the configured moderator roles,
since server admins can re-grant command visibility to anyone.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import ResidencyBot
from bot.discord_render import (
    EMBED_DESCRIPTION_LIMIT,
    EMBED_FIELD_NAME_LIMIT,
    EMBED_FIELD_VALUE_LIMIT,
    EMBED_TOTAL_LIMIT,
    NO_MENTIONS,
    quote,
    report_failure,
    send_interaction,
)
from bot.reload import FaqReloader, ReloadReport
from bot.replies import truncate
from bot.report import LogStats, build_report, read_stats
from bot.unanswered import UnansweredGroup, describe_closest

log = logging.getLogger(__name__)

DENIED = "This command is for FAQ moderators (Manage Server or a moderator role)."
NO_LOG = "The question log is turned off, so there is nothing to report."
OK_COLOUR = discord.Colour.green()
ERROR_COLOUR = discord.Colour.red()
INFO_COLOUR = discord.Colour.blurple()
# Groups shown by /faqmod unanswered: one embed field each, with room left for the intro.
GROUPS_SHOWN = 10
# Days listed one per line in /faqmod stats before older ones are summed up.
DAYS_SHOWN = 14
# How long a report waits for queued question-log rows, so the latest questions count.
FLUSH_TIMEOUT_SECONDS = 2.0
Days = app_commands.Range[int, 1, 365]


def _code_block(lines: list[str], limit: int) -> str:
    """Lines in a code block within ``limit`` characters, saying how many were left out."""
    body: list[str] = []
    used = len("```\n```") + 40  # room for the "… N more" line
    for number, line in enumerate(lines):
        line = line.replace("```", "'''")  # file text must not close the block early
        if used + len(line) + 1 > limit:
            body.append(f"… and {len(lines) - number} more")
            break
        body.append(line)
        used += len(line) + 1
    return "```\n" + "\n".join(body) + "\n```"


def reload_embed(ok: bool, text: str) -> discord.Embed:
    """A reload outcome: the summary line, then each problem with its file:line."""
    message, *problems = text.split("\n")
    description = truncate(message, EMBED_DESCRIPTION_LIMIT // 4)
    if problems:
        description += "\n" + _code_block(problems, EMBED_DESCRIPTION_LIMIT - len(description))
    return discord.Embed(title="FAQ reloaded" if ok else "FAQ edit rejected",
                         description=description, colour=OK_COLOUR if ok else ERROR_COLOUR)


def stats_embed(stats: LogStats) -> discord.Embed:
    """Questions per day, decision rates, top entries and helpful-vote ratios."""
    embed = discord.Embed(title=f"FAQ stats: last {stats.days} day(s)",
                          description=stats.summary(), colour=INFO_COLOUR)
    if stats.per_day:
        older = stats.per_day[:-DAYS_SHOWN]
        lines = [f"{len(older)} earlier day(s): {sum(n for _, n in older)}"] if older else []
        lines += [f"`{day}` {count}" for day, count in stats.per_day[-DAYS_SHOWN:]]
        embed.add_field(name="Questions per day (UTC)", value="\n".join(lines), inline=False)
    if stats.top_entries:
        lines = [f"`{entry}` {count}" for entry, count in stats.top_entries]
        embed.add_field(name="Top entries (answers)", value="\n".join(lines), inline=False)
    if stats.votes:
        lines = [f"`{v.entry_id}` 👍 {v.helpful} · 👎 {v.not_helpful} ({v.ratio:.0%} helpful)"
                 for v in stats.votes]
        embed.add_field(name="Helpful votes",
                        value=truncate("\n".join(lines), EMBED_FIELD_VALUE_LIMIT), inline=False)
    return embed


def _group_field(number: int, group: UnansweredGroup) -> tuple[str, str]:
    name = f"{number}. {group.count}× ({group.declined} declined) · {describe_closest(group)}"
    value = "\n".join(f"• {quote(example)}" for example in group.examples)
    return truncate(name, EMBED_FIELD_NAME_LIMIT), truncate(value, EMBED_FIELD_VALUE_LIMIT)


def unanswered_embed(days: int, groups: tuple[UnansweredGroup, ...]) -> discord.Embed:
    """The most frequent groups of questions the FAQ missed."""
    embed = discord.Embed(title=f"Unanswered questions: last {days} day(s)", colour=INFO_COLOUR)
    if not groups:
        embed.description = "None: every question got a confident answer."
        return embed
    total = sum(g.count for g in groups)
    embed.description = (f"{total} question(s) declined or unsure, in {len(groups)} group(s), "
                         "most frequent first. Add them as aliases of the closest entry, as "
                         "questions of a not-covered topic, or as a new entry. "
                         "`residency-bot report` prints them as ready-to-paste YAML.")
    # Room for the fields: Discord rejects an embed over 6,000 characters in all.
    budget = EMBED_TOTAL_LIMIT - len(embed.title or "") - len(embed.description) - 100
    shown = 0
    for number, group in enumerate(groups[:GROUPS_SHOWN], 1):
        name, value = _group_field(number, group)
        if len(name) + len(value) > budget:
            break
        budget -= len(name) + len(value)
        embed.add_field(name=name, value=value, inline=False)
        shown = number
    if len(groups) > shown:
        embed.set_footer(text=f"{len(groups) - shown} smaller group(s) not shown")
    return embed


@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class Moderation(commands.GroupCog, group_name="faqmod",
                 group_description="FAQ moderator tools"):
    """``/faqmod reload|unanswered|stats`` and the live reload of the FAQ file."""

    def __init__(self, bot: ResidencyBot) -> None:
        self.bot = bot
        settings = bot.settings
        self.reloader = FaqReloader(bot.store, settings.faq_path, self.post_reload_report,
                                    settings.faq_reload_settle_seconds,
                                    settings.matching.thresholds())
        super().__init__()

    async def cog_load(self) -> None:
        """Start watching the FAQ file, if configured."""
        if self.bot.settings.watch_faq:
            await self.reloader.start()
            log.info("Watching %s for FAQ edits", self.reloader.path)

    async def cog_unload(self) -> None:
        """Stop watching."""
        await self.reloader.stop()

    async def post_reload_report(self, report: ReloadReport) -> None:
        """Post a reload outcome to the mod-log channel (already logged by the reloader)."""
        channel_id = self.bot.settings.mod_log_channel
        if channel_id is None:
            return
        await self.bot.wait_until_ready()
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("mod_log_channel %s is not a text channel the bot can see; the reload "
                        "report was only logged", channel_id)
            return
        await channel.send(embed=reload_embed(report.ok, report.text()),
                           allowed_mentions=NO_MENTIONS)

    def is_moderator(self, interaction: discord.Interaction) -> bool:
        """Manage Server (or Administrator) in this server, or a configured moderator role."""
        if interaction.guild is None:
            return False
        permissions = interaction.permissions
        if permissions.manage_guild or permissions.administrator:
            return True
        roles = getattr(interaction.user, "roles", [])
        moderator_roles = set(self.bot.settings.moderator_roles)
        return any(role.id in moderator_roles for role in roles)

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        """Refuse non-moderators privately, with a log line."""
        if self.is_moderator(interaction):
            return True
        command = interaction.command.qualified_name if interaction.command else "faqmod"
        log.warning("Denied /%s to user %s in guild %s: not a moderator", command,
                    interaction.user.id, interaction.guild_id)
        await send_interaction(interaction, content=DENIED, ephemeral=True)
        return False

    async def cog_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """A refusal is already answered; anything else gets the usual private apology."""
        if isinstance(error, app_commands.CheckFailure) and interaction.response.is_done():
            return
        await report_failure(interaction, error)

    @app_commands.command(name="reload", description="Reload the FAQ file now")
    async def reload(self, interaction: discord.Interaction) -> None:
        """Validate and swap in the FAQ file; reply with the summary or the errors."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        ok, text = await self.reloader.reload_now()
        log.info("/faqmod reload by user %s: %s", interaction.user.id, text.split("\n")[0])
        await send_interaction(interaction, embed=reload_embed(ok, text))

    @app_commands.command(name="unanswered",
                          description="Questions the FAQ missed, grouped, most frequent first")
    @app_commands.describe(days="How many days back (default 7)")
    async def unanswered(self, interaction: discord.Interaction, days: Days = 7) -> None:
        """Declined and unsure questions grouped by similarity, with the closest entries."""
        question_log = self.bot.question_log
        if question_log is None:
            await send_interaction(interaction, content=NO_LOG)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await question_log.flush(FLUSH_TIMEOUT_SECONDS)
        report = await build_report(question_log.path, days, self.bot.store.current)
        await send_interaction(interaction, embed=unanswered_embed(days, report.groups))

    @app_commands.command(name="stats", description="Questions per day, answer rates, votes")
    @app_commands.describe(days="How many days back (default 7)")
    async def stats(self, interaction: discord.Interaction, days: Days = 7) -> None:
        """Questions per day, answered / suggested / declined rates, top entries, votes."""
        question_log = self.bot.question_log
        if question_log is None:
            await send_interaction(interaction, content=NO_LOG)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await question_log.flush(FLUSH_TIMEOUT_SECONDS)
        stats = await read_stats(question_log.path, days)
        await send_interaction(interaction, embed=stats_embed(stats))


async def setup(bot: commands.Bot) -> None:
    """Extension entry point (``bot.app`` loads it when present)."""
    assert isinstance(bot, ResidencyBot)
    await bot.add_cog(Moderation(bot))
