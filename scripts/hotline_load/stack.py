"""Processes of a private stack for fault injection and end-to-end benchmarks.

PostgreSQL is started by the calling shell script (scripts/lib/stack.sh); this module stops and
restarts it, runs its own Tansu broker, the standalone fake SMS gateway and the four real service
executables, kills them with SIGKILL, and restarts what died.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field

SERVICES = ("intake", "routing", "accountability", "notification")


def wait_until(condition, timeout: float, what: str, interval: float = 0.2):
    """Bounded polling: returns the condition's first truthy value or raises with `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return 200 <= response.status < 300
    except Exception:
        return False


def postgres_settings(root: str) -> list[tuple[str, str]]:
    """deploy/postgres/hotline.conf: the server settings every hotline PostgreSQL runs with."""
    settings = []
    for line in open(f"{root}/deploy/postgres/hotline.conf", encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if line:
            name, value = (part.strip() for part in line.split("=", 1))
            settings.append((name, value))
    return settings


@dataclass
class Stack:
    root: str
    bin_dir: str
    stack_dir: str
    pg_port: int
    broker_port: int
    http_base: int          # intake on http_base, routing +1, accountability +2, notification +3
    gateway_port: int
    db_name: str
    service_env: dict = field(default_factory=dict)
    processes: dict = field(default_factory=dict)
    broker: subprocess.Popen | None = None
    gateway: subprocess.Popen | None = None
    expected_exits: set = field(default_factory=set)
    unexpected_exits: list = field(default_factory=list)

    # MARK: PostgreSQL

    def psql(self, sql: str, database: str | None = None) -> list[list[str]]:
        env = dict(os.environ, PGPASSWORD=os.environ.get("HOTLINE_DB_PASSWORD", "hotline"))
        out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "hotline",
                              "-d", database or self.db_name, "-tAF", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                             env=env, check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    def pg_ctl(self, *args: str) -> None:
        pg_bin = sorted(d for d in os.listdir("/usr/lib/postgresql"))[-1]
        ctl = f"/usr/lib/postgresql/{pg_bin}/bin/pg_ctl"
        subprocess.run(["runuser", "-u", "postgres", "--", ctl, "-D", f"{self.stack_dir}/pgdata", *args],
                       check=True, capture_output=True)

    def stop_postgres(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")

    def start_postgres(self) -> None:
        options = (f"-p {self.pg_port} -k {self.stack_dir} -c listen_addresses=127.0.0.1 -c max_connections=300 "
                   f"-c fsync={os.environ.get('HOTLINE_PG_FSYNC', 'on')} "
                   + " ".join(f"-c {name}={value}" for name, value in postgres_settings(self.root)))
        self.pg_ctl("-l", f"{self.stack_dir}/postgres.log", "-w", "-t", "60", "-o", options, "start")

    def fresh_database(self) -> None:
        self.psql(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)", database="postgres")
        self.psql(f"CREATE DATABASE {self.db_name}", database="postgres")
        env = self.env_for("ctl")
        subprocess.run([f"{self.bin_dir}/hotlinectl", "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([f"{self.bin_dir}/hotlinectl", "seed", "--directory", f"{self.root}/reference"], env=env,
                       check=True, capture_output=True)
        # The dirty pages of the previous step (a bench's overload steps leave hundreds of
        # thousands of rows) are written now, not by a checkpoint in the middle of the next step.
        self.psql("CHECKPOINT", database="postgres")

    # MARK: Broker and gateway

    def start_broker(self) -> None:
        self.stop_broker()
        # A broker left over from an interrupted run would hand this run its old topics and offsets.
        if port_open(self.broker_port):
            raise RuntimeError(f"port {self.broker_port} is already taken (a Tansu from an interrupted run?); stop it first")
        log = open(f"{self.stack_dir}/tansu-{self.broker_port}.log", "ab")
        url = f"tcp://127.0.0.1:{self.broker_port}"
        self.broker = subprocess.Popen([f"{self.root}/.tools/bin/tansu", "broker", "--listener-url", url,
                                        "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"],
                                       stdout=log, stderr=log)
        wait_until(lambda: port_open(self.broker_port), 20, f"Tansu on port {self.broker_port}")

    def stop_broker(self) -> None:
        if self.broker and self.broker.poll() is None:
            self.broker.send_signal(signal.SIGCONT)
            self.broker.kill()
            self.broker.wait()
        self.broker = None

    def freeze_broker(self) -> None:
        self.broker.send_signal(signal.SIGSTOP)

    def thaw_broker(self) -> None:
        self.broker.send_signal(signal.SIGCONT)

    def start_gateway(self, record: str, fail_share: float = 0.0, seed: int = 1) -> None:
        self.stop_gateway()
        if port_open(self.gateway_port):
            raise RuntimeError(f"port {self.gateway_port} is already taken (a fake gateway from an interrupted run?)")
        log = open(f"{self.stack_dir}/fake-gateway.log", "ab")
        self.gateway = subprocess.Popen([f"{self.root}/.tools/venv/bin/python", f"{self.root}/scripts/fake_sms_gateway.py",
                                         "--port", str(self.gateway_port), "--record", record,
                                         "--fail-share", str(fail_share), "--seed", str(seed)], stdout=log, stderr=log)
        wait_until(lambda: http_ok(f"http://127.0.0.1:{self.gateway_port}/healthz"), 20, "the fake SMS gateway")

    def stop_gateway(self) -> None:
        if self.gateway and self.gateway.poll() is None:
            self.gateway.terminate()
            self.gateway.wait()
        self.gateway = None

    # MARK: Services

    def port(self, service: str) -> int:
        return self.http_base + SERVICES.index(service)

    def env_for(self, service: str) -> dict:
        env = dict(os.environ)
        env.setdefault("MALLOC_ARENA_MAX", "2")  # as the container image sets it
        env.update({"HOTLINE_DB_HOST": "127.0.0.1", "HOTLINE_DB_PORT": str(self.pg_port), "HOTLINE_DB_NAME": self.db_name,
                    "HOTLINE_KAFKA_BROKERS": f"127.0.0.1:{self.broker_port}", "HOTLINE_LOG_LEVEL": "warning",
                    "HOTLINE_AT_BASE_URL": f"http://127.0.0.1:{self.gateway_port}",
                    "HOTLINE_TWILIO_BASE_URL": f"http://127.0.0.1:{self.gateway_port}",
                    "HOTLINE_TWILIO_FROM": "+15005550006"})
        env.update(self.service_env)
        if service in SERVICES:
            env["HOTLINE_HTTP_PORT"] = str(self.port(service))
        return env

    def start_service(self, service: str, wait: bool = True) -> None:
        if service in SERVICES and port_open(self.port(service)):
            raise RuntimeError(f"port {self.port(service)} is already taken (hotline-{service} from an interrupted run?)")
        log = open(f"{self.stack_dir}/logs/{service}.log", "ab")
        self.processes[service] = subprocess.Popen([f"{self.bin_dir}/hotline-{service}"], env=self.env_for(service),
                                                   stdout=log, stderr=log)
        if wait:
            self.wait_ready(service)

    def wait_ready(self, service: str, timeout: float = 90) -> None:
        url = f"http://127.0.0.1:{self.port(service)}/readyz"
        wait_until(lambda: http_ok(url), timeout, f"hotline-{service} /readyz (log: {self.stack_dir}/logs/{service}.log)")

    def start_all(self) -> None:
        os.makedirs(f"{self.stack_dir}/logs", exist_ok=True)
        for service in SERVICES:
            self.start_service(service, wait=False)
        for service in SERVICES:
            self.wait_ready(service)

    def kill9(self, service: str) -> None:
        process = self.processes[service]
        self.expected_exits.add(process.pid)
        process.kill()
        process.wait()

    def supervise(self) -> None:
        """Restarts a service that exited without being killed here, and remembers it (a crash is a finding)."""
        for service, process in self.processes.items():
            if process.poll() is not None and process.pid not in self.expected_exits:
                self.unexpected_exits.append((service, process.returncode))
                self.expected_exits.add(process.pid)
                self.start_service(service, wait=False)

    def peak_rss_mib(self) -> dict:
        peaks = {}
        for service, process in self.processes.items():
            try:
                with open(f"/proc/{process.pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            peaks[service] = int(line.split()[1]) / 1024
            except FileNotFoundError:
                pass
        return peaks

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                self.expected_exits.add(process.pid)
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        self.stop_gateway()
        self.stop_broker()
