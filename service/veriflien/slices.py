"""CPU-bound work on the event loop, in lanes and slices, so that deadlines hold under load.

Why: a check is stopped at its deadline by a timer on the event loop. Pure-Python work in a thread
pool does not stop that timer from running, but it holds the GIL, and the loop then waits for it:
one check took 22.3 s for a 20 s deadline on a quiet 2-core machine while threads analysed
hostile pages. Work done on the loop in one go (parsing a 100,000-line playlist) delays the timer
just as surely. So CPU-bound work is written as a generator of bounded steps and run here:

- `run_sliced` runs the steps on the loop and gives the loop back (asyncio.sleep(0)) every
  SLICE_SECONDS: a deadline is noticed at the next slice boundary, and a cancelled check simply
  stops being stepped, with no orphan thread finishing its work. A step may ask for work that
  releases the GIL (lxml's parser) to run in a thread instead (`Offload`).
- `lane` bounds how many such jobs run at once (and so how much memory they hold): every loop
  turn runs at most one slice of each lane's jobs, so a stopped check waits at most about one
  slice per lane slot before it can answer.
- `run_steps` runs the same steps in a row, for synchronous callers (tests, benchmarks, tools).

`SLICES` records, per process, the longest stretch any job actually kept the loop: a step is
bounded in work, not in time, so a slower or busier machine shows longer stretches. The
hostile-load test (tests/service/test_memory_bound.py) uses it as its unit of lateness. It also
records the CPU of the longest stretch without the garbage collector's pauses (a full collection
can land in any step, and costs what the heap holds, not what the step does), so that a step
whose own work escaped the bounds shows up as such.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import weakref
from collections.abc import Callable, Generator
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

# The longest a job keeps the event loop before giving it back: short next to any deadline, long
# next to one loop round trip (~20 µs), so slicing costs well under 1 % of the work.
SLICE_SECONDS = 0.004


@dataclass(frozen=True, slots=True)
class Offload:
    """A step that may run off the event loop (it releases the GIL); its result is sent back."""

    work: Callable[[], Any]


Steps = Generator["Offload | None", Any, T]


@dataclass
class SliceStats:
    """What sliced jobs did to the event loop in this process (read by tests and benchmarks)."""

    slices: int = 0  # stretches run on the loop
    longest: float = 0.0  # the longest of them, seconds of wall time (preemption, GC included)
    longest_cpu: float = 0.0  # the most CPU one took for its own work (GC pauses left out)
    longest_gc: float = 0.0  # the longest collection the loop's thread sat through (CPU)

    def note(self, wall: float, cpu: float) -> None:
        self.slices += 1
        self.longest = max(self.longest, wall)
        self.longest_cpu = max(self.longest_cpu, cpu)

    def reset(self) -> None:
        self.slices, self.longest, self.longest_cpu, self.longest_gc = 0, 0.0, 0.0, 0.0


SLICES = SliceStats()


class _GcClock(threading.local):
    """CPU this thread spent in garbage collections (gc.callbacks run in the collecting thread)."""

    spent = 0.0
    started = 0.0


_gc_clock = _GcClock()


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _gc_clock.started = time.thread_time()
    else:
        pause = time.thread_time() - _gc_clock.started
        _gc_clock.spent += pause
        SLICES.longest_gc = max(SLICES.longest_gc, pause)


gc.callbacks.append(_on_gc)

# asyncio primitives belong to one loop; tests and workers may run several loops in turn.
_lanes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def lane(name: str, size: int) -> asyncio.Semaphore:
    """The running loop's semaphore for the lane `name` (created with `size` slots)."""
    lanes = _lanes.setdefault(asyncio.get_running_loop(), {})
    if name not in lanes:
        lanes[name] = asyncio.Semaphore(size)
    return lanes[name]


def run_steps(steps: Steps[T]) -> T:
    """Every step in a row, offloaded ones included (the synchronous form of a sliced job)."""
    try:
        request = next(steps)
        while True:
            request = steps.send(request.work() if isinstance(request, Offload) else None)
    except StopIteration as done:
        return done.value


def _cpu() -> float:
    """This thread's CPU time, garbage collections left out."""
    return time.thread_time() - _gc_clock.spent


async def run_sliced(steps: Steps[T], executor: Executor | None = None) -> T:
    """Run the steps on the event loop, giving it back every SLICE_SECONDS."""
    loop = asyncio.get_running_loop()
    began, began_cpu = time.perf_counter(), _cpu()
    try:
        request = next(steps)
        while True:
            if isinstance(request, Offload):
                SLICES.note(time.perf_counter() - began, _cpu() - began_cpu)
                result = await loop.run_in_executor(executor, request.work)
                began, began_cpu = time.perf_counter(), _cpu()
                request = steps.send(result)
                continue
            elapsed = time.perf_counter() - began
            if elapsed >= SLICE_SECONDS:
                SLICES.note(elapsed, _cpu() - began_cpu)
                await asyncio.sleep(0)
                began, began_cpu = time.perf_counter(), _cpu()
            request = steps.send(None)
    except StopIteration as done:
        SLICES.note(time.perf_counter() - began, _cpu() - began_cpu)
        return done.value
    finally:
        steps.close()
