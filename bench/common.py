"""What every pipeline benchmark shares: the machine description, percentiles, and a stack of
embedded FerretDB + Valkey with the API and workers as subprocesses on loopback.

Set STUCKPOINT_MONGODB_URL / STUCKPOINT_REDIS_URL to run against other servers instead.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import psutil
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
RATE_LIMIT_OFF = "1000000000"  # per minute: the benchmarks measure the pipeline, not the limiter


class BenchError(RuntimeError):
    """A benchmark could not run: a process did not start, or the pipeline did not finish."""


def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, Python, commit and load: printed with every figure."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    commit = _git("rev-parse", "--short", "HEAD")
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += "+uncommitted changes"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "commit": commit,
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def _git(*args: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


def command_line(module: str) -> str:
    return " ".join(["python", "-m", module, *map(shlex.quote, sys.argv[1:])])


def print_header(title: str, module: str) -> dict[str, Any]:
    """Print the title, the machine and the exact command; return the machine description."""
    info = machine()
    print(f"== {title}")
    print(f"command: {command_line(module)}")
    print(
        f"machine: {info['nproc']} cores ({info['cpu']}), {info['memory_gb']} GB, "
        f"Python {info['python']}, commit {info['commit']}, load {info['load_avg_1m']} "
        f"(shared machine: figures are noisy), {info['date']}"
    )
    return info


def percentile(values: Iterable[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation; NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def write_json(path: str | None, result: dict[str, Any]) -> None:
    if path:
        Path(path).write_text(json.dumps(result, indent=2, default=str))


class RssSampler:
    """Peak resident memory of some processes, sampled every ``interval_s`` in a thread, and
    the CPU seconds each used between enter and exit."""

    def __init__(self, pids: dict[str, int], interval_s: float = 0.1) -> None:
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peak_mb: dict[str, float] = dict.fromkeys(pids, 0.0)
        self.cpu_s: dict[str, float] = dict.fromkeys(pids, 0.0)
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _cpu(self) -> dict[str, float]:
        used = {}
        for name, process in self.processes.items():
            try:
                times = process.cpu_times()
                used[name] = times.user + times.system
            except psutil.Error:
                used[name] = 0.0
        return used

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, process in self.processes.items():
                try:
                    rss = process.memory_info().rss / 2**20
                except psutil.Error:
                    continue
                self.peak_mb[name] = max(self.peak_mb[name], rss)
            self._stop.wait(self.interval_s)

    def __enter__(self) -> RssSampler:
        self._cpu_at_start = self._cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu_s = {k: v - self._cpu_at_start[k] for k, v in self._cpu().items()}


@dataclass
class Child:
    """One subprocess of ours (API or worker), with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout_s: float = 15) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class Stack:
    """FerretDB + Valkey (embedded unless URLs are set), the API and N workers, on loopback."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sp-bench-")))
    database: str = field(default_factory=lambda: f"bench_{uuid.uuid4().hex[:8]}")
    servers: list[Any] = field(default_factory=list)
    api: Child | None = None
    workers: list[Child] = field(default_factory=list)
    mongodb_url: str = ""
    redis_url: str = ""
    api_url: str = ""
    admin_key: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def start_servers(self) -> None:
        from embedded import FerretDBServer, ValkeyServer

        self.mongodb_url = os.environ.get("STUCKPOINT_MONGODB_URL", "")
        self.redis_url = os.environ.get("STUCKPOINT_REDIS_URL", "")
        if not self.mongodb_url:
            cache = Path(os.environ.get("STUCKPOINT_CACHE_DIR", ROOT / ".cache"))
            store = FerretDBServer(self.workdir / "ferretdb", cache)
            store.start()
            self.servers.append(store)
            self.mongodb_url = store.url
        if not self.redis_url:
            queue = ValkeyServer(self.workdir / "valkey")
            queue.start()
            self.servers.append(queue)
            self.redis_url = queue.url
        self.env = {
            **os.environ,
            "STUCKPOINT_MONGODB_URL": self.mongodb_url,
            "STUCKPOINT_REDIS_URL": self.redis_url,
            "STUCKPOINT_DATABASE": self.database,
            "STUCKPOINT_DATA_DIR": str(self.workdir / "data"),
            "STUCKPOINT_FERNET_KEY": Fernet.generate_key().decode(),
            "STUCKPOINT_ENVIRONMENT": "development",
            "STUCKPOINT_RATE_LIMIT_PER_MINUTE": RATE_LIMIT_OFF,
            "PYTHONPATH": str(ROOT),
        }
        asyncio.run(self._bootstrap())

    def fresh_database(self) -> None:
        """Switch to a new, empty database (bootstrapped); restart the API and workers after.

        On FerretDB v1 every non-``_id`` query scans its collection, so scenarios that share a
        database would slow each other down.
        """
        self.database = f"bench_{uuid.uuid4().hex[:8]}"
        self.env["STUCKPOINT_DATABASE"] = self.database
        asyncio.run(self._bootstrap())

    def settings(self) -> Any:
        from api.settings import Settings

        keys = {k[len("STUCKPOINT_") :].lower(): v for k, v in self.env.items()}
        fields: dict[str, Any] = {k: v for k, v in keys.items() if k in Settings.model_fields}
        return Settings(**fields)

    async def _bootstrap(self) -> None:
        from cli.bootstrap import bootstrap_development
        from storage.mongo import connect_store

        store = connect_store(self.mongodb_url, self.database)
        try:
            self.admin_key = await bootstrap_development(store, self.settings(), [])
        finally:
            await store.close()

    def _spawn(
        self, name: str, args: list[str], extra_env: dict[str, str], code_dir: Path = ROOT
    ) -> Child:
        log_path = self.workdir / f"{name}.log"
        log = open(log_path, "ab")  # noqa: SIM115 - the child keeps it
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=code_dir,
                env={**self.env, "PYTHONPATH": str(code_dir), **extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        finally:
            log.close()
        return Child(name, process, log_path)

    def start_api(self, timeout_s: float = 120) -> Child:
        """Start (or restart) the API and wait until ``/healthz`` answers."""
        from embedded.process import free_loopback_port

        if self.api is not None:
            self.api.stop()
        port = free_loopback_port()
        self.api = self._spawn("api", ["cli.main", "api"], {"STUCKPOINT_PORT": str(port)})
        self.api_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.api.process.poll() is not None:
                raise BenchError(f"the API exited at start:\n{self.api.log()[-3000:]}")
            try:
                if httpx.get(self.api_url + "/healthz", timeout=1).status_code == 200:
                    return self.api
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise BenchError(f"the API did not answer in {timeout_s}s")

    def start_workers(self, count: int, code_dir: Path = ROOT, timeout_s: float = 120) -> None:
        """Start ``count`` more workers and wait until each has loaded its redaction engine.

        ``code_dir`` is the source tree they run from: another checkout compares two versions
        of the worker in one run.
        """
        started = [
            self._spawn(f"worker{len(self.workers) + i}", ["cli.main", "worker"], {}, code_dir)
            for i in range(count)
        ]
        self.workers.extend(started)
        deadline = time.monotonic() + timeout_s
        for child in started:
            while "worker ready" not in child.log():
                if child.process.poll() is not None:
                    raise BenchError(f"{child.name} exited at start:\n{child.log()[-3000:]}")
                if time.monotonic() > deadline:
                    raise BenchError(f"{child.name} was not ready in {timeout_s}s")
                time.sleep(0.2)

    def pids(self) -> dict[str, int]:
        """Every process of the stack by name: api, worker0.., and the embedded servers."""
        found = {w.name: w.pid for w in self.workers}
        if self.api is not None:
            found["api"] = self.api.pid
        for server in self.servers:
            if server.running:
                found[server.name] = server._process.pid
        return found

    def stop_workers(self) -> None:
        for child in self.workers:
            child.stop()
        self.workers = []

    def stop(self) -> None:
        self.stop_workers()
        if self.api is not None:
            self.api.stop()
            self.api = None
        for server in reversed(self.servers):
            server.stop()
        self.servers = []

    def __enter__(self) -> Stack:
        if threading.current_thread() is threading.main_thread():
            # A terminated benchmark still stops its servers and children.
            signal.signal(signal.SIGTERM, self._terminated)
        try:
            self.start_servers()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _terminated(self, *_: object) -> None:
        self.stop()
        os._exit(143)


class RawHttp:
    """A minimal HTTP/1.1 keep-alive client for load generation.

    httpx spends more CPU per request than the API under test does, so on this machine it
    cannot drive 500 requests/s; this sends prepared bytes and reads only the status line,
    the headers and a Content-Length body (which is all uvicorn and Starlette send here).
    """

    def __init__(self, url: str, max_connections: int = 256) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(max_connections)
        self.opened: list[asyncio.StreamWriter] = []

    def prepare(self, method: str, path: str, body: bytes = b"") -> bytes:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def send(self, request: bytes) -> int:
        """Send one prepared request; return the response status."""
        async with self.slots:
            while self.idle:
                reader, writer = self.idle.pop()
                try:
                    return await self._exchange(reader, writer, request)
                except (OSError, IndexError, asyncio.IncompleteReadError):
                    continue  # the server closed this idle keep-alive connection: next one
            reader, writer = await asyncio.open_connection(self.host, self.port)
            self.opened.append(writer)
            return await self._exchange(reader, writer, request)

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
    ) -> int:
        try:
            writer.write(request)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        self.idle.append((reader, writer))
        return status

    def close(self) -> None:
        for writer in self.opened:
            writer.close()


async def new_site(stack: Stack, name: str) -> str:
    """A fresh site, so scenarios in one stack keep apart counts; returns its site key."""
    from api.auth import create_site
    from storage.mongo import connect_store

    site_key = f"{name}-{uuid.uuid4().hex[:10]}"
    store = connect_store(stack.mongodb_url, stack.database)
    try:
        await create_site(store, site_key, f"bench {name}", site_key, origins=[])
    finally:
        await store.close()
    return site_key


def body_of(batch: dict[str, Any]) -> bytes:
    return orjson.dumps(batch)


async def post_all(
    url: str, bodies: list[bytes], concurrency: int = 16
) -> tuple[float, list[float], int]:
    """POST every body to /collect with ``concurrency`` in flight (closed loop).

    Returns (seconds, latency of each request in ms, events rejected by validation).
    """
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    rejected = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def poster(client: httpx.AsyncClient) -> None:
        nonlocal rejected
        while not queue.empty():
            body = queue.get_nowait()
            sent = time.perf_counter()
            response = await client.post("/collect", content=body, headers=JSON)
            latencies.append((time.perf_counter() - sent) * 1000)
            if response.status_code != 202:
                raise BenchError(f"/collect answered {response.status_code}: {response.text}")
            rejected += len(response.json().get("rejected", []))

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        await asyncio.gather(*(poster(client) for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, rejected


JSON = {"content-type": "application/json"}


async def graphql(
    client: httpx.AsyncClient, key: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {key}"},
    )
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise BenchError(f"GraphQL failed ({response.status_code}): {str(body)[:500]}")
    return body["data"]  # type: ignore[no-any-return]


async def visible_page_views(store: Any, site_id: str) -> int:
    """Page views the page metrics show for a site (the sum over its aggregates)."""
    docs = await store.aggregates.find({"site_id": site_id}, {"page_views": 1}).to_list(None)
    return sum(int(d.get("page_views", 0)) for d in docs)


async def stored_events(store: Any, site_id: str) -> int:
    """rrweb events kept in a site's event chunks."""
    cursor = await store.event_chunks.aggregate(
        [{"$match": {"site_id": site_id}}, {"$group": {"_id": None, "n": {"$sum": "$count"}}}]
    )
    rows = await cursor.to_list(None)
    return int(rows[0]["n"]) if rows else 0


async def wait_visible(
    redis_url: str, store: Any, site_id: str, page_views: int, timeout_s: float
) -> float:
    """Wait until no accepted batch is pending and the metrics count every page view.

    Returns the seconds waited. Page views show as soon as their first batch is processed, so
    the empty pending set (Valkey, cheap to ask) is what says that the last batch is through.
    """
    from redis.asyncio import Redis

    from storage.raw_batches import PENDING_KEY

    started = time.perf_counter()
    pending = seen = -1
    redis = Redis.from_url(redis_url)
    try:
        while time.perf_counter() - started < timeout_s:
            pending = int(await redis.zcard(PENDING_KEY))
            if pending == 0:
                seen = await visible_page_views(store, site_id)
                if seen >= page_views:
                    return time.perf_counter() - started
            await asyncio.sleep(0.1)
    finally:
        await redis.aclose()
    raise BenchError(
        f"after {timeout_s:.0f}s: {pending} batches pending, "
        f"metrics show {seen} of {page_views} page views"
    )
