"""``stuckpoint``: run everything, or the API, the worker, the demo, or the store build alone."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import uvicorn
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from api.settings import Settings, get_settings

logger = logging.getLogger("stuckpoint")


def configure_logging(level: str) -> None:
    from api.logfilter import install_log_scrubbing

    # Before any handler exists: every record of this process is scrubbed when it is created.
    install_log_scrubbing()
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    # Per-request lines from the HTTP client and per-recognizer lines from Presidio drown
    # the lifecycle lines.
    for noisy in ("httpx", "presidio-analyzer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def start_embedded(settings: Settings) -> list[object]:
    """Start FerretDB and/or Valkey for whatever URL is not configured; set the URLs."""
    from embedded import FerretDBServer, ValkeyServer

    servers: list[object] = []
    data_dir = Path(settings.data_dir)
    if not settings.mongodb_url:
        store = FerretDBServer(data_dir / "ferretdb", Path(settings.cache_dir))
        store.start()
        servers.append(store)
        os.environ["STUCKPOINT_MONGODB_URL"] = store.url
    if not settings.redis_url:
        queue = ValkeyServer(data_dir / "valkey")
        queue.start()
        servers.append(queue)
        os.environ["STUCKPOINT_REDIS_URL"] = queue.url
    get_settings.cache_clear()
    return servers


def cmd_build_store(args: argparse.Namespace) -> int:
    from embedded.ferretdb import build_ferretdb

    print(build_ferretdb(Path(get_settings().cache_dir)))
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    from api.app import create_app

    settings = get_settings()
    logger.info("API listening on http://%s:%d (Ctrl-C stops it)", settings.host, settings.port)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    # Until arq installs its own handler, SIGTERM finds nothing started: stop at once, cleanly.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    from workers.main import ResilientWorker, worker_settings

    logger.info("worker starting (Ctrl-C or SIGTERM stops it)")
    asyncio.run(_run_worker(ResilientWorker, worker_settings()))
    return 0


def _note_signal(signum: int, frame: object) -> None:
    logger.info("stopping on %s", signal.Signals(signum).name)


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


# How long closing the worker's connections may take at shutdown (the queue may be down then).
WORKER_CLOSE_TIMEOUT_S = 3.0


async def _run_worker(worker_cls: type, options: dict[str, object]) -> None:
    """Run the worker until SIGTERM/SIGINT, then close it; a signal is a clean stop, no error."""
    worker = worker_cls(**options)
    try:
        await worker.async_run()
    except asyncio.CancelledError:
        # arq's signal handler ends the run by cancelling its main task, after letting running
        # jobs finish (job_completion_wait) and putting the ones cut short back in the queue.
        logger.info("worker stopping")
    finally:
        try:
            await asyncio.wait_for(worker.close(), WORKER_CLOSE_TIMEOUT_S)
        except (asyncio.CancelledError, TimeoutError, OSError, RedisError, PyMongoError) as err:
            logger.warning("worker connections not closed cleanly (%s)", type(err).__name__)
    logger.info("worker stopped")


async def _bootstrap(settings: Settings, origins: list[str]) -> str:
    from cli.bootstrap import bootstrap_development
    from storage.mongo import connect_store

    store = connect_store(settings.mongodb_url or "", settings.database)
    try:
        return await bootstrap_development(store, settings, origins)
    finally:
        await store.close()


def cmd_run(args: argparse.Namespace) -> int:
    """Embedded servers, the worker (a child process) and the API, plus the demo if asked."""
    from api.app import create_app

    servers = start_embedded(get_settings())
    settings = get_settings()
    base_url = f"http://{settings.host}:{settings.port}"
    admin_key = asyncio.run(_bootstrap(settings, [base_url]))
    state = {"mongodb_url": settings.mongodb_url, "redis_url": settings.redis_url}
    Path(settings.data_dir, "embedded.json").write_text(json.dumps(state))

    worker = subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=dict(os.environ))
    logger.info("worker started (pid %d)", worker.pid)

    config = uvicorn.Config(
        create_app(settings), host=settings.host, port=settings.port, log_level="warning"
    )
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.05)
        logger.info("API listening on %s (GraphQL at %s/graphql)", base_url, base_url)
        show_admin_key(settings, admin_key)
        if args.demo and not task.done():
            await run_demo(base_url, settings.demo_site_key, admin_key)
        logger.info("console at %s/console/ (sign in with the admin key)", base_url)
        logger.info("press Ctrl-C to stop")
        while not task.done():
            # On Ctrl-C the worker gets SIGINT too and may stop before the API: no error then.
            if worker.poll() is not None and not server.should_exit:
                logger.error("the worker exited (code %s); stopping", worker.returncode)
                server.should_exit = True
                break
            await asyncio.sleep(1)
        await task

    # uvicorn stops on SIGINT/SIGTERM, then raises the signal again once it has: with the
    # default handlers in place that would end this process before it stops the worker and the
    # embedded servers (left running, orphaned). These handlers take the repeat quietly.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _note_signal)
    try:
        asyncio.run(serve())
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        for srv in reversed(servers):
            srv.stop()  # type: ignore[attr-defined]
    return 0


def show_admin_key(settings: Settings, admin_key: str) -> None:
    """Say where the admin key is; show the key itself only on a terminal, never in the log.

    Logs end up in journald, files and log collectors that more people read than the admin.
    """
    if settings.admin_key:
        logger.info("admin API key: the one in STUCKPOINT_ADMIN_KEY")
    else:
        key_path = Path(settings.data_dir) / "admin.key"
        logger.info("admin API key in %s (readable by this user only)", key_path)
        if key_path.stat().st_mode & 0o077:
            logger.warning("%s is readable by other users; chmod 600 it", key_path)
    if sys.stdout.isatty():
        print(f"admin API key (sign in to the console with it): {admin_key}", flush=True)


async def run_demo(base_url: str, site_key: str, admin_key: str) -> bool:
    """Scripted sessions first (printed as GraphQL returns them), then browser residents.

    False when the browser residents ran and failed (not when this machine cannot run them).
    """
    from cli.demo import demo_residents, post_demo_sessions, session_lines

    sessions = await post_demo_sessions(base_url, site_key, admin_key, residents=0)
    print("\n".join(session_lines(sessions)), flush=True)
    logger.info("demo: %d scripted sessions queryable at %s/graphql", len(sessions), base_url)
    return await demo_residents(base_url, admin_key) is not None


def cmd_demo(args: argparse.Namespace) -> int:
    settings = get_settings()
    admin_key = settings.admin_key or (Path(settings.data_dir) / "admin.key").read_text().strip()
    base_url = args.url or f"http://{settings.host}:{settings.port}"
    return 0 if asyncio.run(run_demo(base_url, settings.demo_site_key, admin_key)) else 1


def _load_embedded_urls() -> None:
    """Let `stuckpoint api`/`worker` find servers that `stuckpoint run` started."""
    settings = get_settings()
    state_file = Path(settings.data_dir) / "embedded.json"
    if settings.mongodb_url and settings.redis_url or not state_file.exists():
        return
    state = json.loads(state_file.read_text())
    os.environ.setdefault("STUCKPOINT_MONGODB_URL", state["mongodb_url"])
    os.environ.setdefault("STUCKPOINT_REDIS_URL", state["redis_url"])
    get_settings.cache_clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stuckpoint", description=__doc__)
    parser.add_argument("--log-level", default=os.environ.get("STUCKPOINT_LOG_LEVEL", "info"))
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="embedded servers, worker and API in one command")
    run.add_argument("--demo", action="store_true", help="post demo sessions once running")
    run.set_defaults(func=cmd_run)
    sub.add_parser("api", help="the HTTP API only").set_defaults(func=cmd_api)
    sub.add_parser("worker", help="the background worker only").set_defaults(func=cmd_worker)
    demo = sub.add_parser("demo", help="post demo sessions to a running API")
    demo.add_argument("--url", help="API base URL (default from settings)")
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("build-store", help="build the embedded FerretDB").set_defaults(
        func=cmd_build_store
    )
    args = parser.parse_args(argv)
    configure_logging(args.log_level)
    if args.command in {"api", "worker", "demo"}:
        _load_embedded_urls()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
