"""Benchmark: one submission graded by the kit and by `nbgrader autograde`, side by side.

    python benchmarks/one_submission.py [ASSIGNMENT] [--repeat 2]

What a TA waits for when grading one notebook from the command line: each grader starts in a
fresh process (its imports, the kit's canary and fork servers, nbgrader's gradebook) and grades
the assignment's solution sample. The two alternate, so a busy moment of the machine does not
favour either. Prints wall-clock seconds; it asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.build import put_alembic_on_path  # noqa: E402
from autograder.samples import write_samples  # noqa: E402


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{proc.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", nargs="?", default="onehot")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    put_alembic_on_path()  # nbgrader runs its environment's `alembic`
    with tempfile.TemporaryDirectory(prefix="rnnkit-one-") as tmp:
        tmp = Path(tmp)
        solution = next(p for p in write_samples([args.assignment], tmp / "samples")
                        if p.parts[-3] == "solution")
        course = tmp / "course"
        shutil.copytree(ROOT / "source" / args.assignment, course / "source" / args.assignment)
        shutil.copytree(solution.parent, course / "submitted" / "solution" / args.assignment)
        nbgrader = [sys.executable, "-m", "nbgrader"]
        settings = [f"--CourseDirectory.root={course}",
                    f"--CourseDirectory.db_url=sqlite:///{tmp}/gradebook.db"]
        timed([*nbgrader, "generate_assignment", args.assignment, "--force", *settings], ROOT)
        kit = [sys.executable, "-m", "autograder", "grade", str(solution), "--quiet"]
        autograde = [*nbgrader, "autograde", args.assignment, "--force", *settings]
        times: dict[str, list[float]] = {"python -m autograder grade": [],
                                         "nbgrader autograde": []}
        for _ in range(args.repeat):
            times["python -m autograder grade"].append(timed(kit, ROOT))
            times["nbgrader autograde"].append(timed(autograde, ROOT))
        print(f"one {args.assignment} solution, wall-clock seconds (each run a fresh process):")
        for label, seconds in times.items():
            runs = ", ".join(f"{s:.1f}" for s in seconds)
            print(f"  {label:<28} median {statistics.median(seconds):5.1f}  ({runs})")


if __name__ == "__main__":
    main()
