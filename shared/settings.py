"""Settings for the whole installation, read from `JOBBRO_*` environment variables."""

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "development-only-secret-do-not-use-in-production"


class Settings(BaseSettings):
    """Zero configuration gives the embedded default: SQLite under var/, eager tasks."""

    model_config = SettingsConfigDict(env_prefix="JOBBRO_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = REPO_ROOT / "var"
    database_url: str = ""
    broker_url: str = ""
    secret_key: str = DEV_SECRET
    # Absolute session lifetime: a login ends after this however busy it is.
    session_max_age_seconds: int = 8 * 3600
    # A session unused this long ends (the row's last_seen_at, refreshed once a minute).
    session_idle_seconds: int = Field(default=3600, ge=60)
    # Secure cookies and HSTS; always on in production.
    cookie_secure: bool = False
    # Refused logins: after this many for one account (or the address limit for one
    # address) within the window, logins wait; the wait doubles with each refusal.
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=60)
    login_base_delay_seconds: int = Field(default=30, ge=1)
    login_max_delay_seconds: int = Field(default=900, ge=1)
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = 8000
    # Where the job-order service reaches the matching service; empty means in-process.
    matching_url: str = ""
    matching_api_key: str = ""
    # Shared by the job-order and the matching service when they run apart: signs the
    # person a call is made for, so matching applies that person's visibility and audits them.
    matching_actor_secret: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "jobbro@localhost"

    # Every wait on a dependency is bounded (docs/operations.md). A bounded wait that runs
    # out answers 503 with the request id, never a hang or a 500.
    # Opening a database connection (PostgreSQL `connect_timeout`).
    db_connect_timeout_seconds: int = Field(default=5, ge=1, le=300)
    # One SQL statement (PostgreSQL `statement_timeout`); 0 turns it off.
    db_statement_timeout_seconds: float = Field(default=30.0, ge=0, le=3600)
    # Waiting for a free connection of the pool.
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # Waiting for a lock held by another transaction (SQLite `busy_timeout`, PostgreSQL
    # `lock_timeout`).
    db_lock_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # A call to the matching service when it runs apart (JOBBRO_MATCHING_URL): connecting,
    # and the whole answer.
    matching_connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)
    matching_timeout_seconds: float = Field(default=15.0, gt=0, le=600)
    # /readyz: each dependency check is bounded by this, and one answer serves every
    # caller for `readyz_cache_seconds`, so a flood of probes costs one check.
    readyz_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    readyz_cache_seconds: float = Field(default=3.0, ge=0, le=60)
    # /metrics: open to loopback callers; others need this token as a bearer token.
    metrics_token: str = ""
    # How long Redis waits before it hands an unacknowledged task to another worker: the
    # longest late-acknowledged task (embedding a chunk, 1300 s) plus a margin.
    broker_visibility_timeout_seconds: int = Field(default=1500, ge=5, le=86_400)
    # How often beat and the in-process scheduler reconcile the index with the CV bank.
    reconcile_interval_seconds: int = Field(default=600, ge=5, le=86_400)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.env == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("JOBBRO_SECRET_KEY must be set outside development")
        if self.env == "production" and len(self.secret_key) < 32:
            raise ValueError("JOBBRO_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def secure(self) -> bool:
        """HTTPS only: Secure cookies and HSTS."""
        return self.cookie_secure or self.env == "production"

    def check_bind(self, host: str) -> None:
        """Refuse the built-in secret on any address another machine can reach.

        Anyone who reads the source can sign a session cookie with it, so it is only
        safe while nobody else can connect.
        """
        if self.secret_key == DEV_SECRET and not is_loopback(host):
            raise ValueError(
                f"Binding {host} makes Jobbro reachable from other machines: "
                "set JOBBRO_SECRET_KEY (32+ random characters) first"
            )

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'jobbro.db'}"

    @property
    def tasks_eager(self) -> bool:
        return not self.broker_url


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


class JobOrderSettings(BaseSettings):
    """Settings of the job-order service (`JOBBRO_JOBORDERS_*`)."""

    model_config = SettingsConfigDict(env_prefix="JOBBRO_JOBORDERS_", extra="ignore")

    # "As fast as possible" unless agreed otherwise with the employer.
    default_processing_working_days: int = Field(default=2, ge=0, le=60)


class MatchingSettings(BaseSettings):
    """Settings of the matching service (`JOBBRO_MATCHING_*`)."""

    model_config = SettingsConfigDict(env_prefix="JOBBRO_MATCHING_", extra="ignore")

    model_path: Path = REPO_ROOT / "models" / "all-MiniLM-L6-v2"
    tuned_model_path: Path = REPO_ROOT / "models" / "jobbro-minilm-da"
    # Empty means <data_dir>/index.
    index_dir: Path | None = None
    exact_search_max: int = 200_000
    # 32 beat 64 on CV profiles (~55 tokens): less padding per batch (bench/matching.py).
    embed_batch_size: int = 32
    weight_semantic: float = 0.35
    weight_lexical: float = 0.35
    weight_requirements: float = 0.30
    # Load the model, the CV bank snapshot and the index when the server starts
    # (`jobbro serve` turns it on), so no mediator's first search pays for them.
    warm_up: bool = False
    # Keep a copy of the in-memory CV bank under <data_dir>/cache so a restart
    # patches it instead of rebuilding it (minutes at 100k CVs).
    persist_snapshot: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()


@lru_cache
def get_joborder_settings() -> JobOrderSettings:
    return JobOrderSettings()


@lru_cache
def get_matching_settings() -> MatchingSettings:
    return MatchingSettings()
