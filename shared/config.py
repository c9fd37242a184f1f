"""Settings read from the environment, once, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from shared.clock import Clock, clock_for

SERVICES = ("verification", "licensing", "certification", "monitoring", "watch")
# The public site calls the APIs like any other client; it has no store and no worker.
SITE = "web"
DEFAULT_PORTS = {
    "verification": 8000,
    "licensing": 8001,
    "certification": 8002,
    "monitoring": 8003,
    "watch": 8004,
    SITE: 8080,
}
BACKENDS = ("embedded", "stack")


@dataclass(frozen=True)
class TopicLayout:
    """How every topic is created: partitions, copies, and copies a write must reach."""

    partitions: int = 3
    replication_factor: int = 1
    min_insync_replicas: int = 1
    # Topics whose order is the order of something built from them, whole: the public
    # log's leaves follow verification.events, so a log rebuilt from it is the same tree.
    totally_ordered: tuple[str, ...] = ("verification.events",)

    def partitions_of(self, topic: str) -> int:
        """A prefixed name (tests) counts as its base name."""
        return 1 if topic.endswith(self.totally_ordered) else self.partitions


@dataclass(frozen=True)
class Settings:
    backend: str = "embedded"
    data_dir: Path = Path("var")
    mongodb_uri: str = "mongodb://127.0.0.1:27017/"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_partitions: int = 3
    # Production: 3 and 2, so that a write acknowledged by acks=all survives losing a broker.
    kafka_replication_factor: int = 1
    kafka_min_insync_replicas: int = 1
    # Prefixes let tests and parallel deployments share one broker and one server.
    topic_prefix: str = ""
    database_prefix: str = "registry"
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    token_issuer: str = "recruiter-registry-dev"  # noqa: S105 (a name, not a secret)
    token_audience: str = "recruiter-registry"  # noqa: S105
    jwks_url: str | None = None
    token_public_key_file: Path | None = None
    log_level: str = "INFO"
    public_rate_per_minute: int = 600
    # Who triages anonymous reports: a civil-society organisation the registry names.
    public_intake_org: str = "public-intake"
    receipt_keys_dir: Path | None = None  # default: under the verification data directory
    receipt_issuer: str = "recruiter-registry/verification"
    receipt_ttl_seconds: int = 24 * 3600
    # How long a verification answer waits for the writes its caller names (SPEC §13).
    consistency_wait_seconds: float = 5.0
    # Unread messages older than this on a recruiter's partitions: never vouch (SPEC 13).
    stale_after_seconds: float = 10.0
    log_keys_dir: Path | None = None  # default: under the verification data directory
    # The public log's name in its checkpoints and note key: a URL-like name, no scheme.
    log_origin: str = "recruiter-registry.invalid/log"
    # Where the watch service fetches receipts (default: the local verification port).
    verification_url: str | None = None
    # Development and tests only: webhooks may go to http and to local addresses.
    webhooks_allow_local: bool = False
    webhook_retry_base_seconds: float = 5.0
    webhook_retry_cap_seconds: float = 3600.0
    # Development and tests only: a file holding seconds by which every clock is moved.
    clock_offset_file: Path | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        backend = env.get("REGISTRY_BACKEND", "embedded")
        if backend not in BACKENDS:
            raise ValueError(
                f"REGISTRY_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}"
            )
        key_file = env.get("REGISTRY_TOKEN_PUBLIC_KEY_FILE")
        receipt_keys = env.get("REGISTRY_RECEIPT_KEYS_DIR")
        log_keys = env.get("REGISTRY_LOG_KEYS_DIR")
        return cls(
            backend=backend,
            data_dir=Path(env.get("REGISTRY_DATA_DIR", "var")).resolve(),
            mongodb_uri=env.get("MONGODB_URI", cls.mongodb_uri),
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS", cls.kafka_bootstrap_servers),
            kafka_partitions=int(env.get("REGISTRY_KAFKA_PARTITIONS", cls.kafka_partitions)),
            kafka_replication_factor=int(
                env.get("REGISTRY_KAFKA_REPLICATION_FACTOR", cls.kafka_replication_factor)
            ),
            kafka_min_insync_replicas=int(
                env.get("REGISTRY_KAFKA_MIN_INSYNC_REPLICAS", cls.kafka_min_insync_replicas)
            ),
            topic_prefix=env.get("REGISTRY_TOPIC_PREFIX", ""),
            database_prefix=env.get("REGISTRY_DATABASE_PREFIX", cls.database_prefix),
            ports={
                name: int(env.get(f"REGISTRY_{name.upper()}_PORT", port))
                for name, port in DEFAULT_PORTS.items()
            },
            token_issuer=env.get("REGISTRY_TOKEN_ISSUER", cls.token_issuer),
            token_audience=env.get("REGISTRY_TOKEN_AUDIENCE", cls.token_audience),
            jwks_url=env.get("REGISTRY_JWKS_URL") or None,
            token_public_key_file=Path(key_file) if key_file else None,
            log_level=env.get("REGISTRY_LOG_LEVEL", cls.log_level),
            public_rate_per_minute=int(
                env.get("REGISTRY_PUBLIC_RATE_PER_MINUTE", cls.public_rate_per_minute)
            ),
            public_intake_org=env.get("REGISTRY_PUBLIC_INTAKE_ORG", cls.public_intake_org),
            receipt_keys_dir=Path(receipt_keys) if receipt_keys else None,
            receipt_issuer=env.get("REGISTRY_RECEIPT_ISSUER", cls.receipt_issuer),
            receipt_ttl_seconds=int(
                env.get("REGISTRY_RECEIPT_TTL_SECONDS", cls.receipt_ttl_seconds)
            ),
            consistency_wait_seconds=float(
                env.get("REGISTRY_CONSISTENCY_WAIT_S", cls.consistency_wait_seconds)
            ),
            stale_after_seconds=float(env.get("REGISTRY_STALE_AFTER_S", cls.stale_after_seconds)),
            log_keys_dir=Path(log_keys) if log_keys else None,
            log_origin=env.get("REGISTRY_LOG_ORIGIN", cls.log_origin),
            verification_url=env.get("REGISTRY_VERIFICATION_URL") or None,
            webhooks_allow_local=env.get("REGISTRY_WEBHOOKS_ALLOW_LOCAL") == "1",
            webhook_retry_base_seconds=float(
                env.get("REGISTRY_WEBHOOK_RETRY_BASE_S", cls.webhook_retry_base_seconds)
            ),
            webhook_retry_cap_seconds=float(
                env.get("REGISTRY_WEBHOOK_RETRY_CAP_S", cls.webhook_retry_cap_seconds)
            ),
            clock_offset_file=Path(offset)
            if (offset := env.get("REGISTRY_CLOCK_OFFSET_FILE"))
            else None,
        )

    def __post_init__(self) -> None:
        if self.verification_url is None:
            url = f"http://127.0.0.1:{self.ports['verification']}"
            object.__setattr__(self, "verification_url", url)

    def clock(self) -> Clock:
        return clock_for(self.clock_offset_file)

    def topic_layout(self) -> TopicLayout:
        return TopicLayout(
            self.kafka_partitions, self.kafka_replication_factor, self.kafka_min_insync_replicas
        )

    def topic(self, name: str) -> str:
        """The bus name of a logical topic such as ``licensing.events``."""
        return f"{self.topic_prefix}{name}"

    def database(self, service: str) -> str:
        return f"{self.database_prefix}_{service}"

    def service_dir(self, service: str) -> Path:
        return self.data_dir / service
