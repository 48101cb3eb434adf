"""Benchmark: seconds to grade one submission, and a batch of 20, per assignment.

    python benchmarks/grading_speed.py [ASSIGNMENT ...] [--batch 20]

Prints figures; it asserts nothing (speed targets are read, not tested).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import course_config  # noqa: E402
from autograder.discovery import find_submissions  # noqa: E402
from autograder.grading import grade  # noqa: E402
from autograder.samples import write_samples  # noqa: E402


def timed_grade(paths: list[Path]) -> tuple[float, list]:
    started = time.perf_counter()
    results = grade(find_submissions(paths))
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=list(course_config.ASSIGNMENTS))
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rnnkit-bench-") as tmp:
        samples = Path(tmp) / "samples"
        for assignment in args.assignments:
            written = [p for p in write_samples([assignment], samples)]
            solution = next(p for p in written if p.parts[-3] == "solution")
            one, _ = timed_grade([solution])
            batch = Path(tmp) / f"batch-{assignment}"
            for i, source in zip(range(args.batch), itertools.cycle(written)):
                # the notebook and the files handed in with it (saved models)
                shutil.copytree(source.parent, batch / f"student{i:02d}" / assignment)
            many, results = timed_grade([batch])
            print(f"{assignment}: one submission {one:.1f} s; batch of {len(results)} "
                  f"{many:.1f} s ({many / len(results):.1f} s each)")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of one grading process (kernel or checks): {children:.0f} MiB")


if __name__ == "__main__":
    main()
