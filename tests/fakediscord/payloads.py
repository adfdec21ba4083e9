"""JSON payloads in the shapes Discord sends (checked against discord/types in the tests).

Every key discord.py reads with `data[...]` must be present, or the client dies mid-event.
"""

from __future__ import annotations

from typing import Any

from .mentions import EVERYONE_MENTION, mentioned_role_ids, mentioned_user_ids
from .model import Channel, Guild, Member, Role, User, iso_now
from .world import World

Payload = dict[str, Any]

# Interaction payloads carry the upload limit; 10 MiB is the limit for an unboosted guild.
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


def user_payload(user: User) -> Payload:
    """A user object."""
    return {
        "id": str(user.id),
        "username": user.name,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": None,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
    }


def member_payload(
    member: Member, *, with_user: bool = True, permissions: int | None = None
) -> Payload:
    """A guild member; interactions add the member's channel permissions."""
    # Discord sends null for an unset nick or avatar; discord/types declares them as optional
    # strings, so they are left out instead (discord.py reads both with .get()).
    payload: Payload = {
        "roles": [str(role_id) for role_id in member.role_ids],
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
    }
    if member.nick is not None:
        payload["nick"] = member.nick
    if with_user:
        payload["user"] = user_payload(member.user)
    if permissions is not None:
        payload["permissions"] = str(permissions)
    return payload


def role_payload(role: Role) -> Payload:
    """A role object."""
    return {
        "id": str(role.id),
        "name": role.name,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": role.mentionable,
        "flags": 0,
        "icon": None,
        "unicode_emoji": None,
    }


def channel_payload(channel: Channel) -> Payload:
    """A guild channel or a DM channel object."""
    if channel.is_dm:
        # DM channels have no name; discord/types says otherwise, Discord does not send one.
        return {
            "id": str(channel.id),
            "type": channel.type,
            "last_message_id": _opt_id(channel.last_message_id),
            "flags": 0,
            "recipients": [user_payload(user) for user in channel.recipients],
        }
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": [
            {
                "id": str(target),
                "type": 0 if ow.for_role else 1,
                "allow": str(ow.allow),
                "deny": str(ow.deny),
            }
            for target, ow in channel.overwrites.items()
        ],
        "nsfw": False,
        "parent_id": _opt_id(channel.parent_id),
        "last_message_id": _opt_id(channel.last_message_id),
        "rate_limit_per_user": 0,
        "flags": 0,
        **({} if channel.topic is None else {"topic": channel.topic}),
    }


def guild_payload(world: World, guild: Guild, *, members: list[Member] | None = None) -> Payload:
    """A guild as GUILD_CREATE sends it: roles, channels and members included.

    REST `GET /guilds/{id}` sends the same minus the gateway-only keys; see `guild_rest_payload`.
    """
    shown = list(guild.members.values()) if members is None else members
    return {
        **guild_rest_payload(guild),
        "joined_at": guild.members[world.bot.id].joined_at,
        "large": False,
        "unavailable": False,
        "member_count": len(guild.members),
        "voice_states": [],
        "members": [member_payload(member) for member in shown],
        "channels": [channel_payload(channel) for channel in guild.channels.values()],
        "threads": [],
        "presences": [],
        "soundboard_sounds": [],
    }


def guild_rest_payload(guild: Guild) -> Payload:
    """A guild object as the REST API returns it."""
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "region": "",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [role_payload(role) for role in guild.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "nsfw_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "max_members": 500_000,
        "max_video_channel_users": 25,
        "incidents_data": None,
        "stage_instances": [],
        "guild_scheduled_events": [],
    }


def application_payload(world: World) -> Payload:
    """`GET /oauth2/applications/@me`: discord.py's login reads the id from here."""
    return {
        "id": str(world.application_id),
        "name": world.bot.name,
        "description": "",
        "summary": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": user_payload(world.app_owner),
        "verify_key": "0" * 64,
        "flags": 0,
        "bot": user_payload(world.bot),
    }


def ready_payload(world: World, session_id: str, resume_url: str) -> Payload:
    """READY: guilds arrive as unavailable stubs, then each as its own GUILD_CREATE."""
    return {
        "v": 10,
        "user": {**user_payload(world.bot), "verified": True, "mfa_enabled": False},
        "guilds": [{"id": str(guild_id), "unavailable": True} for guild_id in world.guilds],
        "session_id": session_id,
        "resume_gateway_url": resume_url,
        "shard": [0, 1],
        "application": {"id": str(world.application_id), "flags": 0},
        "private_channels": [],
        "relationships": [],
        "_trace": ["fakediscord"],
    }


def message_payload(
    world: World,
    *,
    author: User,
    channel: Channel,
    content: str = "",
    message_type: int = 0,
    **extra: Any,
) -> Payload:
    """A new message object (without `member`, which only the gateway adds).

    `extra` overrides or adds keys: embeds, components, flags, message_reference,
    attachments, webhook_id, interaction_metadata, ...
    """
    mentions = [world.users[uid] for uid in mentioned_user_ids(content) if uid in world.users]
    guild = world.guild_of(channel)
    payload: Payload = {
        "id": str(world.ids.next()),
        "channel_id": str(channel.id),
        "author": user_payload(author),
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": bool(EVERYONE_MENTION.search(content)),
        "mentions": [_mention_payload(world, channel, user) for user in mentions],
        "mention_roles": [
            str(role_id)
            for role_id in mentioned_role_ids(content)
            if guild is not None and role_id in guild.roles
        ],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": False,
        "type": message_type,
        "flags": 0,
    }
    if guild is not None:
        payload["guild_id"] = str(guild.id)
    payload.update(extra)
    return payload


def attachment_payload(base_url: str, attachment_id: int, filename: str, size: int) -> Payload:
    """An attachment whose url the emulator serves, so a bot can download it."""
    url = f"{base_url}/attachments/{attachment_id}/{filename}"
    return {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": _content_type(filename),
    }


def _mention_payload(world: World, channel: Channel, user: User) -> Payload:
    """A mentioned user; in guilds Discord nests their member object (without user)."""
    payload = user_payload(user)
    member = world.member_of(channel, user)
    if member is not None:
        payload["member"] = member_payload(member, with_user=False)
    return payload


def _content_type(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower()
    return {
        "txt": "text/plain; charset=utf-8",
        "md": "text/markdown; charset=utf-8",
        "json": "application/json",
        "yaml": "application/yaml",
        "yml": "application/yaml",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "pdf": "application/pdf",
    }.get(suffix, "application/octet-stream")


def _opt_id(value: int | None) -> str | None:
    return None if value is None else str(value)
