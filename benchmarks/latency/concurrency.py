"""Section 4: a burst of requests at once against an account limited to two connections."""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from dataclasses import dataclass
from functools import partial
from typing import Final

from emulator import (
    Emulator,
    EmulatorConfig,
)

from ..measure import Endpoint, measure, ms
from .common import CONCURRENCY_LIMIT, MESSAGE, SETTINGS, Json, Options, engine_for, running, spoken

CONCURRENT_REQUESTS: Final = 20
SINGLE_REQUEST_RUNS: Final = 5


@dataclass(frozen=True, slots=True)
class BurstResult:
    """Many requests at once through one engine, against an account limited to two."""

    requests: int
    failures: int
    """Requests whose caller saw an exception or incomplete audio."""
    errors: list[str]
    retries: int
    """Failures the engine hid by retrying (the callers never saw them)."""
    wall: float
    single_total: float
    """Median total time of one warm request, alone."""
    pool: Json

    @property
    def ideal(self) -> float:
        """Perfect queueing: ceil(requests / limit) rounds of one warm request each."""
        return math.ceil(self.requests / CONCURRENCY_LIMIT) * self.single_total

    def as_json(self) -> Json:
        """Timings in milliseconds."""
        return {
            "requests": self.requests,
            "concurrency_limit": CONCURRENCY_LIMIT,
            "failures": self.failures,
            "errors": self.errors,
            "retries": self.retries,
            "wall_ms": ms(self.wall),
            "single_request_total_ms": ms(self.single_total),
            "ideal_ms": ms(self.ideal),
            "wall_over_ideal": round(self.wall / self.ideal, 3),
            "pool": self.pool,
        }


async def concurrent_burst(options: Options) -> BurstResult:
    """Fire CONCURRENT_REQUESTS at once; the pool must queue them, not fail them.

    Audio goes out as fast as possible (real-time factor 0), so the time is
    set by the first-chunk delay and the round trips, which is what the
    queueing could waste.
    """
    config = EmulatorConfig(
        max_concurrency=CONCURRENCY_LIMIT,
        first_chunk_delay=options.first_chunk,
        real_time_factor=0.0,
    )
    async with Emulator(config, tls=True, rtt=options.rtt) as emulator:
        endpoint = Endpoint(emulator.url, emulator.client_ssl_context())
        async with running(engine_for(endpoint, warm=True)) as engine:
            # Warm-up: open both connections, each with a session begun.
            await asyncio.gather(
                *(engine.synthesize(MESSAGE, SETTINGS) for _ in range(CONCURRENCY_LIMIT))
            )
            alone = [
                await measure(partial(engine.stream, MESSAGE, SETTINGS))
                for _ in range(SINGLE_REQUEST_RUNS)
            ]
            started = time.perf_counter()
            results = await asyncio.gather(
                *(
                    measure(partial(engine.stream, MESSAGE, SETTINGS))
                    for _ in range(CONCURRENT_REQUESTS)
                ),
                return_exceptions=True,
            )
            wall = time.perf_counter() - started
            diagnostics = engine.diagnostics()
    expected = spoken([MESSAGE])
    errors = [
        repr(result) if isinstance(result, BaseException) else "incomplete audio"
        for result in results
        if isinstance(result, BaseException) or result.audio != expected
    ]
    return BurstResult(
        requests=CONCURRENT_REQUESTS,
        failures=len(errors),
        errors=errors,
        retries=diagnostics["retries"],
        wall=wall,
        single_total=statistics.median(sample.total for sample in alone),
        pool=diagnostics["pool"]["statistics"],
    )
