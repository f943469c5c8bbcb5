"""A small HTTP/1.1 load generator on asyncio (uvloop).

httpx's async client tops out near 1,000 requests/s on a small machine, far
below what a bare Starlette app serves, so it would measure itself rather
than the server. This client keeps one persistent connection per concurrent
worker, sends requests encoded in advance and reads responses with a minimal
parser (status line and ``Content-Length``; chunked bodies are read to their
end) in an :class:`asyncio.Protocol`, a few microseconds per request. It is
only meant for the benchmark: no TLS, no redirects, no proxies.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

__all__ = ["ScenarioResult", "encode_request", "run_scenario"]

_HEAD_END = b"\r\n\r\n"
_LENGTH = b"\r\ncontent-length:"
_CHUNKED_END = b"\r\n0\r\n\r\n"


def encode_request(method: str, path: str, *, host: str, headers: Mapping[str, str], body: bytes = b"") -> bytes:
    """The bytes of one HTTP/1.1 request on a persistent connection."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items())]
    if body or method not in ("GET", "HEAD", "DELETE"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class ScenarioResult:
    """Latencies (seconds) of the measured requests and the statuses seen."""

    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    first_error: str | None = None

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 400)

    @property
    def rate(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, fraction: float) -> float:
        """Nearest-rank percentile of the latencies, in seconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * (len(ordered) - 1) + 0.5))]


class _Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio.Transport, only alike
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError(f"connection closed: {exc}"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            return
        head_end = self.buffer.find(_HEAD_END)
        if head_end < 0:
            return
        head = bytes(self.buffer[:head_end]).lower()
        start = head_end + len(_HEAD_END)
        at = head.find(_LENGTH)
        if at >= 0:
            value_end = head.find(b"\r\n", at + len(_LENGTH))
            length = int(head[at + len(_LENGTH) : value_end if value_end >= 0 else len(head)])
            end = start + length
            if len(self.buffer) < end:
                return
        elif b"transfer-encoding: chunked" in head:
            tail = self.buffer.find(_CHUNKED_END, start - 2)
            if tail < 0:
                return
            end = tail + len(_CHUNKED_END)
        else:
            end = start
        status = int(head[9:12])
        body = bytes(self.buffer[start:end])
        del self.buffer[:end]
        self.waiter.set_result((status, body))

    async def send(self, request: bytes) -> tuple[int, bytes]:
        if self.transport is None:
            raise ConnectionError("connection closed")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def run_scenario(
    host: str,
    port: int,
    next_request: Callable[[], bytes],
    *,
    concurrency: int,
    duration: float,
    warmup: float,
) -> ScenarioResult:
    """Keep ``concurrency`` requests in flight for ``warmup + duration`` seconds; measure the last part."""
    result = ScenarioResult()
    loop = asyncio.get_running_loop()
    start = loop.time() + warmup
    end = start + duration
    perf = time.perf_counter

    async def worker() -> None:
        connection: _Connection | None = None
        try:
            while True:
                request = next_request()
                began = perf()
                try:
                    if connection is None or connection.transport is None:
                        _transport, connection = await loop.create_connection(_Connection, host, port)
                    status, body = await connection.send(request)
                except (ConnectionError, OSError) as exc:
                    connection = None
                    status, body = 599, str(exc).encode()
                latency = perf() - began
                now = loop.time()
                if now > end:
                    return
                if now >= start:
                    result.latencies.append(latency)
                    result.statuses[status] += 1
                    if status >= 400 and result.first_error is None:
                        result.first_error = f"{request[:120]!r} -> {status}: {body[:300]!r}"
        finally:
            if connection is not None:
                connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.elapsed = duration
    return result
