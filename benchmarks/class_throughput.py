"""Benchmark: how fast a class grades, on one machine and on a Dask cluster.

    python benchmarks/class_throughput.py [--students 4] [--assignments onehot,windows]

Builds a synthetic class (each student hands in, for every assignment, one of its samples:
the solution, the blank release or a mistake, in turn), grades it with one sandbox at a time,
with one per core, and over `--cluster local:2`, and prints notebooks per minute, the speed-up
per worker, the fixed cost of a notebook by stage (measured on the blank releases, whose cells
do nothing but import), the machine's CPU use, and the time 500 students would take on a
16-core machine and on ten. It asserts nothing: speed targets are read, not tested.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import course_config  # noqa: E402
from autograder.cluster import connect, grade_on_cluster  # noqa: E402
from autograder.discovery import find_submissions  # noqa: E402
from autograder.grading import grade  # noqa: E402
from autograder.samples import write_samples  # noqa: E402

STAGES = ("setup", "worker", "isolate", "kernel_start", "cells", "export", "checks")


def synthetic_class(out: Path, students: int,
                    assignments: list[str]) -> tuple[Path, dict[tuple[str, str], str]]:
    """out/class/studentNNN/<assignment>/..., cycling through each assignment's samples
    (blank release first); also which sample each student handed in."""
    samples = out / "samples"
    write_samples(assignments, samples)
    klass, origin = out / "class", {}
    for assignment in assignments:
        folders = sorted((p.parent for p in samples.glob(f"*/{assignment}/*.ipynb")),
                         key=lambda folder: folder.parent.name != "blank-release")
        for index, folder in zip(range(students), itertools.cycle(folders)):
            student = f"student{index:03d}"
            shutil.copytree(folder, klass / student / assignment)
            origin[(student, assignment)] = folder.parent.name
    return klass, origin


def measured(label: str, run) -> tuple[float, list, float]:
    """Run `run()`; print and return its wall time, results and the machine's CPU use."""
    psutil.cpu_percent()
    started = time.perf_counter()
    results = run()
    wall = time.perf_counter() - started
    busy = psutil.cpu_percent()
    rate = len(results) / wall * 60
    print(f"{label:<28} {len(results):>4} notebooks in {wall:7.1f} s = {rate:6.1f} per minute; "
          f"CPU {busy:.0f}% of {os.cpu_count()} cores")
    return wall, results, busy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--assignments", default=",".join(course_config.ASSIGNMENTS))
    parser.add_argument("--no-cluster", action="store_true", help="skip the Dask run")
    args = parser.parse_args()
    assignments = args.assignments.split(",")
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="rnnkit-throughput-") as tmp:
        klass, origin = synthetic_class(Path(tmp), args.students, assignments)
        subs = find_submissions([klass])
        print(f"a class of {args.students} students x {len(assignments)} assignments "
              f"= {len(subs)} notebooks, on {cores} cores\n")
        # Paid once per grading process, not per notebook: the canary and the checks' zygote.
        measured("warm-up (canary, zygote)", lambda: grade(subs[:1], workers=1))
        one, results, _ = measured("1 worker", lambda: grade(subs, workers=1))
        many, _, _ = measured(f"{cores} workers", lambda: grade(subs, workers=cores))
        if not args.no_cluster:
            def on_cluster():
                with connect(cluster="local:2") as client:
                    return grade_on_cluster(subs, client)
            measured("Dask, --cluster local:2 (with its start)", on_cluster)

    speedup = one / many
    print(f"\nspeed-up with {cores} workers: {speedup:.2f}x "
          f"({speedup / cores:.2f} of the ideal per worker)")
    blanks = [r for r in results if origin[(r.student, r.assignment)] == "blank-release"]
    fixed = blanks or results
    print(f"\nfixed cost of a notebook (mean over {len(fixed)} "
          f"{'blank releases' if blanks else 'notebooks'}, seconds, 1 worker):")
    for stage in STAGES:
        values = [r.stages.get(stage, 0.0) for r in fixed]
        print(f"  {stage:<13} {statistics.mean(values):6.2f}")
    print(f"  {'total':<13} {statistics.mean(r.seconds for r in fixed):6.2f}")
    per_notebook = many / len(results) * cores  # core-seconds per notebook, all workers busy
    total = 500 * len(course_config.ASSIGNMENTS)
    machine = total * per_notebook / 16 / 60
    print(f"\nprojected for 500 students x {len(course_config.ASSIGNMENTS)} assignments "
          f"({total} notebooks, {per_notebook:.1f} core-seconds each as measured here):")
    print(f"  one 16-core machine: {machine:.0f} min")
    print(f"  ten 16-core machines on Dask: {machine / 10:.0f} min")


if __name__ == "__main__":
    main()
