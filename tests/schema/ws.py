"""A small graphql-transport-ws client for the subscription tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"


def ws_url(http_url: str) -> str:
    return http_url.replace("http://", "ws://", 1) + "/graphql"


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(message).decode())


async def receive(ws: ClientConnection, timeout_s: float = 10) -> dict[str, Any]:
    frame = await asyncio.wait_for(ws.recv(), timeout_s)
    # graphql-transport-ws messages are text frames; browser clients drop binary ones.
    assert isinstance(frame, str), "a binary frame"
    return orjson.loads(frame)  # type: ignore[no-any-return]


async def close_code_after_init(http_url: str, key: str | None) -> int | None:
    """Open a connection, send connection_init with ``key``; the close code, or None if acked."""
    payload = {"authorization": f"Bearer {key}"} if key else {}
    async with connect(ws_url(http_url), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await send(ws, {"type": "connection_init", "payload": payload})
        try:
            message = await receive(ws)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        assert message["type"] == "connection_ack", message
        return None


@contextlib.asynccontextmanager
async def subscribed(
    http_url: str, key: str, query: str, variables: dict[str, Any] | None = None
) -> AsyncIterator[ClientConnection]:
    """An acknowledged connection with one subscription (id ``1``) started."""
    async with connect(ws_url(http_url), subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        await send(ws, {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}})
        ack = await receive(ws)
        assert ack["type"] == "connection_ack", ack
        await send(
            ws,
            {"id": "1", "type": "subscribe",
             "payload": {"query": query, "variables": variables or {}}},
        )  # fmt: skip
        yield ws
        with contextlib.suppress(ConnectionClosed):
            await send(ws, {"id": "1", "type": "complete"})


async def next_payload(ws: ClientConnection, timeout_s: float = 10) -> dict[str, Any]:
    """The next ``next`` or ``error`` message of subscription ``1``, pings answered."""
    while True:
        message = await receive(ws, timeout_s)
        if message["type"] == "ping":
            await send(ws, {"type": "pong"})
            continue
        return message
