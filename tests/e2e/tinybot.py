"""A tiny discord.py bot for the emulator's own tests: one of each thing a real bot does.

- `!echo <text>` (or `@bot echo <text>`) replies "echo: <text>" without pinging anyone
- `!dmme` answers in a DM
- `/faq entry:<str>` with autocomplete, answering with an embed, three buttons and a select
- `/slow` defers ("thinking") and answers with a followup
- `/admin reload`, a subcommand only members with Manage Server may use
- `/feedback`, which opens a modal
- "Answer with FAQ", a message context menu answering privately
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

FAQ = {
    "apply": "Applications open in spring.",
    "deadline": "The deadline is March 1.",
    "eligibility": "Anyone with a research background can apply.",
}
NOT_HELPFUL_REPLY = "Sorry about that. A moderator will follow up."
REFRESHED = "Refreshed."


class FeedbackView(discord.ui.View):
    """Buttons and a select under an FAQ answer."""

    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Helpful", style=discord.ButtonStyle.success)
    async def helpful(
        self, interaction: discord.Interaction, _: discord.ui.Button[FeedbackView]
    ) -> None:
        await interaction.response.send_message("Thanks for the feedback!", ephemeral=True)

    @discord.ui.button(label="Not helpful", style=discord.ButtonStyle.secondary)
    async def not_helpful(
        self, interaction: discord.Interaction, _: discord.ui.Button[FeedbackView]
    ) -> None:
        await interaction.response.edit_message(content=NOT_HELPFUL_REPLY, view=None)

    @discord.ui.button(label="Refresh", style=discord.ButtonStyle.secondary)
    async def refresh(
        self, interaction: discord.Interaction, _: discord.ui.Button[FeedbackView]
    ) -> None:
        await interaction.response.defer()  # for a component: "deferred update", no message yet
        await interaction.edit_original_response(content=REFRESHED)

    @discord.ui.select(
        placeholder="Related topics",
        options=[discord.SelectOption(label=key, value=key) for key in FAQ],
    )
    async def related(
        self, interaction: discord.Interaction, select: discord.ui.Select[FeedbackView]
    ) -> None:
        await interaction.response.send_message(FAQ[select.values[0]], ephemeral=True)


class FeedbackModal(discord.ui.Modal, title="Feedback"):
    comment: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(label="Comment")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Noted: {self.comment.value}", ephemeral=True)


class FaqCog(commands.Cog):
    """Commands of every kind the emulator must support."""

    admin = app_commands.Group(name="admin", description="Moderator tools")

    def __init__(self, bot: TinyBot) -> None:
        self.bot = bot

    @commands.command()
    async def echo(self, ctx: commands.Context[TinyBot], *, text: str) -> None:
        await ctx.reply(f"echo: {text}", mention_author=False)

    @commands.command()
    async def dmme(self, ctx: commands.Context[TinyBot]) -> None:
        await ctx.author.send("Hello in private")

    @app_commands.command(name="faq", description="Look up an FAQ entry")
    @app_commands.describe(entry="Which entry")
    async def faq(self, interaction: discord.Interaction, entry: str) -> None:
        answer = FAQ.get(entry)
        if answer is None:
            await interaction.response.send_message(f"No entry called {entry!r}.", ephemeral=True)
            return
        embed = discord.Embed(title=entry, description=answer)
        await interaction.response.send_message(embed=embed, view=FeedbackView())

    @faq.autocomplete("entry")
    async def faq_entries(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=key, value=key) for key in FAQ if current.lower() in key]

    @app_commands.command(name="slow", description="Think before answering")
    async def slow(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("Done thinking.")

    @app_commands.command(name="feedback", description="Tell us what you think")
    async def feedback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FeedbackModal())

    @admin.command(name="reload", description="Reload the FAQ")
    async def reload(self, interaction: discord.Interaction) -> None:
        if not interaction.permissions.manage_guild:
            await interaction.response.send_message("Moderators only.", ephemeral=True)
            return
        await interaction.response.send_message("Reloaded.", ephemeral=True)


class TinyBot(commands.Bot):
    """The bot; `sync_to` syncs commands to that guild id instead of globally."""

    def __init__(
        self,
        *,
        message_content: bool = True,
        members: bool = False,
        dms: bool = True,
        sync_to: int | None = None,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        intents.members = members
        intents.dm_messages = dms
        super().__init__(
            command_prefix=commands.when_mentioned_or("!"),
            intents=intents,
            guild_ready_timeout=0.05,  # the emulator sends GUILD_CREATE at once
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.sync_to = sync_to
        self.seen: list[discord.Message] = []

    async def setup_hook(self) -> None:
        await self.add_cog(FaqCog(self))
        self.tree.add_command(
            app_commands.ContextMenu(name="Answer with FAQ", callback=answer_with_faq)
        )
        if self.sync_to is None:
            await self.tree.sync()
        else:
            guild = discord.Object(self.sync_to)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before every re-IDENTIFY (Discord's identify rate limit);
        the emulator has no such limit, and the tests should stay fast."""

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)
        await self.process_commands(message)


async def answer_with_faq(interaction: discord.Interaction, message: discord.Message) -> None:
    await interaction.response.send_message(f"FAQ for: {message.content}", ephemeral=True)


def main(argv: Sequence[str]) -> int:
    """Subprocess entry point: `--token T`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--token", required=True)
    options = parser.parse_args(list(argv))
    TinyBot().run(options.token, log_handler=None)
    return 0
