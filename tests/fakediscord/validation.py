"""Discord's documented limits on what a bot may send; breaking one is a 400, as on Discord.

Each check returns (path, code, message) problems, which `httputil.invalid_form` nests the way
Discord does, so discord.py's HTTPException text reads like the real thing.
"""

from __future__ import annotations

from typing import Any

from .records import walk_components

Problem = tuple[str, str, str]

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_FIELDS = 25
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELD_LIMITS = {"name": 256, "value": 1024}
MAX_FOOTER = 2048
MAX_AUTHOR_NAME = 256
MAX_ACTION_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_SELECT_OPTIONS = 25
MAX_OPTION_TEXT = 100
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
COMPONENTS_V2 = 1 << 15


def _too_long(path: str, limit: int) -> Problem:
    return (path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def message_problems(body: dict[str, Any]) -> list[Problem]:
    """Everything wrong with a message create/edit body (empty list: it is acceptable)."""
    problems: list[Problem] = []
    content = body.get("content")
    if isinstance(content, str) and len(content) > MAX_CONTENT:
        problems.append(_too_long("content", MAX_CONTENT))
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        problems.append(_too_long("embeds", MAX_EMBEDS))
    problems += _embed_problems(embeds)
    problems += _component_problems(body.get("components") or [], body.get("flags") or 0)
    mentions = body.get("allowed_mentions") or {}
    for kind in ("users", "roles"):
        if kind in (mentions.get("parse") or []) and mentions.get(kind):
            problems.append(
                (
                    f"allowed_mentions.parse.{kind}",
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                )
            )
    return problems


def is_empty_message(body: dict[str, Any], *, has_files: bool) -> bool:
    """Discord refuses (50006) a new message with nothing to show."""
    shown = ("content", "embeds", "components", "sticker_ids", "poll", "attachments")
    return not has_files and not any(body.get(key) for key in shown)


def _embed_problems(embeds: list[dict[str, Any]]) -> list[Problem]:
    problems: list[Problem] = []
    total = 0
    for index, embed in enumerate(embeds):
        path = f"embeds.{index}"
        for key, limit in EMBED_LIMITS.items():
            text = embed.get(key) or ""
            total += len(text)
            if len(text) > limit:
                problems.append(_too_long(f"{path}.{key}", limit))
        fields = embed.get("fields") or []
        if len(fields) > MAX_FIELDS:
            problems.append(_too_long(f"{path}.fields", MAX_FIELDS))
        for number, embed_field in enumerate(fields):
            for key, limit in FIELD_LIMITS.items():
                text = embed_field.get(key) or ""
                total += len(text)
                if not text.strip():
                    problems.append(
                        (
                            f"{path}.fields.{number}.{key}",
                            "BASE_TYPE_REQUIRED",
                            "This field is required",
                        )
                    )
                elif len(text) > limit:
                    problems.append(_too_long(f"{path}.fields.{number}.{key}", limit))
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
        if len(footer) > MAX_FOOTER:
            problems.append(_too_long(f"{path}.footer.text", MAX_FOOTER))
        if len(author) > MAX_AUTHOR_NAME:
            problems.append(_too_long(f"{path}.author.name", MAX_AUTHOR_NAME))
    if total > MAX_EMBED_TOTAL:
        problems.append(
            ("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
        )
    return problems


def _component_problems(components: list[dict[str, Any]], flags: int) -> list[Problem]:
    problems: list[Problem] = []
    if not flags & COMPONENTS_V2 and len(components) > MAX_ACTION_ROWS:
        problems.append(_too_long("components", MAX_ACTION_ROWS))
    for index, row in enumerate(components):
        children = row.get("components") or []
        buttons = [c for c in children if c.get("type") == 2]
        if row.get("type") == 1 and (
            len(buttons) > MAX_ROW_BUTTONS or (buttons and len(children) != len(buttons))
        ):
            problems.append(
                (
                    f"components.{index}.components",
                    "BASE_TYPE_BAD_LENGTH",
                    "Action rows hold up to 5 buttons or a single select",
                )
            )
    seen: set[str] = set()
    for component in walk_components(components):
        custom_id = component.get("custom_id")
        if custom_id is not None:
            if len(custom_id) > MAX_CUSTOM_ID:
                problems.append(_too_long("components.custom_id", MAX_CUSTOM_ID))
            if custom_id in seen:
                problems.append(
                    (
                        "components",
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                )
            seen.add(custom_id)
        if component.get("type") == 2:
            problems += _button_problems(component)
        if len(component.get("options") or []) > MAX_SELECT_OPTIONS:
            problems.append(_too_long("components.options", MAX_SELECT_OPTIONS))
        for option in component.get("options") or []:
            for key in ("label", "value", "description"):
                if len(option.get(key) or "") > MAX_OPTION_TEXT:
                    problems.append(_too_long(f"components.options.{key}", MAX_OPTION_TEXT))
    return problems


def _button_problems(button: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if len(button.get("label") or "") > MAX_LABEL:
        problems.append(_too_long("components.label", MAX_LABEL))
    is_link = button.get("style") == 5
    if is_link and not button.get("url"):
        problems.append(("components.url", "BASE_TYPE_REQUIRED", "Link buttons need a url"))
    if not is_link and button.get("style") != 6 and not button.get("custom_id"):
        problems.append(("components.custom_id", "BASE_TYPE_REQUIRED", "This field is required"))
    return problems


def choice_problems(choices: list[dict[str, Any]]) -> list[Problem]:
    """Autocomplete results: at most 25, names 1-100 characters."""
    problems: list[Problem] = []
    if len(choices) > MAX_CHOICES:
        problems.append(_too_long("data.choices", MAX_CHOICES))
    for index, choice in enumerate(choices):
        name = choice.get("name") or ""
        if not 1 <= len(name) <= MAX_CHOICE_NAME:
            problems.append(
                (
                    f"data.choices.{index}.name",
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.",
                )
            )
        value = choice.get("value")
        if isinstance(value, str) and len(value) > MAX_CHOICE_NAME:
            problems.append(_too_long(f"data.choices.{index}.value", MAX_CHOICE_NAME))
    return problems
