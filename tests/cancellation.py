"""Cancel a request at each of its suspension points in turn.

Every ``await`` that really suspends is a place where Home Assistant may
cancel a request (the caller gave up, the entry unloads). The sweep runs a
fresh request for N = 1, 2, ...: cancelled when it suspends for the Nth
time (and, with ``repeatedly``, at every suspension after that, as a caller
that keeps cancelling would), until a run finishes before its Nth
suspension. Suspensions of the tasks the request starts (the text sender,
the text pump) count too, so the request is also cancelled while each of
them waits at each of its points.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Generator
from contextlib import contextmanager
from typing import Any


class _Run:
    """One run of the request: counts suspensions and cancels the request at the Nth."""

    def __init__(self, at: int, *, repeatedly: bool) -> None:
        self.at = at
        self.repeatedly = repeatedly
        self.suspensions = 0
        self.task: asyncio.Task[Any] | None = None

    @property
    def reached(self) -> bool:
        """Whether the request suspended often enough to be cancelled."""
        return self.suspensions >= self.at

    def suspended(self) -> None:
        self.suspensions += 1
        if self.task is not None and (
            self.suspensions == self.at or (self.repeatedly and self.suspensions > self.at)
        ):
            self.task.cancel()  # thrown in at the request's current suspension point


class _Counted(Coroutine[Any, Any, Any]):
    """A coroutine that tells its run each time it suspends."""

    def __init__(self, inner: Coroutine[Any, Any, Any], run: _Run) -> None:
        self._inner = inner
        self._run = run

    def send(self, value: Any) -> Any:
        awaited = self._inner.send(value)
        self._run.suspended()
        return awaited

    def throw(self, *args: Any) -> Any:
        awaited = self._inner.throw(*args)
        self._run.suspended()
        return awaited

    def close(self) -> None:
        self._inner.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return self._inner.__await__()


@contextmanager
def _counting_new_tasks(run: _Run) -> Generator[None]:
    """Count the suspensions of every task started while the request runs."""
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()

    def factory(
        loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any], **kwargs: Any
    ) -> asyncio.Task[Any]:
        return asyncio.Task(_Counted(coro, run), loop=loop, **kwargs)

    loop.set_task_factory(factory)
    try:
        yield
    finally:
        loop.set_task_factory(previous)


async def sweep_cancellations(
    request: Callable[[], Coroutine[Any, Any, Any]],
    check: Callable[[], Awaitable[None]],
    *,
    repeatedly: bool = False,
    limit: int = 1000,
) -> int:
    """Cancel ``request()`` at its 1st, 2nd, ... suspension; ``check()`` after each run.

    A run that reached its cancellation point must end in ``CancelledError``:
    code that swallows a caller's cancellation fails the sweep. Returns the
    number of suspension points swept.
    """
    for at in range(1, limit):
        run = _Run(at, repeatedly=repeatedly)
        with _counting_new_tasks(run):
            task = asyncio.get_running_loop().create_task(request())
            run.task = task
            try:
                await task
            except asyncio.CancelledError:
                assert run.reached, "cancelled although nobody cancelled it"
                cancelled = True
            else:
                assert not run.reached, f"the cancellation at suspension {at} was swallowed"
                cancelled = False
        await check()
        if not cancelled:
            return at - 1
    raise AssertionError(f"still suspending after {limit} suspensions")
