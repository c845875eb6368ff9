"""Configuration, read from the environment once at start-up."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from arrears.activities.messages import DEFAULT_INSTITUTION
from arrears.actors import ROLES, Actor, Role, derived_key_id, is_key_id
from arrears.codec import KeyRing
from arrears.compliance.loader import ProfileError, profile_for
from arrears.compliance.loader import load as load_profile
from arrears.compliance.profile import Profile
from arrears.contracts import JURISDICTIONS
from arrears.strategy import Strategy, StrategyError, load, load_default

__all__ = ["ROLES", "ConfigError", "Role", "Settings"]


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    database_url: SecretStr | None = None
    arrears_api_keys: SecretStr | None = None
    arrears_encryption_keys: SecretStr | None = None
    arrears_strategy: Path | None = None
    arrears_codec_origins: str | None = None
    arrears_profiles: str | None = None
    arrears_institution: str = Field(default=DEFAULT_INSTITUTION, min_length=1, max_length=80)

    def codec_origins(self) -> list[str]:
        """Origins (a Web UI's) whose browsers may call the codec endpoint: comma-separated
        ARREARS_CODEC_ORIGINS, each `scheme://host[:port]`."""
        origins = [o.strip().rstrip("/") for o in (self.arrears_codec_origins or "").split(",")]
        for origin in origins:
            if not origin.startswith(("http://", "https://")) or "/" in origin.split("//", 1)[1]:
                raise ConfigError(f"ARREARS_CODEC_ORIGINS: {origin!r} is not scheme://host[:port]")
        return origins

    def strategy(self) -> Strategy:
        """The strategy new cases follow: ARREARS_STRATEGY's file, else the default."""
        try:
            if self.arrears_strategy is None:
                return load_default()
            return load(self.arrears_strategy)
        except (StrategyError, OSError) as error:
            raise ConfigError(f"ARREARS_STRATEGY: {error}") from error

    def house_policy(self) -> Profile | None:
        """The lender's house policy, layered over every jurisdiction's profile (strictest
        wins): the profile file ARREARS_PROFILES names, else None. Raises `ConfigError`
        naming the file and each problem, or a jurisdiction whose hours it leaves empty."""
        if not self.arrears_profiles:
            return None
        try:
            policy = load_profile(Path(self.arrears_profiles))
            for jurisdiction in JURISDICTIONS:
                profile_for(jurisdiction, policy)
        except ProfileError as error:
            raise ConfigError(f"ARREARS_PROFILES: {error}") from error
        return policy

    def require_database_url(self) -> str:
        if self.database_url is None:
            raise ConfigError("DATABASE_URL is not set")
        return self.database_url.get_secret_value()

    def key_ring(self) -> KeyRing:
        if self.arrears_encryption_keys is None:
            raise ConfigError(
                "ARREARS_ENCRYPTION_KEYS is not set (key-id:base64-32-byte-key,...); "
                "workflow payloads are always encrypted"
            )
        try:
            return KeyRing.parse(self.arrears_encryption_keys.get_secret_value())
        except ValueError as error:
            raise ConfigError(f"ARREARS_ENCRYPTION_KEYS: {error}") from error

    def api_keys(self) -> dict[str, Actor]:
        """Parse ARREARS_API_KEYS into {secret: the actor its callers are}. Each entry is
        `id:secret=role`, or `secret=role` (the older form) whose id is derived from the
        secret (`actors.derived_key_id`). A malformed entry is a `ConfigError` naming it
        by position and id, never by its secret."""
        if self.arrears_api_keys is None:
            raise ConfigError("ARREARS_API_KEYS is not set (id:key=role,id:key=role)")
        keys: dict[str, Actor] = {}
        entries = (p.strip() for p in self.arrears_api_keys.get_secret_value().split(","))
        for number, entry in enumerate(filter(None, entries), 1):
            key, sep, role = entry.partition("=")
            key_id, colon, secret = key.partition(":")
            if not colon:
                key_id, secret = "", key
            if colon and not is_key_id(key_id):
                raise ConfigError(
                    f"ARREARS_API_KEYS entry {number}: the id before ':' must be 1 to 64 "
                    "letters, digits, '.', '_' or '-', starting with a letter or digit"
                )
            named = f"ARREARS_API_KEYS entry {number}" + (f" ({key_id})" if key_id else "")
            if not sep or not secret:
                raise ConfigError(f"{named}: must be id:key=role (or key=role)")
            if role not in ROLES:
                raise ConfigError(f"{named}: unknown role {role!r}; use one of {ROLES}")
            actor = Actor(role=role, key_id=key_id or derived_key_id(secret))
            if secret in keys:
                raise ConfigError(f"{named}: the same key is listed twice")
            if any(known.key_id == actor.key_id for known in keys.values()):
                raise ConfigError(f"{named}: key id {actor.key_id} is listed twice")
            keys[secret] = actor
        if not keys:
            raise ConfigError("ARREARS_API_KEYS has no keys")
        return keys
