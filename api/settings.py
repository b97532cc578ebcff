"""Service settings, read from the environment with the prefix ``RESKILL_``."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RESKILL_", extra="ignore")

    database_url: str = "sqlite:///var/reskill.db"
    max_page_size: int = 100
