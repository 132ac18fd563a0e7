"""Huge, endless, compressed-bomb and deeply nested bodies are refused early with a 4xx."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import httpx
import pytest

MB = 1024 * 1024
# /collect and the survey endpoints check their own bodies; api.bodylimit.BodyLimit guards
# /graphql, which reads its body whole.
PATHS = ["/collect", "/surveys/sv_x/responses", "/graphql"]


async def endless(total_bytes: int, chunk_bytes: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A chunked body (no Content-Length) that goes on far past any limit."""
    yield b'{"events": ["'
    sent = 0
    while sent < total_bytes:
        yield b"a" * chunk_bytes
        sent += chunk_bytes
    yield b'"]}'


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def oversized() -> bytes:
    return b"[" + b"0," * (4 * MB) + b"0]"


@pytest.mark.parametrize("path", PATHS)
async def test_body_over_the_limit_is_refused_with_413(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(
        path, content=oversized(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize("path", PATHS)
async def test_endless_chunked_body_is_cut_off_with_413(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(
        path, content=endless(64 * MB), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize("path", PATHS)
async def test_deeply_nested_json_is_refused_with_a_4xx(
    client: httpx.AsyncClient, path: str
) -> None:
    for depth in (2_000, 100_000):
        response = await client.post(
            path, content=nested(depth), headers={"content-type": "application/json"}
        )
        # 400 for the nesting, or 413 where the nested body is already over the size limit.
        assert response.status_code in (400, 413), (depth, response.status_code)


GZIPPED = gzip.compress(b'{"query": "{ version }"}')
CUT_IN_A_CHARACTER = '{"query": "{ version }", "x": "é'.encode()[:-1]


async def test_compressed_broken_utf8_or_bare_json_graphql_body_is_refused_with_a_4xx(
    client: httpx.AsyncClient,
) -> None:
    gzipped = await client.post(
        "/graphql",
        content=GZIPPED,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    cut = await client.post(
        "/graphql", content=CUT_IN_A_CHARACTER, headers={"content-type": "application/json"}
    )
    bare = await client.post(
        "/graphql", content=b"null", headers={"content-type": "application/json"}
    )
    assert [r.status_code // 100 for r in (gzipped, cut, bare)] == [4, 4, 4]


async def test_graphql_behind_body_limit_refuses_huge_endless_deep_and_undecodable_bodies(
    api_url: str, keys: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as http:
        json_type = {"content-type": "application/json"}
        huge = await http.post("/graphql", content=oversized(), headers=json_type)
        chunked = await http.post("/graphql", content=endless(64 * MB), headers=json_type)
        deep = await http.post("/graphql", content=nested(2_000), headers=json_type)
        gzipped = await http.post(
            "/graphql", content=GZIPPED, headers={**json_type, "content-encoding": "gzip"}
        )
        cut = await http.post("/graphql", content=CUT_IN_A_CHARACTER, headers=json_type)
        bare = await http.post("/graphql", content=b"null", headers=json_type)
        ordinary = await http.post(
            "/graphql",
            json={"query": "{ version }"},
            headers={"authorization": f"Bearer {keys['admin']}"},
        )
    assert (huge.status_code, chunked.status_code, deep.status_code) == (413, 413, 400)
    assert (gzipped.status_code, cut.status_code, bare.status_code) == (415, 400, 400)
    assert deep.json()["field"] == "body"
    assert ordinary.status_code == 200
    assert ordinary.json()["data"]["version"]


async def test_gzip_bomb_is_refused_with_413(
    client: httpx.AsyncClient, keys: dict[str, str]
) -> None:
    padding = b"0" * (64 * MB)
    body = gzip.compress(
        b'{"site_key": "' + keys["site"].encode() + b'", "pad": "' + padding + b'"}'
    )
    response = await client.post(
        "/collect",
        content=body,
        headers={"content-type": "application/json", "content-encoding": "gzip"},
    )
    assert len(body) < MB
    assert response.status_code == 413


@pytest.mark.parametrize("depth", [1_000, 50_000])
async def test_deeply_nested_graphql_query_gets_errors_not_a_crash(
    client: httpx.AsyncClient, keys: dict[str, str], depth: int
) -> None:
    query = "{" + "session(id: 1) {" * depth + "id" + "}" * (depth + 1)
    response = await client.post(
        "/graphql", json={"query": query}, headers={"authorization": f"Bearer {keys['admin']}"}
    )
    assert response.status_code in (200, 400)
    assert response.json()["errors"]
