"""The soak: mixed pages for minutes at a steady concurrency, with the workers' memory sampled.

``bench/run.py`` runs it twice in the same run, against the same gunicorn: visitors only, then
with half of the clients signed in as members (``per_thread``: even threads members, odd threads
visitors). The workers' resident memory is read from ``/proc`` at the start, the middle and the
end of each soak.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import LoadResult, Request, run_load

# How a soak mixes pages (weights): what readers of the site do most.
MIX = {"detail": 40, "list": 30, "search": 10, "home": 10, "city": 10}


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's worker processes (Linux ``/proc``)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (``VmRSS``), 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class SoakResult:
    label: str
    seconds: float
    concurrency: int
    load: LoadResult
    # Per worker, RSS in MB at the start, the middle and the end.
    rss: dict[int, list[float]] = field(default_factory=dict)

    def rss_at(self, moment: int) -> float:
        """Total RSS of the workers at a moment (0 start, 1 middle, 2 end)."""
        return sum(samples[moment] for samples in self.rss.values() if len(samples) > moment)

    @property
    def rss_drift(self) -> float:
        """The largest relative change of a worker's RSS over the second half."""
        drifts = [
            abs(samples[2] - samples[1]) / samples[1]
            for samples in self.rss.values()
            if len(samples) == 3 and samples[1]
        ]
        return max(drifts, default=float("nan"))


def mixed_requests(
    pages: dict[str, list[str]], sessions: Sequence[str | None], count: int, seed: int
) -> list[Request]:
    """``count`` requests drawn from ``pages`` by ``MIX``, each with a session of ``sessions``
    in turn (``None``: a visitor)."""
    r = random.Random(seed)
    kinds = [k for k in MIX if pages.get(k)]
    weights = [MIX[k] for k in kinds]
    chosen = r.choices(kinds, weights, k=count)
    return [(r.choice(pages[kind]), sessions[i % len(sessions)]) for i, kind in enumerate(chosen)]


def soak(
    base_url: str,
    master_pid: int,
    label: str,
    per_thread: list[list[Request]],
    *,
    seconds: float,
    concurrency: int,
) -> SoakResult:
    """Run the mixed requests for ``seconds`` at ``concurrency``, sampling the workers' RSS."""
    result = SoakResult(label, seconds, concurrency, LoadResult(concurrency))
    pids = worker_pids(master_pid)
    result.rss = {pid: [rss_mb(pid)] for pid in pids}
    stop = threading.Event()

    def sample_middle() -> None:
        if not stop.wait(seconds / 2):
            for pid in pids:
                result.rss[pid].append(rss_mb(pid))

    sampler = threading.Thread(target=sample_middle, daemon=True)
    sampler.start()
    started = time.perf_counter()
    result.load = run_load(
        base_url,
        per_thread[0],
        concurrency=concurrency,
        requests=10**9,
        max_seconds=seconds,
        per_thread=per_thread,
    )
    stop.set()
    sampler.join()
    for pid in pids:
        samples = result.rss[pid]
        if len(samples) == 1:  # ended before the middle
            samples.append(samples[0])
        samples.append(rss_mb(pid))
    result.seconds = time.perf_counter() - started
    return result
