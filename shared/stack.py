"""Local servers for development and CI: a real Kafka broker (KRaft) and a
MongoDB-compatible server (one of shared.mongo_servers).

Both are installed from package registries on first use (Kafka jars through Maven, the
MongoDB-compatible server as shared.mongo_servers says) and run detached on 127.0.0.1,
so they outlive the CLI process that started them. Everything lives under
<data_dir>/stack/.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.config import TopicLayout
from shared.mongo_servers import DEFAULT, SERVERS, MongoServer, fingerprint, mongo_server

REPO_ROOT = Path(__file__).resolve().parent.parent
KAFKA_DEPLOY = REPO_ROOT / "deploy" / "stack" / "kafka"

HOST = "127.0.0.1"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
# Topics as a single local broker holds them.
ONE_COPY = TopicLayout()
# The heap starts small and grows as it is needed (the serial collector, enough for
# one small broker), and only the quick compiler runs: with the same ceiling, the broker
# holds about 330 MB resident after a bench's data rather than 580 MB.
KAFKA_JVM_OPTIONS = ("-Xmx512m", "-Xms32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")

Log = Callable[[str], None]


class StackError(RuntimeError):
    """The local stack could not be installed, started or stopped."""


@dataclass(frozen=True)
class StackAddresses:
    kafka_bootstrap: str
    mongodb_uri: str


@dataclass(frozen=True)
class _Layout:
    root: Path

    @property
    def kafka_lib(self) -> Path:
        return self.root / "kafka" / "lib"

    def kafka_data(self, node: str) -> Path:
        return self.root / node / "data"

    def kafka_properties(self, node: str) -> Path:
        return self.root / node / "server.properties"

    def kafka_pid_files(self) -> list[Path]:
        return sorted(self.root.glob("kafka*.pid"))

    def log_file(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    def pid_file(self, name: str) -> Path:
        return self.root / f"{name}.pid"


@dataclass(frozen=True)
class _Running:
    pid: int
    address: str


def _layout(data_dir: Path) -> _Layout:
    return _Layout(Path(data_dir).resolve() / "stack")


# --- public API ---------------------------------------------------------------------------


def up(
    data_dir: Path,
    kafka_port: int | None = 9092,
    mongo_port: int | None = 27017,
    topics: Sequence[str] = (),
    topic_layout: TopicLayout = ONE_COPY,
    log: Log = print,
    mongo: str = DEFAULT,
    brokers: int = 1,
) -> StackAddresses:
    """Install (first time only), start and wait for Kafka (``brokers`` KRaft nodes on
    consecutive pairs of ports from ``kafka_port``) and the MongoDB-compatible server
    named ``mongo``; create `topics`. ``kafka_port=None``: the MongoDB-compatible server
    alone, ``mongo_port=None``: Kafka alone (only the address of what was wanted is
    usable)."""
    layout = _layout(data_dir)
    server = mongo_server(mongo, layout.root)
    front = server.parts()[0]
    nodes = kafka_nodes(kafka_port, brokers) if kafka_port else []
    kafka_address = ",".join(node.address for node in nodes)
    mongo_address = f"{HOST}:{mongo_port}"
    addresses = StackAddresses(kafka_address, f"mongodb://{mongo_address}/")
    with _locked(layout):
        _refuse_another_mongo(layout, server)
        _refuse_other_kafka_nodes(layout, nodes)
        missing = [
            node
            for node in nodes
            if _reusable(layout, node.name, node.address, _kafka_marker(layout, node.name), log)
            is None
        ]
        running = (
            _reusable(layout, front.name, mongo_address, front.marker, log) if mongo_port else front
        )
        for node in missing:
            _require_free_ports(node.port, node.controller_port)
        if running is None:
            _require_free_ports(mongo_port)
        if missing:
            _install_kafka(layout, log)
        if running is None:
            server.install(_install_step(layout), log)
        # Start both before waiting for either: the JVM start dominates, the other overlaps it.
        kafka_started = {node.name: start_kafka_node(layout, nodes, node, log) for node in missing}
        mongo_started = None
        if running is None:
            _stop_parts(layout, server, log)  # a part left over from a run that died midway
            spawn = lambda name, args, address, user: _spawn(  # noqa: E731
                layout, name, args, address, log, user
            )
            mongo_started = server.start(mongo_port, spawn, _install_step(layout), log)
        for node in nodes:
            _wait_until(
                layout,
                node.name,
                kafka_started.get(node.name),
                lambda address=node.address: _kafka_answers(address),
            )
        mongo_uri = addresses.mongodb_uri
        if mongo_port:
            _wait_until(layout, front.name, mongo_started, lambda: _mongo_answers(mongo_uri))
    if topics:
        ensure_topics(kafka_address, topics, topic_layout)
        log(f"topics ready: {', '.join(dict.fromkeys(topics))}")
    mongo_up = addresses.mongodb_uri if mongo_port else "(not wanted)"
    log(f"kafka {kafka_address or '(not wanted)'} and {mongo} {mongo_up} are up")
    return addresses


def down(data_dir: Path, log: Log = print) -> None:
    """Stop the servers `up` started (only those whose PID files it wrote)."""
    layout = _layout(data_dir)
    if not layout.root.is_dir():
        log("stack: nothing was running")
        return
    with _locked(layout):
        stopped = False
        for name in SERVERS:
            stopped |= _stop_parts(layout, mongo_server(name, layout.root), log)
        stopped |= _stop(layout, _kafka_processes(layout), log)
        if not stopped:
            log("stack: nothing was running")


def _stop_parts(layout: _Layout, server: MongoServer, log: Log) -> bool:
    # One at a time, front first: FerretDB must let go of PostgreSQL before it stops.
    stopped = False
    for part in server.parts():
        stopped |= _stop(layout, [(part.name, part.marker)], log)
    return stopped


def _stop(layout: _Layout, processes: list[tuple[str, str]], log: Log) -> bool:
    """Stop those of (pid-file name, marker) that run; True when any did."""
    stopping: dict[str, int] = {}
    for name, marker in processes:
        running = _read_pid_file(layout.pid_file(name))
        if running is not None and _is_ours(running.pid, marker):
            log(f"stopping {name} (pid {running.pid})")
            _signal(running.pid, signal.SIGTERM)
            stopping[name] = running.pid
        else:
            layout.pid_file(name).unlink(missing_ok=True)
    for name, pid in stopping.items():
        if not _wait_for_exit(pid, STOP_TIMEOUT_S):
            log(f"{name} (pid {pid}) ignored SIGTERM for {STOP_TIMEOUT_S:.0f} s; killing it")
            _signal(pid, signal.SIGKILL)
            _wait_for_exit(pid, 5.0)
        layout.pid_file(name).unlink(missing_ok=True)
    return bool(stopping)


def _running_mongo(layout: _Layout) -> tuple[MongoServer, _Running] | None:
    """The MongoDB-compatible server this data dir's stack runs, with its front process."""
    for name in SERVERS:
        server = mongo_server(name, layout.root)
        front = server.parts()[0]
        running = _read_pid_file(layout.pid_file(front.name))
        if running is not None and _is_ours(running.pid, front.marker):
            return server, running
    return None


def _refuse_another_mongo(layout: _Layout, wanted: MongoServer) -> None:
    found = _running_mongo(layout)
    if found is not None and found[0].name != wanted.name:
        raise StackError(
            f"{found[0].name} is already running (pid {found[1].pid}), not {wanted.name}; "
            "run `stack down` first"
        )


def status(data_dir: Path) -> dict:
    """{"kafka": {"address", "pid", "running"}, "mongodb": {..., "server"}} from the PID
    files."""
    layout = _layout(data_dir)
    brokers = {}
    for name, marker in _kafka_processes(layout):
        found = _read_pid_file(layout.pid_file(name))
        if found is not None:
            brokers[name] = {
                "address": found.address,
                "pid": found.pid,
                "running": _is_ours(found.pid, marker),
            }
    result = {
        "kafka": {
            "address": ",".join(b["address"] for b in brokers.values()) or None,
            "pid": brokers["kafka"]["pid"] if "kafka" in brokers else None,
            "running": bool(brokers) and all(b["running"] for b in brokers.values()),
            "brokers": brokers,
        }
    }
    found = _running_mongo(layout)
    result["mongodb"] = {
        "address": found[1].address if found else None,
        "pid": found[1].pid if found else None,
        "running": found is not None,
        "server": found[0].name if found else None,
    }
    return result


def ensure_topics(
    bootstrap_servers: str, names: Sequence[str], topic_layout: TopicLayout = ONE_COPY
) -> None:
    """Create the topics that do not exist yet (kept forever), and wait until they have leaders."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return
    from kafka.admin import KafkaAdminClient
    from kafka.errors import NoError, TopicAlreadyExistsError, for_code

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers.split(","), client_id="registry-topics"
    )
    try:
        response = admin.create_topics(
            {
                name: {
                    "num_partitions": topic_layout.partitions_of(name),
                    "replication_factor": topic_layout.replication_factor,
                    "configs": {
                        # Events are the system of record: the broker must never delete them.
                        "retention.ms": "-1",
                        # With acks=all, a write is acknowledged once this many copies hold it.
                        "min.insync.replicas": str(topic_layout.min_insync_replicas),
                        # A replica that missed writes never becomes leader: that would lose them.
                        "unclean.leader.election.enable": "false",
                    },
                }
                for name in wanted
            },
            raise_errors=False,
        )
        for topic in response["topics"]:
            error = for_code(topic["error_code"])
            if error not in (NoError, TopicAlreadyExistsError):
                raise error(f"creating topic {topic['name']!r}: {topic.get('error_message')}")
        admin.wait_for_topics(wanted, timeout_ms=30_000)
    finally:
        admin.close()


# --- reuse, ports, locking ----------------------------------------------------------------


@contextlib.contextmanager
def _locked(layout: _Layout) -> Iterator[None]:
    layout.root.mkdir(parents=True, exist_ok=True)
    with open(layout.root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _reusable(layout: _Layout, name: str, address: str, marker: str, log: Log) -> _Running | None:
    """The still-running server `up` started earlier, or None (forgetting a stale PID file)."""
    running = _read_pid_file(layout.pid_file(name))
    if running is None:
        return None
    if not _is_ours(running.pid, marker):
        layout.pid_file(name).unlink(missing_ok=True)
        return None
    if running.address != address:
        raise StackError(
            f"{name} is already running on {running.address} (pid {running.pid}), "
            f"not on {address}; run `stack down` first"
        )
    log(f"{name} already running (pid {running.pid}) on {address}")
    return running


def _require_free_ports(*ports: int) -> None:
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # SO_REUSEADDR: a port in TIME_WAIT is usable, one with a listener is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, port))
            except OSError as exc:
                raise StackError(
                    f"port {HOST}:{port} is in use by a process that this data dir's stack "
                    f"did not start; stop it or choose another port ({exc.strerror})"
                ) from None


# --- processes ----------------------------------------------------------------------------


def _read_pid_file(path: Path) -> _Running | None:
    try:
        pid_line, address = path.read_text().split()[:2]
        return _Running(int(pid_line), address)
    except (OSError, ValueError):
        return None


def _write_pid_file(path: Path, pid: int, address: str) -> None:
    path.write_text(f"{pid}\n{address}\n")


def _reap(pid: int) -> None:
    # A server started by this very process becomes a zombie when it exits; collect it.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _is_alive(pid: int) -> bool:
    _reap(pid)
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _is_ours(pid: int, marker: str) -> bool:
    """Alive, and its command line still names our files (PIDs get reused)."""
    if not _is_alive(pid):
        return False
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return marker.encode() in args


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _wait_for_exit(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not _is_alive(pid):
            return True
        time.sleep(0.2)
    return not _is_alive(pid)


def _spawn(
    layout: _Layout, name: str, args: list[str], address: str, log: Log, user: str | None = None
) -> subprocess.Popen:
    log_path = layout.log_file(name)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        out.write(f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%S')} starting {name} ---\n".encode())
        out.flush()
        process = subprocess.Popen(  # noqa: S603 - fixed argument lists, no shell
            args,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=layout.root,
            start_new_session=True,
            user=user,
            group=user,
        )
    _write_pid_file(layout.pid_file(name), process.pid, address)
    log(f"started {name} (pid {process.pid}) on {address}; log: {log_path}")
    return process


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_until(
    layout: _Layout,
    name: str,
    process: subprocess.Popen | None,
    answers: Callable[[], bool],
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if answers():
            return
        if process is not None and process.poll() is not None:
            layout.pid_file(name).unlink(missing_ok=True)
            raise StackError(
                f"{name} exited with code {process.returncode} while starting; "
                f"last lines of {layout.log_file(name)}:\n{_log_tail(layout.log_file(name))}"
            )
        if time.monotonic() > deadline:
            raise StackError(
                f"{name} did not answer within {START_TIMEOUT_S:.0f} s; "
                f"last lines of {layout.log_file(name)}:\n{_log_tail(layout.log_file(name))}"
            )
        time.sleep(0.5)


def _kafka_answers(bootstrap: str) -> bool:
    from kafka.admin import KafkaAdminClient

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="registry-stack-probe",
            bootstrap_timeout_ms=2_000,
            request_timeout_ms=5_000,
        )
    except Exception:  # any failure means "not yet"
        return False
    try:
        admin.describe_cluster()
        admin.list_topics()
        return True
    except Exception:
        return False
    finally:
        admin.close()


def _mongo_answers(uri: str) -> bool:
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=1_000, connectTimeoutMS=1_000)
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


# --- installation -------------------------------------------------------------------------


def _install_step(layout: _Layout):
    def step(args: list[str], cwd: Path, log_name: str, env: dict | None, user: str | None):
        _run_install_step(args, cwd, layout.log_file(log_name), env, user)

    return step


def _run_install_step(
    args: list[str], cwd: Path, log_path: Path, env: dict | None = None, user: str | None = None
) -> None:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as out:
        result = subprocess.run(  # noqa: S603 - fixed argument lists, no shell
            args,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            user=user,
            group=user,
        )
    if result.returncode != 0:
        raise StackError(
            f"`{' '.join(args[:3])} ...` failed with code {result.returncode}; "
            f"last lines of {log_path}:\n{_log_tail(log_path)}"
        )


def _tool(name: str, purpose: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise StackError(f"`{name}` is not on PATH; it is needed to {purpose}")
    return path


def _install_kafka(layout: _Layout, log: Log) -> None:
    pom = KAFKA_DEPLOY / "pom.xml"
    stamp = layout.kafka_lib / ".installed-from"
    wanted = fingerprint(pom)
    jars = layout.kafka_lib.glob("kafka_*.jar")
    if stamp.is_file() and stamp.read_text() == wanted and any(jars):
        return
    log("installing the Kafka broker jars with Maven")
    started = time.monotonic()
    partial = layout.kafka_lib.with_name("lib.partial")
    shutil.rmtree(partial, ignore_errors=True)
    _run_install_step(
        [
            _tool("mvn", "install the Kafka broker"),
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={partial}",
        ],
        cwd=KAFKA_DEPLOY,
        log_path=layout.log_file("kafka-install"),
    )
    (partial / stamp.name).write_text(wanted)
    shutil.rmtree(layout.kafka_lib, ignore_errors=True)
    partial.rename(layout.kafka_lib)
    log(f"Kafka jars installed in {time.monotonic() - started:.0f} s")


# --- Kafka --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KafkaNode:
    name: str
    node_id: int
    port: int

    @property
    def controller_port(self) -> int:
        return self.port + 1

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"


def kafka_nodes(first_port: int, brokers: int = 1) -> list[KafkaNode]:
    """The nodes of a cluster of ``brokers``, each on two ports from ``first_port`` on.
    One broker keeps the plain name ``kafka``; a cluster's nodes say which cluster they
    belong to, so that stores formatted for another quorum are never mixed in."""
    if brokers < 1:
        raise StackError("a Kafka cluster needs at least one broker")
    if brokers == 1:
        return [KafkaNode("kafka", 1, first_port)]
    return [
        KafkaNode(f"kafka-{i}-of-{brokers}", i, first_port + 2 * (i - 1))
        for i in range(1, brokers + 1)
    ]


def _kafka_marker(layout: _Layout, node: str) -> str:
    return str(layout.kafka_properties(node))


def _kafka_processes(layout: _Layout) -> list[tuple[str, str]]:
    """(pid-file name, marker) of every Kafka node this data dir's stack has started."""
    names = [path.name.removesuffix(".pid") for path in layout.kafka_pid_files()]
    return [(name, _kafka_marker(layout, name)) for name in names]


def _refuse_other_kafka_nodes(layout: _Layout, wanted: Sequence[KafkaNode]) -> None:
    names = {node.name for node in wanted}
    for name, marker in _kafka_processes(layout):
        running = _read_pid_file(layout.pid_file(name))
        if name not in names and running is not None and _is_ours(running.pid, marker):
            raise StackError(
                f"{name} is already running (pid {running.pid}), which is not part of the "
                f"{len(wanted)}-broker cluster asked for; run `stack down` first"
            )


def _kafka_properties(layout: _Layout, nodes: Sequence[KafkaNode], node: KafkaNode) -> str:
    copies = str(min(3, len(nodes)))
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(node.node_id),
        "controller.quorum.voters": ",".join(
            f"{n.node_id}@{HOST}:{n.controller_port}" for n in nodes
        ),
        "listeners": f"PLAINTEXT://{HOST}:{node.port},CONTROLLER://{HOST}:{node.controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{node.port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(layout.kafka_data(node.name)),
        "num.partitions": "3",
        "default.replication.factor": "1",
        # Consumer offsets are as precious as the events: as many copies as the cluster has.
        "offsets.topic.replication.factor": copies,
        "offsets.topic.num.partitions": "3",
        "transaction.state.log.replication.factor": copies,
        "transaction.state.log.min.isr": "1",
        "min.insync.replicas": "1",
        "unclean.leader.election.enable": "false",
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "false",
        # Only the default for topics the broker creates itself; ensure_topics sets it per topic.
        "log.retention.ms": "-1",
        "log.retention.bytes": "-1",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    return _tool("java", "run the Kafka broker")


def _kafka_cluster_id(layout: _Layout, nodes: Sequence[KafkaNode]) -> str:
    """The id the cluster's formatted nodes already carry, else a new one (same form as
    `kafka-storage random-uuid`, base64url unpadded, without starting a JVM)."""
    for node in nodes:
        meta = layout.kafka_data(node.name) / "meta.properties"
        if meta.is_file():
            for line in meta.read_text().splitlines():
                if line.startswith("cluster.id="):
                    return line.partition("=")[2].strip()
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


def _java_command(layout: _Layout, main_class: str, *args: str) -> list[str]:
    return [
        _java(),
        *KAFKA_JVM_OPTIONS,
        "-Djava.awt.headless=true",
        f"-Dlog4j.configuration=file:{KAFKA_DEPLOY / 'log4j.properties'}",
        "-cp",
        str(layout.kafka_lib / "*"),
        main_class,
        *args,
    ]


def start_kafka_node(
    layout_or_dir: _Layout | Path, nodes: Sequence[KafkaNode], node: KafkaNode, log: Log = print
) -> subprocess.Popen:
    """Start one node of the cluster ``nodes`` (formatting its store the first time); the
    fault suite uses it to bring back a broker it killed."""
    layout = layout_or_dir if isinstance(layout_or_dir, _Layout) else _layout(layout_or_dir)
    properties = layout.kafka_properties(node.name)
    layout.kafka_data(node.name).mkdir(parents=True, exist_ok=True)
    properties.write_text(_kafka_properties(layout, nodes, node))
    if not (layout.kafka_data(node.name) / "meta.properties").is_file():
        _run_install_step(
            _java_command(
                layout,
                "kafka.tools.StorageTool",
                "format",
                "-t",
                _kafka_cluster_id(layout, nodes),
                "-c",
                str(properties),
                "--ignore-formatted",
            ),
            cwd=layout.root,
            log_path=layout.log_file(f"{node.name}-format"),
        )
    command = _java_command(layout, "kafka.Kafka", str(properties))
    return _spawn(layout, node.name, command, node.address, log)
