"""Measure the engine's speed and memory; the results and targets are in benchmarks/README.md.

Run from the repository root::

    python3 benchmarks/run_benchmarks.py            # everything, about two minutes on 2 cores
    python3 benchmarks/run_benchmarks.py --rounds 3 --skip-memory
    python3 benchmarks/run_benchmarks.py --profile  # cProfile of the bundled example

It reports four figures:

(a) replications per second of the bundled example in one process;
(b) the 5-station tandem network as a project model, next to the hand-written SimPy model
    in ``minimal_tandem.py``;
(c) 1000 replications of the example on 2 worker processes, cold and warm;
(d) the parent's peak memory at 100, 1000 and 5000 replications.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.metadata
import io
import json
import os
import pickle
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from minimal_tandem import ARRIVALS_PER_DAY, HORIZON_DAYS, STATIONS, run_minimal_tandem  # noqa: E402

from simulation.engine import simulate_replication  # noqa: E402
from simulation.metrics import summarize  # noqa: E402
from simulation.model import Project  # noqa: E402
from simulation.project_io import load_project  # noqa: E402
from simulation.runner import ReplicationRunner  # noqa: E402
from simulation.timeline import Timeline  # noqa: E402
from simulation.validation import parse_project  # noqa: E402

EXAMPLE = ROOT / "resources" / "examples" / "recsys_team.json"
STATION_NAMES = ("design", "data preparation", "training", "evaluation", "review")
SEED = 1
WORKERS = 2
END_TO_END_REPLICATIONS = 1000
MEMORY_REPLICATIONS = (100, 1000, 5000)
# Targets; see README.md for why.
TANDEM_RATIO_TARGET = 1.5
END_TO_END_TARGET_SECONDS = 3.0


def tandem_project() -> Project:
    """Build the tandem network of ``minimal_tandem.py`` as a project: one pool per station."""
    return parse_project({
        "schema_version": 1,
        "name": "tandem network",
        "horizon_days": HORIZON_DAYS,
        "calendar": {"enabled": False},
        "demand": {"kind": "poisson", "per_week": 7.0 * ARRIVALS_PER_DAY},
        "pools": [{"name": name, "capacity": servers}
                  for name, (servers, _) in zip(STATION_NAMES, STATIONS)],
        "stages": [{"name": name, "pool": name,
                    "duration": {"kind": "exponential", "mean": mean_days}}
                   for name, (_, mean_days) in zip(STATION_NAMES, STATIONS)],
    })


def replicate(timeline: Timeline, first: int, count: int) -> None:
    """Run what a worker runs per replication: the simulation and its summary."""
    for replication in range(first, first + count):
        summarize(simulate_replication(timeline, SEED, replication), timeline, replication)


def simulate_only(timeline: Timeline, first: int, count: int) -> None:
    for replication in range(first, first + count):
        simulate_replication(timeline, SEED, replication)


def minimal(first: int, count: int) -> None:
    for replication in range(first, first + count):
        run_minimal_tandem(replication)


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Return the wall-clock and CPU seconds of this process that ``work`` takes.

    CPU time barely changes when other programs share the cores, so it shows the engine's
    own cost when the wall-clock figures are inflated by load.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


# -- (a) and (b): one process -------------------------------------------------------------


def example_rate(rounds: int, count: int) -> dict:
    timeline = Timeline.constant(load_project(EXAMPLE))
    replicate(timeline, 0, 20)  # first-call costs (imports, caches) stay out of the timing
    times = [timed(lambda r=r: replicate(timeline, r * count, count)) for r in range(rounds)]
    wall = statistics.median(t[0] for t in times)
    cpu = statistics.median(t[1] for t in times)
    return {"replications_per_second": count / wall, "ms_per_replication": 1e3 * wall / count,
            "cpu_ms_per_replication": 1e3 * cpu / count}


def tandem_comparison(rounds: int, count: int) -> dict:
    """Time the engine and the minimal model interleaved, so both see the same machine load."""
    timeline = Timeline.constant(tandem_project())
    replicate(timeline, 0, 5)
    minimal(0, 5)
    runs = {"engine": [], "engine_without_summary": [], "minimal": []}
    for r in range(rounds):
        first = r * count
        runs["engine"].append(timed(lambda f=first: replicate(timeline, f, count)))
        runs["minimal"].append(timed(lambda f=first: minimal(f, count)))
        runs["engine_without_summary"].append(
            timed(lambda f=first: simulate_only(timeline, f, count)))
    figures = {}
    for name, times in runs.items():
        figures[f"{name}_ms"] = 1e3 * statistics.median(t[0] for t in times) / count
        figures[f"{name}_cpu_ms"] = 1e3 * statistics.median(t[1] for t in times) / count
    figures["ratio"] = figures["engine_ms"] / figures["minimal_ms"]
    figures["cpu_ratio"] = figures["engine_cpu_ms"] / figures["minimal_cpu_ms"]
    figures["cpu_ratio_without_summary"] = (figures["engine_without_summary_cpu_ms"]
                                            / figures["minimal_cpu_ms"])
    return figures


# -- (c): worker processes ------------------------------------------------------------------


def end_to_end(rounds: int) -> dict:
    """Time 1000 replications on fresh workers (cold) and on started ones (warm).

    Each round also times ``start()`` alone. Medians and the best round are reported: the
    best round is the one least slowed by other programs.
    """
    project = load_project(EXAMPLE)
    cold, warm, startup = [], [], []
    for r in range(rounds):
        started = time.perf_counter()
        with ReplicationRunner(WORKERS) as runner:
            runner.run(project, END_TO_END_REPLICATIONS, seed=SEED + r)
            cold.append(time.perf_counter() - started)

        with ReplicationRunner(WORKERS) as runner:
            startup.append(timed(runner.start)[0])
            warm.append(timed(lambda seed=SEED + rounds + r: runner.run(
                project, END_TO_END_REPLICATIONS, seed=seed))[0])
    return {"replications": END_TO_END_REPLICATIONS, "workers": WORKERS,
            "cold_seconds": statistics.median(cold), "cold_best_seconds": min(cold),
            "warm_seconds": statistics.median(warm), "warm_best_seconds": min(warm),
            "startup_seconds": statistics.median(startup),
            "cold_all": cold, "warm_all": warm}


# -- (d): memory --------------------------------------------------------------------------


def memory_probe(replications: int) -> dict:
    """Run the example once in this (fresh) process and report its own peak memory."""
    project = load_project(EXAMPLE)
    with ReplicationRunner(WORKERS) as runner:
        runner.start()
        tracemalloc.start()
        result = runner.run(project, replications, seed=SEED)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    summary_bytes = statistics.mean(len(pickle.dumps(s)) for s in result.summaries[:100])
    return {
        "replications": replications,
        # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        / (1024 if sys.platform != "darwin" else 1024 * 1024),
        "traced_peak_mb": traced_peak / 2**20,
        "pickled_summary_kb": summary_bytes / 1024,
    }


def memory_series() -> list[dict]:
    """Probe each replication count in a fresh interpreter, since peak RSS never goes down."""
    rows = []
    for replications in MEMORY_REPLICATIONS:
        output = subprocess.run(
            [sys.executable, __file__, "--memory-probe", str(replications)],
            check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(output.splitlines()[-1]))
    return rows


# -- reporting ----------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    packages = {name: importlib.metadata.version(name)
                for name in ("simpy", "numpy", "scipy", "pandas")}
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", **packages}


def profile_example(count: int) -> str:
    timeline = Timeline.constant(load_project(EXAMPLE))
    profiler = cProfile.Profile()
    profiler.runcall(replicate, timeline, 0, count)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(20)
    return text.getvalue()


def report(results: dict) -> None:
    info = results["machine"]
    print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
          f"SimPy {info['simpy']}, NumPy {info['numpy']}, SciPy {info['scipy']}, "
          f"pandas {info['pandas']}")
    example = results["example"]
    print(f"(a) example, one process: {example['replications_per_second']:.0f} replications/s "
          f"({example['ms_per_replication']:.2f} ms each, "
          f"{example['cpu_ms_per_replication']:.2f} ms CPU)")
    tandem = results["tandem"]
    print(f"(b) tandem network per replication: engine {tandem['engine_ms']:.2f} ms "
          f"({tandem['engine_cpu_ms']:.2f} ms CPU; "
          f"{tandem['engine_without_summary_cpu_ms']:.2f} ms CPU without the summary), "
          f"minimal SimPy {tandem['minimal_ms']:.2f} ms ({tandem['minimal_cpu_ms']:.2f} ms CPU); "
          f"ratio {tandem['ratio']:.2f}, by CPU time {tandem['cpu_ratio']:.2f} "
          f"(target <= {TANDEM_RATIO_TARGET})")
    if "end_to_end" in results:
        run = results["end_to_end"]
        print(f"(c) {run['replications']} replications of the example on {run['workers']} "
              f"workers: cold {run['cold_seconds']:.2f} s (best {run['cold_best_seconds']:.2f})"
              f", warm {run['warm_seconds']:.2f} s (best {run['warm_best_seconds']:.2f}); "
              f"starting the workers alone {run['startup_seconds']:.2f} s "
              f"(target < {END_TO_END_TARGET_SECONDS} s)")
    for row in results.get("memory", []):
        print(f"(d) {row['replications']:>5} replications: peak RSS {row['peak_rss_mb']:.0f} MB, "
              f"traced peak during the run {row['traced_peak_mb']:.1f} MB, "
              f"{row['pickled_summary_kb']:.1f} KB per pickled summary")
    print(f"1-minute load average: {results['load_average_before']:.2f} before, "
          f"{results['load_average_after']:.2f} after")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7,
                        help="timing rounds per measurement; medians are reported (default 7)")
    parser.add_argument("--skip-end-to-end", action="store_true",
                        help="skip the 1000-replication runs on worker processes")
    parser.add_argument("--skip-memory", action="store_true",
                        help="skip the memory probes")
    parser.add_argument("--json", type=Path, default=None,
                        help="also write the results to this JSON file")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of 300 example replications and exit")
    parser.add_argument("--memory-probe", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.memory_probe is not None:
        print(json.dumps(memory_probe(args.memory_probe)))
        return 0
    if args.profile:
        print(profile_example(300))
        return 0

    results = {
        "machine": machine(),
        # Other processes on the machine slow every figure; the 1-minute load average
        # before and after the run shows whether there were any.
        "load_average_before": os.getloadavg()[0],
        "example": example_rate(args.rounds, count=100),
        "tandem": tandem_comparison(args.rounds, count=30),
    }
    if not args.skip_end_to_end:
        results["end_to_end"] = end_to_end(max(1, min(args.rounds, 5)))
    if not args.skip_memory:
        results["memory"] = memory_series()
    results["load_average_after"] = os.getloadavg()[0]
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
