"""``./registry up``: every service's HTTP processes and workers, in the foreground.

``./registry worker NAME`` runs one service's relay, consumers and schedulers; ``up``
starts one per service beside its gunicorn and restarts any that dies.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

from shared.auth.keys import load_or_create_private_key
from shared.auth.tokens import dev_key_path
from shared.config import SERVICES, SITE, Settings
from shared.http.observability import MULTIPROCESS_DIR
from shared.logs import configure_logging


def add_parser(commands) -> None:
    up = commands.add_parser("up", help="run the four services and the site in the foreground")
    up.set_defaults(handler=handle_up)
    serve = commands.add_parser("serve", help="run one service's HTTP processes (gunicorn)")
    serve.add_argument("service", choices=(*SERVICES, SITE))
    serve.set_defaults(handler=handle_serve)
    worker = commands.add_parser("worker", help="run one service's relay, consumers, schedulers")
    worker.add_argument("service", choices=SERVICES)
    worker.set_defaults(handler=handle_worker)


def gunicorn_command(service: str, port: int) -> list[str]:
    host = os.environ.get("REGISTRY_BIND_HOST", "127.0.0.1")
    options = {
        "--bind": f"{host}:{port}",
        "--workers": os.environ.get("REGISTRY_HTTP_WORKERS", "2"),
        "--worker-class": "shared.http.server.ProblemWorker",
        "--threads": "4",
        "--graceful-timeout": "10",
    }
    flags = [part for pair in options.items() for part in pair]
    flags += ["--config", "python:shared.http.gunicorn_hooks"]
    # Four gunicorns run side by side; a shared default control socket would clash.
    application = f"services.{service}.bootstrap:create_app()"
    return [sys.executable, "-m", "gunicorn", *flags, "--no-control-socket", application]


def worker_command(service: str) -> list[str]:
    return [sys.executable, "-m", "registry_cli", "worker", service]


def handle_up(_arguments, _extra) -> int:
    settings = Settings.from_env()
    busy = [str(port) for port in settings.ports.values() if _port_taken(port)]
    if busy:
        print(f"registry up: port(s) {', '.join(busy)} already in use", file=sys.stderr)
        return 1
    # Created here once, so that every process verifies with the same development key.
    load_or_create_private_key(dev_key_path(settings))
    commands = {}
    for service in SERVICES:
        commands[f"{service} http"] = [sys.executable, "-m", "registry_cli", "serve", service]
        commands[f"{service} worker"] = worker_command(service)
    commands[f"{SITE} http"] = [sys.executable, "-m", "registry_cli", "serve", SITE]
    processes = {name: subprocess.Popen(command) for name, command in commands.items()}
    print(
        f"registry: {settings.backend} backend, data in {settings.data_dir.name}/", file=sys.stderr
    )
    for service in (*SERVICES, SITE):
        print(f"  {service:<14} http://127.0.0.1:{settings.ports[service]}")
    sys.stdout.flush()
    return _supervise(processes, commands)


def _supervise(processes: dict[str, subprocess.Popen], commands: dict[str, list[str]]) -> int:
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    while not stopping.wait(1):
        for name, process in processes.items():
            if process.poll() is not None:
                print(
                    f"registry: {name} exited ({process.returncode}); restarting", file=sys.stderr
                )
                processes[name] = subprocess.Popen(commands[name])
    for process in processes.values():
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
    return 0


def handle_serve(arguments, _extra) -> int:
    settings = Settings.from_env()
    # Every HTTP process writes its metrics here and /metrics sums them; emptied at each
    # start, as prometheus_client asks, so that a previous run's processes are not counted.
    metrics_dir = (
        settings.data_dir / "metrics" / f"{arguments.service}-{settings.ports[arguments.service]}"
    )
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ[MULTIPROCESS_DIR] = str(metrics_dir)
    command = gunicorn_command(arguments.service, settings.ports[arguments.service])
    os.execv(command[0], command)


def handle_worker(arguments, _extra) -> int:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    bootstrap = importlib.import_module(f"services.{arguments.service}.bootstrap")
    workers = bootstrap.create_workers(settings)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    threads = [threading.Thread(target=w.run, args=(stop,), name=w.name) for w in workers]
    for thread in threads:
        thread.start()
    while not stop.wait(0.5):
        if not all(thread.is_alive() for thread in threads):
            # One dead worker means a stalled projection: exit so that `up` restarts us.
            stop.set()
            for thread in threads:
                thread.join(timeout=15)
            return 1
    for thread in threads:
        thread.join(timeout=15)
    return 0


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
