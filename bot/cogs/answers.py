"""Free-text questions: mentions, DMs, answer channels, and the "Answer with FAQ" menu.

Where the bot was addressed (a mention, a DM, the menu) it always says something: an
answer, "did you mean" choices or a polite decline. In answer channels it reads every
message but speaks only when it is confident and the message looks like a question —
a channel bot that says "I don't know" to chatter is noise.
"""

from __future__ import annotations

import asyncio
import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import ResidencyBot
from bot.batch import Batcher
from bot.cooldowns import RateDecision
from bot.discord_render import (
    NO_MENTIONS,
    new_nonce,
    plain_text,
    post_message,
    reply_embed,
    send_interaction,
)
from bot.matching import Decision, Match
from bot.normalise import normalise
from bot.replies import Reply, ReplyKind, respond
from bot.views import reply_view

log = logging.getLogger(__name__)

MENU_NAME = "Answer with FAQ"
HELLO_TEXT = (
    "Hi! Ask me anything about the Hugging Face AI Research Residency: mention me with "
    "your question, or use `/ask`. `/faq list` shows every answer."
)
SLOW_DOWN_TEXT = (
    "You're asking faster than I can answer in public. I'll answer you again in about "
    "{seconds} s; meanwhile `/ask` answers privately and `/faq list` shows every answer."
)
REPEAT_TEXT = "I answered this here a moment ago: {link}"
NO_TEXT = "That message has no text I can answer."
NO_MATCH_TEXT = (
    "No FAQ answer matches that message, so I didn't post anything. "
    "`/faq list` shows every answer."
)
MENU_DONE_TEXT = "Answered: {link}"
MENU_PRIVATE_TEXT = "You're answering quickly, so this time only you see it:"
CANNOT_POST_TEXT = "I can't post in that channel, so here is the answer just for you:"
# The rate-limit notice falls back to a short-lived reply when the member's DMs are closed.
NOTICE_DELETE_AFTER_SECONDS = 15.0
# discord.py (http.py) retries these statuses itself, five times; after that, giving up is right.
RETRIED_BY_DISCORD_PY = frozenset({500, 502, 504, 524})
# Any other server error (a 503) it raises at once: the bot tries that reply again after
# these delays, in seconds.
SERVER_ERROR_RETRY_DELAYS = (1.0, 2.0)

# Words that open a question once greetings are skipped ("hey, does it pay").
QUESTION_OPENERS = frozenset({
    "what", "how", "when", "where", "who", "whom", "whose", "why", "which", "is", "are", "am",
    "was", "were", "can", "could", "do", "does", "did", "will", "would", "should", "shall",
    "may", "might", "has", "have", "any", "anyone", "anybody", "someone", "somebody", "tell",
    "explain", "wondering", "curious",
})
GREETINGS = frozenset({
    "hi", "hello", "hey", "hiya", "yo", "so", "ok", "okay", "um", "uh", "and", "but", "also",
    "quick", "question", "guys", "folks", "all", "everyone", "team", "please",
})
_MENTION = re.compile(r"<@!?(\d+)>")


def looks_like_question(text: str) -> bool:
    """A question mark, or a question word at the start once greetings are skipped."""
    if "?" in text:
        return True
    words = [w for w in normalise(text).split() if w not in GREETINGS]
    return bool(words) and (words[0] in QUESTION_OPENERS or "wondering" in words[:6])


def strip_mention(content: str, user_id: int) -> str:
    """The message without the bot's own mention(s)."""
    return _MENTION.sub(lambda m: "" if int(m[1]) == user_id else m[0], content).strip()


class Answers(commands.Cog):
    """Answers free-text questions and powers the "Answer with FAQ" message menu."""

    def __init__(self, bot: ResidencyBot) -> None:
        self.bot = bot
        # Questions are matched a turn of the event loop's worth at a time (bot.batch).
        self.batcher = Batcher(bot.store)
        self.menu = app_commands.ContextMenu(name=MENU_NAME, callback=self.answer_with_faq)

    async def cog_load(self) -> None:
        """Take the bot's messages; register the menu (context menus cannot be cog methods
        in discord.py)."""
        self.bot.message_handler = self.on_message
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Give the messages back and remove the menu with the cog."""
        if self.bot.message_handler == self.on_message:
            self.bot.message_handler = None
        self.bot.tree.remove_command(MENU_NAME, type=discord.AppCommandType.message)

    # --- free text --------------------------------------------------------------------

    def _addressed(self, message: discord.Message) -> bool:
        me = self.bot.user
        if me is None:
            return False
        if message.guild is None or any(u.id == me.id for u in message.mentions):
            return True
        # Members often pick the bot's role from the @ list instead of the bot itself.
        own_role = message.guild.self_role
        return own_role is not None and own_role in message.role_mentions

    def _in_answer_channel(self, channel: discord.abc.MessageableChannel) -> bool:
        ids = {channel.id, getattr(channel, "parent_id", None)}  # threads of an answer channel
        return any(i in self.bot.settings.answer_channels for i in ids if i is not None)

    async def on_message(self, message: discord.Message) -> None:
        """Answer mentions and DMs; answer confident questions in answer channels.

        Called by ``ResidencyBot.on_message`` while this cog is loaded.
        """
        if message.author.bot or message.webhook_id is not None or self.bot.user is None:
            return  # never talk to bots (or to ourselves)
        addressed = self._addressed(message)
        if not addressed and not self._in_answer_channel(message.channel):
            return
        question = strip_mention(message.content, self.bot.user.id)
        if not question:
            if addressed:
                await self._send(message, content=HELLO_TEXT)
            return
        match, reply = await self.batcher.respond(question)
        if not addressed and not (
            match.decision is Decision.ANSWER and looks_like_question(question)
        ):
            return  # answer channel: silent unless confident about a question
        await self._answer_message(message, question, match, reply)

    async def _answer_message(
        self, message: discord.Message, question: str, match: Match, reply: Reply
    ) -> None:
        verdict = self.bot.member_rate.check(message.author.id)
        if verdict.decision is RateDecision.SILENT:
            return
        if verdict.decision is RateDecision.NOTIFY:
            await self._notify_slow_down(message, verdict.retry_after)
            return
        key = self.bot.record_question(
            guild_id=message.guild.id if message.guild else None,
            channel_id=message.channel.id, user_id=message.author.id, source="message",
            question=question, match=match,
        )
        if message.guild is not None and reply.kind is ReplyKind.ANSWER and reply.entry_id:
            earlier = self.bot.repeats.earlier(message.channel.id, reply.entry_id)
            if earlier is not None:
                if await self._send(message, content=REPEAT_TEXT.format(link=earlier)) is None:
                    self.bot.reply_lost(key)
                return
        sent = await self._send(message, embed=reply_embed(reply), view=reply_view(reply, key))
        if sent is None:
            self.bot.reply_lost(key)
        elif message.guild is not None and reply.entry_id and reply.kind is ReplyKind.ANSWER:
            self.bot.repeats.remember(message.channel.id, reply.entry_id, sent.jump_url)

    async def _notify_slow_down(self, message: discord.Message, retry_after: float) -> None:
        text = SLOW_DOWN_TEXT.format(seconds=max(1, round(retry_after)))
        if message.guild is None:
            await self._send(message, content=text)
            return
        try:  # a DM keeps the notice private
            await message.author.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException:
            await self._send(message, content=text, delete_after=NOTICE_DELETE_AFTER_SECONDS)

    async def _send(
        self,
        message: discord.Message,
        *,
        content: str | None = None,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
        delete_after: float | None = None,
    ) -> discord.PartialMessage | None:
        """Reply to ``message`` without pinging anyone; None if it could not be posted.

        A server error discord.py does not retry is retried here
        (``SERVER_ERROR_RETRY_DELAYS``), with the same nonce, so that Discord posts it at
        most once; a missing permission or a reply that still fails is one log line, not an
        exception.
        """
        delays = iter(SERVER_ERROR_RETRY_DELAYS)
        nonce = new_nonce()
        while True:
            try:
                sent = await post_message(
                    self.bot, message.channel,
                    content=plain_text(content) if content else None,
                    embed=embed, view=view, nonce=nonce,
                    reference=message.to_reference(fail_if_not_exists=False),
                )
            except discord.Forbidden:
                log.warning("Missing permission to reply in channel %s (needs View Channel, "
                            "Send Messages, Embed Links, Read Message History)",
                            message.channel.id)
                return None
            except discord.DiscordServerError as error:
                delay = None if error.status in RETRIED_BY_DISCORD_PY else next(delays, None)
                if delay is None:
                    log.error("Could not reply to message %s in channel %s: Discord kept "
                              "answering %s; that member got no answer", message.id,
                              message.channel.id, error.status)
                    return None
                log.warning("Discord answered %s to a reply in channel %s; retrying in %.0f s",
                            error.status, message.channel.id, delay)
                await asyncio.sleep(delay)
                continue
            if delete_after is not None:
                await sent.delete(delay=delete_after)  # scheduled, returns at once
            return sent

    # --- the message menu -------------------------------------------------------------

    async def answer_with_faq(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Reply to the chosen message with the matched answer (or the choices)."""
        me = self.bot.user
        question = strip_mention(message.content, me.id) if me else message.content
        if not question or (me is not None and message.author.id == me.id):
            await send_interaction(interaction, content=NO_TEXT)
            return
        match, reply = respond(self.bot.store.current, question)
        if reply.kind is ReplyKind.DECLINE:
            await send_interaction(interaction, content=NO_MATCH_TEXT)
            return
        key = self.bot.record_question(
            guild_id=interaction.guild_id, channel_id=message.channel.id,
            user_id=message.author.id, source="context_menu", question=question, match=match,
        )
        embed, view = reply_embed(reply), reply_view(reply, key)
        if self.bot.member_rate.check(interaction.user.id).decision is not RateDecision.ALLOW:
            await send_interaction(interaction, content=MENU_PRIVATE_TEXT, embed=embed, view=view)
            return
        earlier = None
        if interaction.guild_id is not None and reply.entry_id:
            earlier = self.bot.repeats.earlier(message.channel.id, reply.entry_id)
        if earlier is not None:
            sent = await self._send(message, content=REPEAT_TEXT.format(link=earlier))
        else:
            sent = await self._send(message, embed=embed, view=view)
        if sent is None:
            await send_interaction(interaction, content=CANNOT_POST_TEXT, embed=embed, view=view)
            return
        if earlier is None and reply.entry_id and reply.kind is ReplyKind.ANSWER:
            self.bot.repeats.remember(message.channel.id, reply.entry_id, sent.jump_url)
        await send_interaction(interaction, content=MENU_DONE_TEXT.format(link=sent.jump_url))


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    assert isinstance(bot, ResidencyBot)
    await bot.add_cog(Answers(bot))
