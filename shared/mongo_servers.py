"""The MongoDB-compatible servers the local stack can run (``stack up --mongo NAME``).

Each is installed on first use from a package registry: FerretDB built with Go from
deploy/stack/ferretdb (on SQLite, or on PostgreSQL 15 from Debian's packages), or
SecantusDB from PyPI into a virtual environment of its own (it is GPL-2.0: it runs as
a separate server, never imported by the project).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FERRETDB_DEPLOY = REPO_ROOT / "deploy" / "stack" / "ferretdb"
SECANTUSDB_DEPLOY = REPO_ROOT / "deploy" / "stack" / "secantusdb"
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGRES_PACKAGE = "postgresql-15"
POSTGRES_START_TIMEOUT_S = 60.0

Log = Callable[[str], None]
# (pid-file name, command, address, user or None) -> the started process
Spawn = Callable[[str, list[str], str, str | None], subprocess.Popen]
# (command, working directory, install log name, environment or None, user or None)
Step = Callable[[list[str], Path, str, dict | None, str | None], None]


@dataclass(frozen=True)
class Part:
    """One process of a server: its PID-file name and an argument only it is started with."""

    name: str
    marker: str


class MongoServer:
    name: str

    def __init__(self, root: Path):
        self.root = root

    def install(self, step: Step, log: Log) -> None:
        raise NotImplementedError

    def parts(self) -> list[Part]:
        """Its processes, the one clients talk to first (stopped first, started last)."""
        raise NotImplementedError

    def start(self, port: int, spawn: Spawn, step: Step, log: Log) -> subprocess.Popen:
        """Start every part; return the one that answers on ``port``."""
        raise NotImplementedError


def fingerprint(*files: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _tool(name: str, purpose: str) -> str:
    from shared.stack import StackError

    path = shutil.which(name)
    if path is None:
        raise StackError(f"`{name}` is not on PATH; it is needed to {purpose}")
    return path


class FerretDB(MongoServer):
    @property
    def binary(self) -> Path:
        return self.root / "bin" / "ferretdb-registry"

    def install(self, step: Step, log: Log) -> None:
        sources = [FERRETDB_DEPLOY / name for name in ("go.mod", "go.sum", "main.go")]
        stamp = self.binary.with_name(self.binary.name + ".installed-from")
        wanted = fingerprint(*sources)
        if self.binary.is_file() and stamp.is_file() and stamp.read_text() == wanted:
            return
        log("building FerretDB with Go")
        started = time.monotonic()
        self.binary.parent.mkdir(parents=True, exist_ok=True)
        partial = self.binary.with_name(self.binary.name + ".partial")
        # GOWORK=off: a go.work higher up must not pull this module into another build.
        env = {**os.environ, "GOWORK": "off", "GOFLAGS": "-mod=readonly -buildvcs=false"}
        go = _tool("go", "build FerretDB")
        step([go, "build", "-trimpath", "-o", str(partial), "."], FERRETDB_DEPLOY,
             "ferretdb-build", env, None)  # fmt: skip
        partial.replace(self.binary)
        stamp.write_text(wanted)
        log(f"FerretDB built in {time.monotonic() - started:.0f} s")


class FerretDBOnSqlite(FerretDB):
    name = "ferretdb-sqlite"

    @property
    def data(self) -> Path:
        return self.root / "ferretdb" / "data"

    def parts(self) -> list[Part]:
        # Named "ferretdb" as before there was a choice, so `stack down` still finds it.
        return [Part("ferretdb", str(self.data))]

    def start(self, port: int, spawn: Spawn, step: Step, log: Log) -> subprocess.Popen:
        self.data.mkdir(parents=True, exist_ok=True)
        address = f"127.0.0.1:{port}"
        command = [str(self.binary), "-listen", address, "-dir", str(self.data)]
        return spawn("ferretdb", command, address, None)


class FerretDBOnPostgres(FerretDB):
    """FerretDB in front of a PostgreSQL cluster of its own, reached by a Unix socket."""

    name = "ferretdb-postgres"

    @property
    def home(self) -> Path:
        """Under the stack's root, or as root in the `postgres` user's home: a data dir
        that user cannot reach (a private temporary directory, say) would stop it."""
        user = _postgres_user()
        if user is None:
            return self.root / "postgres"
        import hashlib

        tag = hashlib.sha256(str(self.root).encode()).hexdigest()[:12]
        return Path(pwd.getpwnam(user).pw_dir) / f"registry-stack-{tag}"

    @property
    def cluster(self) -> Path:
        return self.home / "data"

    @property
    def sockets(self) -> Path:
        return self.home / "run"

    def install(self, step: Step, log: Log) -> None:
        super().install(step, log)
        if (POSTGRES_BIN / "postgres").is_file():
            return
        from shared.stack import StackError

        if os.geteuid() != 0:
            raise StackError(f"PostgreSQL 15 is missing: install Debian's {POSTGRES_PACKAGE}")
        log(f"installing {POSTGRES_PACKAGE} with apt")
        apt = _tool("apt-get", "install PostgreSQL")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        step([apt, "update"], self.root, "postgres-apt-update", env, None)
        step([apt, "install", "-y", "--no-install-recommends", POSTGRES_PACKAGE], self.root,
             "postgres-install", env, None)  # fmt: skip

    def parts(self) -> list[Part]:
        return [Part("ferretdb-postgres", str(self.sockets)), Part("postgres", str(self.cluster))]

    def start(self, port: int, spawn: Spawn, step: Step, log: Log) -> subprocess.Popen:
        user = _postgres_user()
        if not (self.cluster / "PG_VERSION").is_file():
            self._init_cluster(step, user)
        self.sockets.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(self.sockets, user, user)
        # No TCP listener: only this stack's FerretDB talks to it, through the socket.
        # Commits are not flushed one by one, as SecantusDB and FerretDB's SQLite do not.
        command = [str(POSTGRES_BIN / "postgres"), "-D", str(self.cluster), "-h", "",
                   "-k", str(self.sockets), "-c", "synchronous_commit=off"]  # fmt: skip
        postgres = spawn("postgres", command, str(self.sockets), user)
        self._wait_for_socket(postgres)
        url = f"postgres://postgres@/postgres?host={self.sockets}"
        address = f"127.0.0.1:{port}"
        ferretdb = [str(self.binary), "-listen", address, "-postgresql-url", url]
        # The socket directory in the command line tells this FerretDB from the SQLite one.
        ferretdb += ["-dir", str(self.sockets)]
        return spawn("ferretdb-postgres", ferretdb, address, None)

    def _init_cluster(self, step: Step, user: str | None) -> None:
        partial = self.cluster.with_name("data.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        if user:
            shutil.chown(self.home, user, user)
            shutil.chown(partial, user, user)
        initdb = [str(POSTGRES_BIN / "initdb"), "-D", str(partial), "-U", "postgres",
                  "--auth=trust", "--encoding=UTF8", "--no-sync"]  # fmt: skip
        step(initdb, self.home, "postgres-initdb", None, user)
        partial.rename(self.cluster)

    def _wait_for_socket(self, process: subprocess.Popen) -> None:
        from shared.stack import StackError

        path = self.sockets / ".s.PGSQL.5432"
        deadline = time.monotonic() + POSTGRES_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StackError(f"postgres exited with code {process.returncode} while starting")
            with socket.socket(socket.AF_UNIX) as probe:
                if path.exists() and probe.connect_ex(str(path)) == 0:
                    return
            time.sleep(0.2)
        raise StackError(f"postgres did not open {path} within {POSTGRES_START_TIMEOUT_S:.0f} s")


def _postgres_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, run it as Debian's `postgres` user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        from shared.stack import StackError

        raise StackError(f"no `postgres` user; reinstall Debian's {POSTGRES_PACKAGE}") from None
    return "postgres"


class SecantusDB(MongoServer):
    name = "secantusdb"

    @property
    def venv(self) -> Path:
        return self.root / "secantusdb" / "venv"

    @property
    def data(self) -> Path:
        return self.root / "secantusdb" / "data"

    def install(self, step: Step, log: Log) -> None:
        lock = SECANTUSDB_DEPLOY / "requirements.lock"
        stamp = self.venv / ".installed-from"
        wanted = fingerprint(lock)
        if stamp.is_file() and stamp.read_text() == wanted:
            return
        log("installing SecantusDB from PyPI")
        started = time.monotonic()
        shutil.rmtree(self.venv, ignore_errors=True)
        step([sys.executable, "-m", "venv", str(self.venv)], self.root, "secantusdb-venv",
             None, None)  # fmt: skip
        pip = [str(self.venv / "bin" / "pip"), "install", "--disable-pip-version-check"]
        step([*pip, "--no-deps", "-r", str(lock)], self.root, "secantusdb-install", None, None)
        stamp.write_text(wanted)
        log(f"SecantusDB installed in {time.monotonic() - started:.0f} s")

    def parts(self) -> list[Part]:
        return [Part("secantusdb", str(self.data))]

    def start(self, port: int, spawn: Spawn, step: Step, log: Log) -> subprocess.Popen:
        self.data.mkdir(parents=True, exist_ok=True)
        command = [str(self.venv / "bin" / "secantusd-py"), "--host", "127.0.0.1",
                   "--port", str(port), "--storage-path", str(self.data),
                   # Standalone: the project uses no replica-set feature (SPEC §9).
                   "--standalone", "--cache-size", "256M", "--log-level", "WARNING"]  # fmt: skip
        return spawn("secantusdb", command, f"127.0.0.1:{port}", None)


SERVERS: dict[str, type[MongoServer]] = {
    server.name: server for server in (SecantusDB, FerretDBOnSqlite, FerretDBOnPostgres)
}
DEFAULT = "secantusdb"


def mongo_server(name: str, root: Path) -> MongoServer:
    from shared.stack import StackError

    if name not in SERVERS:
        raise StackError(f"no MongoDB-compatible server {name!r}; choose from {', '.join(SERVERS)}")
    return SERVERS[name](root)
