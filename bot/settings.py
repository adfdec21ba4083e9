"""Every setting in one place: ``config/bot.yaml`` overridden by environment variables.

Environment variables use the ``BOT_`` prefix and ``__`` for nesting
(``BOT_MATCHING__ANSWER=0.6``, ``BOT_ANSWER_CHANNELS=[123,456]``). The token is read only
from ``DISCORD_TOKEN`` (environment or an untracked ``.env``), never from the YAML file,
and is kept as a ``SecretStr`` so it cannot be printed by accident.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar

import yaml
from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from bot.matching import Thresholds

DEFAULT_CONFIG = Path("config/bot.yaml")
# The defaults, read from an instance: compiled (bot.native), a dataclass's class has no
# plain default values to read.
_DEFAULTS = Thresholds()


class MatchingSettings(BaseModel):
    """Decision thresholds on the matcher's 0..1 score."""

    answer: float = Field(default=_DEFAULTS.answer, ge=0, le=1)
    margin: float = Field(default=_DEFAULTS.margin, ge=0, le=1)
    suggest: float = Field(default=_DEFAULTS.suggest, ge=0, le=1)
    suggest_window: float = Field(default=_DEFAULTS.suggest_window, ge=0, le=1)
    related: float = Field(default=_DEFAULTS.related, ge=0, le=1)
    # Entry id -> offset added to suggest and answer when that entry is the best one.
    entry_offsets: dict[str, Annotated[float, Field(ge=-0.5, le=0.5)]] = Field(
        default_factory=dict)
    # The classifier's second opinion (a probability above 1 switches a rule off).
    classifier_alone: float = Field(default=_DEFAULTS.classifier_alone, ge=0, le=1.01)
    classifier_agree: float = Field(default=_DEFAULTS.classifier_agree, ge=0, le=1.01)
    classifier_agree_score: float = Field(default=_DEFAULTS.classifier_agree_score, ge=0,
                                          le=1)
    classifier_veto: float = Field(default=_DEFAULTS.classifier_veto, ge=0, le=1.01)

    def thresholds(self) -> Thresholds:
        """As the matcher's ``Thresholds``."""
        return Thresholds(self.answer, self.margin, self.suggest, self.suggest_window,
                          related=self.related, entry_offsets=dict(self.entry_offsets),
                          classifier_alone=self.classifier_alone,
                          classifier_agree=self.classifier_agree,
                          classifier_agree_score=self.classifier_agree_score,
                          classifier_veto=self.classifier_veto)


class CooldownSettings(BaseModel):
    """Limits that keep one member (or one repeated question) from flooding a channel."""

    member_questions: int = Field(default=5, ge=1)
    member_window_seconds: float = Field(default=60.0, gt=0)
    repeat_window_seconds: float = Field(default=120.0, ge=0)


class QuestionLogSettings(BaseModel):
    """Where and how long questions are kept."""

    path: Path = Path("var/questions.sqlite3")
    retention_days: int = Field(default=90, ge=1)
    salt: SecretStr = SecretStr("change-me")
    # Rows waiting in memory while the database cannot be written; past this the oldest go.
    max_queued: int = Field(default=10_000, ge=1)
    # Longest pause between two write attempts while the database is unavailable.
    retry_max_seconds: float = Field(default=30.0, gt=0)


class Settings(BaseSettings):
    """The bot's configuration."""

    model_config = SettingsConfigDict(
        env_prefix="BOT_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )
    config_path: ClassVar[Path] = DEFAULT_CONFIG

    discord_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DISCORD_TOKEN", "discord_token")
    )
    faq_path: Path = Path("data/faqs.yaml")
    guild_id: int | None = None
    answer_channels: list[int] = Field(default_factory=list)
    moderator_roles: list[int] = Field(default_factory=list)
    mod_log_channel: int | None = None
    message_content_intent: bool = True
    sharded: bool = False
    watch_faq: bool = True
    # A change to faq_path is loaded once the file has been quiet this long, so editors
    # that save in several writes are read whole.
    faq_reload_settle_seconds: float = Field(default=0.4, ge=0)
    command_hash_path: Path = Path("var/commands.sha256")
    log_level: str = "INFO"
    matching: MatchingSettings = Field(default_factory=MatchingSettings)
    cooldowns: CooldownSettings = Field(default_factory=CooldownSettings)
    question_log: QuestionLogSettings = Field(default_factory=QuestionLogSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then environment, then ``.env``, then the YAML file."""
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=cls.config_path)
        return init_settings, env_settings, dotenv_settings, yaml_source


class SettingsError(ValueError):
    """The settings file or the environment holds something invalid; one line says what."""


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Read settings from ``config`` (default ``config/bot.yaml``) and the environment.

    Raises ``SettingsError`` naming the file and every invalid key.
    """
    path = config or DEFAULT_CONFIG

    class _FromFile(Settings):
        config_path: ClassVar[Path] = path

    try:
        return _FromFile(**overrides)
    except ValidationError as error:
        keys = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                         for e in error.errors())
        raise SettingsError(f"invalid settings in {path}: {keys}") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise SettingsError(f"{path}:{line} is not valid YAML: "
                            f"{getattr(error, 'problem', None) or error}") from None
