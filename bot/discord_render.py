"""Turn a core ``Reply`` into a Discord embed, within Discord's limits, and send it safely.

Every send in the bot goes through here or passes ``NO_MENTIONS`` itself: a member's
question may contain ``@everyone`` or role pings, and the bot must never turn them into
real notifications, even when it quotes the question back.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets

import discord
from discord.http import handle_message_parameters
from discord.types.embed import Embed as EmbedData

from bot.replies import Reply, ReplyKind, truncate

log = logging.getLogger(__name__)

# Nothing the bot sends may ping anyone (users, roles, @everyone, the replied-to member).
NO_MENTIONS = discord.AllowedMentions.none()

# Discord limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FIELDS_LIMIT = 25
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
MESSAGE_LIMIT = 2000
# Distinct replies whose embed is kept (most replies are one of the FAQ's answers).
EMBED_CACHE_SIZE = 256
# How much of a member's text is quoted back: enough to recognise it, not to repost it.
QUOTE_LIMIT = 100

SOMETHING_WENT_WRONG = (
    "Something went wrong on my side, sorry. Please try again in a moment; "
    "if it keeps happening, tell a moderator."
)

_COLOURS = {
    ReplyKind.ANSWER: discord.Colour.from_rgb(255, 210, 30),  # Hugging Face yellow
    ReplyKind.SUGGEST: discord.Colour.blurple(),
    ReplyKind.DECLINE: discord.Colour.light_grey(),
    ReplyKind.INFO: discord.Colour.from_rgb(255, 210, 30),
}
_WHITESPACE = re.compile(r"\s+")


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """A member's text made safe to show: one line, markdown and mentions escaped, short."""
    one_line = _WHITESPACE.sub(" ", text).strip()
    # Truncate before escaping so an escape sequence is never cut in half.
    short = truncate(one_line, limit)
    return discord.utils.escape_mentions(discord.utils.escape_markdown(short))


class SharedEmbed(discord.Embed):
    """An embed sent many times unchanged: its JSON is worked out at the first send only.

    ``to_dict`` (what discord.py sends) costs about as much again as building the embed;
    every change must come before the first send.
    """

    _sent_as: EmbedData | None = None

    def to_dict(self) -> EmbedData:
        """The embed as Discord's JSON, kept after the first call."""
        if self._sent_as is None:
            self._sent_as = super().to_dict()
        return self._sent_as


@functools.lru_cache(maxsize=EMBED_CACHE_SIZE)
def reply_embed(reply: Reply) -> discord.Embed:
    """The embed for a reply: title, body, fields and footer cut to Discord's limits.

    A ``Reply`` is an immutable value and most are one of the FAQ's answers, so each is
    rendered once (an edited answer is a different reply). The embed is shared between
    sends: nothing may change it after this returns.
    """
    embed = SharedEmbed(
        title=truncate(reply.title, EMBED_TITLE_LIMIT) if reply.title else None,
        description=truncate(reply.body, EMBED_DESCRIPTION_LIMIT) if reply.body else None,
        colour=_COLOURS.get(reply.kind),
    )
    for name, value in reply.fields[:EMBED_FIELDS_LIMIT]:
        embed.add_field(
            name=truncate(name, EMBED_FIELD_NAME_LIMIT) or "\u200b",
            value=truncate(value, EMBED_FIELD_VALUE_LIMIT) or "\u200b",
            inline=False,
        )
    if reply.footer:
        embed.set_footer(text=truncate(reply.footer, EMBED_FOOTER_LIMIT))
    return fit_embed(embed)


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Shorten the description, then drop trailing fields, until the total fits 6,000."""
    excess = len(embed) - EMBED_TOTAL_LIMIT
    if excess > 0 and embed.description:
        keep = max(1, len(embed.description) - excess)
        embed.description = truncate(embed.description, keep)
    while len(embed) > EMBED_TOTAL_LIMIT and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    return embed


def plain_text(text: str) -> str:
    """Message content cut to Discord's 2,000 characters."""
    return truncate(text, MESSAGE_LIMIT)


def new_nonce() -> int:
    """A nonce for one message, as discord.py makes them: Discord posts a message sent
    again with the same nonce only once (``enforce_nonce``), so a retried send is kept."""
    return secrets.randbits(64)


async def post_message(
    client: discord.Client,
    channel: discord.abc.MessageableChannel,
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    reference: discord.MessageReference | None = None,
    nonce: int | None = None,
) -> discord.PartialMessage:
    """Post a message pinging no one (the replied-to member neither), as
    ``Messageable.send`` does, and return a handle to it: its id, jump URL and ``delete``.

    ``Messageable.send`` builds a whole ``Message`` from Discord's answer (the embed, the
    buttons and the replied-to message come back in it), which nothing in the bot reads:
    under a flood that was 7% of the bot's time (BENCHMARKS.md). This uses discord.py's
    own payload builder and HTTP client (its rate limits and retries), and keeps the id.
    A view must have no callbacks (``views.ReadyView``): discord.py would have to keep it.
    """
    if view is not None and view.is_dispatchable():
        raise ValueError("a view with callbacks must be sent with Messageable.send")
    with handle_message_parameters(
        content=content,
        embed=embed if embed is not None else discord.utils.MISSING,
        view=view if view is not None else discord.utils.MISSING,
        nonce=nonce if nonce is not None else new_nonce(),
        allowed_mentions=NO_MENTIONS,
        previous_allowed_mentions=client.allowed_mentions,
        mention_author=False,
        message_reference=(reference.to_message_reference_dict() if reference is not None
                           else discord.utils.MISSING),
    ) as params:
        data = await client.http.send_message(channel.id, params=params)
    return discord.PartialMessage(channel=channel, id=int(data["id"]))


async def send_interaction(
    interaction: discord.Interaction,
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = True,
) -> discord.Message | None:
    """Answer an interaction (first response or follow-up) with mentions disabled.

    Returns the message when Discord reports it (public answers need its jump URL).
    """
    text = plain_text(content) if content is not None else None
    if interaction.response.is_done():
        message: discord.Message = await interaction.followup.send(
            content=text if text is not None else discord.utils.MISSING,
            embed=embed if embed is not None else discord.utils.MISSING,
            view=view if view is not None else discord.utils.MISSING,
            ephemeral=ephemeral,
            allowed_mentions=NO_MENTIONS,
            wait=True,
        )
        return message
    callback = await interaction.response.send_message(
        content=text,
        embed=embed if embed is not None else discord.utils.MISSING,
        view=view if view is not None else discord.utils.MISSING,
        ephemeral=ephemeral,
        allowed_mentions=NO_MENTIONS,
    )
    resource = callback.resource
    return resource if isinstance(resource, discord.Message) else None


async def report_failure(interaction: discord.Interaction, error: BaseException) -> None:
    """The member gets a private "something went wrong"; the log gets the traceback."""
    name = interaction.command.qualified_name if interaction.command else "component"
    log.error("Error while handling /%s for user %s", name, interaction.user.id,
              exc_info=error)
    try:
        await send_interaction(interaction, content=SOMETHING_WENT_WRONG, ephemeral=True)
    except discord.HTTPException:
        # The interaction may have expired (3 s to answer); the log line above remains.
        log.warning("Could not tell user %s about the error", interaction.user.id)
