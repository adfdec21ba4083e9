"""Buttons under the bot's replies, and what pressing them does.

Every dispatchable button is a ``discord.ui.DynamicItem``: its state lives in its
``custom_id`` (``faq:pick:<entry_id>``, ``faq:vote:<question_key>:1|0``,
``faq:page:<page>:<direction>``), so buttons on week-old answers keep working after a
restart without any view being kept in memory.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, Self, cast

import discord

from bot.discord_render import NO_MENTIONS, reply_embed, report_failure, send_interaction
from bot.knowledge import FaqStore
from bot.questionlog import QuestionLog
from bot.replies import BUTTON_LABEL_LIMIT, Reply, ReplyKind, answer, entry_list, truncate

# Discord allows 25 components per message, 5 buttons per row.
COMPONENTS_LIMIT = 25
LINK_URL_LIMIT = 512
ENTRIES_PER_PAGE = 10

THANKS_HELPFUL = "Thanks for the feedback! Glad it helped."
THANKS_NOT_HELPFUL = "Thanks for the feedback. The moderators use it to improve the answers."
ENTRY_GONE = "That entry is no longer in the FAQ. `/faq list` shows the current ones."

Button = discord.ui.Button[discord.ui.View]
# Built once: a str emoji would be parsed again for every button of every answer.
HELPFUL_EMOJI = discord.PartialEmoji(name="👍")
NOT_HELPFUL_EMOJI = discord.PartialEmoji(name="👎")


class FaqBot(Protocol):
    """What the buttons need from the bot (kept structural to avoid an import cycle)."""

    store: FaqStore
    question_log: QuestionLog | None


def faq_bot(interaction: discord.Interaction) -> FaqBot:
    """The running bot behind an interaction."""
    return cast(FaqBot, interaction.client)


async def _guarded(
    interaction: discord.Interaction, handler: Callable[[], Awaitable[None]]
) -> None:
    # A dynamic item's errors would otherwise only reach the default View.on_error (a log
    # line, and the member sees "This interaction failed").
    try:
        await handler()
    except Exception as error:
        await report_failure(interaction, error)


CUSTOM_ID_LIMIT = 100
_KEY = r"[A-Za-z0-9_-]{1,64}"
KEY_STAND_IN = "Q" * 64
# Distinct replies whose button rows are kept (most replies are one of the FAQ's answers).
ROWS_CACHE_SIZE = 256
_ENTRY = r"[a-z0-9][a-z0-9_-]{0,63}"


class PickButton(
    discord.ui.DynamicItem[Button],
    template=rf"faq:pick:(?P<entry_id>{_ENTRY})(?::(?P<key>{_KEY}))?",
):
    """A "did you mean" choice: shows that entry's answer to whoever presses it.

    It carries the question's key when it fits, so a vote on the picked answer is tied
    to the original question.
    """

    def __init__(self, entry_id: str, label: str, question_key: str | None = None) -> None:
        custom_id = f"faq:pick:{entry_id}"
        if question_key and len(custom_id) + 1 + len(question_key) <= CUSTOM_ID_LIMIT:
            custom_id += f":{question_key}"
        else:
            question_key = None
        super().__init__(
            discord.ui.Button(
                label=truncate(label, BUTTON_LABEL_LIMIT),
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id,
            )
        )
        self.entry_id = entry_id
        self.question_key = question_key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a pressed component."""
        label = getattr(item, "label", None) or match["entry_id"]
        return cls(match["entry_id"], label, match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the chosen answer privately to the member who pressed."""

        async def handle() -> None:
            knowledge = faq_bot(interaction).store.current
            entry = knowledge.entry(self.entry_id)
            if entry is None:
                await send_interaction(interaction, content=ENTRY_GONE)
                return
            reply = answer(knowledge, entry)
            view = reply_view(reply, self.question_key, picked=True)
            await send_interaction(interaction, embed=reply_embed(reply), view=view)

        await _guarded(interaction, handle)


class VoteButton(
    discord.ui.DynamicItem[Button],
    template=rf"faq:vote:(?P<key>{_KEY}):(?P<helpful>[01])(?::(?P<entry_id>{_ENTRY}))?",
):
    """👍 / 👎 under an answer; the vote goes to the question log.

    ``entry_id`` is set on answers picked from "did you mean" choices, where the entry
    voted on is not the one the question was matched to.
    """

    def __init__(self, question_key: str, helpful: bool, entry_id: str | None = None) -> None:
        custom_id = f"faq:vote:{question_key}:{int(helpful)}"
        if entry_id and len(custom_id) + 1 + len(entry_id) <= CUSTOM_ID_LIMIT:
            custom_id += f":{entry_id}"
        else:
            entry_id = None
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                emoji=HELPFUL_EMOJI if helpful else NOT_HELPFUL_EMOJI,
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id,
            )
        )
        self.question_key = question_key
        self.helpful = helpful
        self.entry_id = entry_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a pressed component."""
        return cls(match["key"], match["helpful"] == "1", match["entry_id"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Record the vote and thank the voter privately."""

        async def handle() -> None:
            question_log = faq_bot(interaction).question_log
            if question_log is not None:
                question_log.vote(self.question_key, self.helpful, interaction.user.id,
                                  self.entry_id)
            thanks = THANKS_HELPFUL if self.helpful else THANKS_NOT_HELPFUL
            await send_interaction(interaction, content=thanks, ephemeral=True)

        await _guarded(interaction, handle)


class PageButton(
    discord.ui.DynamicItem[Button],
    template=r"faq:page:(?P<page>\d{1,4}):(?P<direction>prev|next)",
):
    """Previous / Next under ``/faq list``: edits the message to show another page."""

    def __init__(self, page: int, direction: str, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="◀ Previous" if direction == "prev" else "Next ▶",
                style=discord.ButtonStyle.primary,
                custom_id=f"faq:page:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        """Rebuild the button from a pressed component."""
        return cls(int(match["page"]), match["direction"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Replace the list with the requested page."""

        async def handle() -> None:
            reply, view = list_page(faq_bot(interaction).store, self.page)
            await interaction.response.edit_message(
                embed=reply_embed(reply), view=view, allowed_mentions=NO_MENTIONS
            )

        await _guarded(interaction, handle)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (PickButton, VoteButton, PageButton)


class ReadyView(discord.ui.View):
    """A view whose component rows are already Discord's JSON (see ``reply_view``).

    It has no children: nothing is kept in discord.py's view store for it, and pressing
    one of its buttons is dispatched like any of the bot's buttons, by its ``custom_id``
    to the ``DYNAMIC_ITEMS`` registered at start-up.
    """

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self.rows = rows

    def to_components(self) -> list[dict[str, Any]]:
        """The rows as sent to Discord."""
        return self.rows


def build_reply_view(
    reply: Reply, question_key: str | None = None, picked: bool = False
) -> discord.ui.View | None:
    """Link buttons, "did you mean" choices and (for answers) the feedback buttons.

    ``picked`` marks an answer chosen from choices: its votes name the entry. The bot sends
    ``reply_view``'s copy; ``question_key`` must already fit a custom id (``_KEY``).
    """
    view = discord.ui.View(timeout=None)
    items: list[discord.ui.Item[Any]] = [
        discord.ui.Button(label=truncate(link.label, BUTTON_LABEL_LIMIT), url=link.url)
        for link in reply.links
        if len(link.url) <= LINK_URL_LIMIT
    ]
    items += [PickButton(c.entry_id, c.label, question_key) for c in reply.choices]
    if reply.kind is ReplyKind.ANSWER and question_key is not None:
        voted_entry = reply.entry_id if picked else None
        items += [VoteButton(question_key, True, voted_entry),
                  VoteButton(question_key, False, voted_entry)]
    for item in items[:COMPONENTS_LIMIT]:
        view.add_item(item)
    return view if view.children else None


@functools.lru_cache(maxsize=ROWS_CACHE_SIZE)
def _rows_template(
    reply: Reply, key_length: int | None, picked: bool
) -> tuple[dict[str, Any], ...]:
    # Laid out by discord.py itself, with a stand-in key of the real key's length (so the
    # same custom ids fit in 100 characters); entry ids are lowercase, so the stand-in
    # cannot be part of one.
    key = KEY_STAND_IN[:key_length] if key_length is not None else None
    view = build_reply_view(reply, key, picked)
    return tuple(view.to_components()) if view is not None else ()


def reply_view(
    reply: Reply, question_key: str | None = None, picked: bool = False
) -> discord.ui.View | None:
    """``build_reply_view``'s buttons, at a fraction of its cost.

    Building discord.py's items costs about as much as matching the question
    (bench/render.py), and a reply's buttons differ from message to message only by the
    question key in their custom ids. So each reply's rows are laid out once and the key
    is put in. A key that cannot ride in a custom id gives no vote buttons.
    """
    if question_key is not None and not re.fullmatch(_KEY, question_key):
        question_key = None  # cannot ride in a custom_id: no votes rather than a crash
    template = _rows_template(reply, len(question_key) if question_key else None, picked)
    if not template:
        return None
    if question_key is None:
        return ReadyView(list(template))
    stand_in = KEY_STAND_IN[:len(question_key)]
    rows = [
        {**row, "components": [
            {**c, "custom_id": c["custom_id"].replace(stand_in, question_key)}
            if "custom_id" in c else c
            for c in row["components"]
        ]}
        for row in template
    ]
    return ReadyView(rows)


def list_page(store: FaqStore, page: int) -> tuple[Reply, discord.ui.View | None]:
    """One page of ``/faq list`` and its Previous / Next buttons (none for one page)."""
    knowledge = store.current
    pages = max(1, -(-len(knowledge.faq.entries) // ENTRIES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    reply, pages = entry_list(knowledge, page, ENTRIES_PER_PAGE)
    if pages == 1:
        return reply, None
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(max(page - 1, 0), "prev", disabled=page == 0))
    view.add_item(PageButton(min(page + 1, pages - 1), "next", disabled=page == pages - 1))
    return reply, view
