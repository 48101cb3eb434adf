"""Reliability figures: grade the bank of bad-input and cheating submissions with honest ones.

    python benchmarks/reliability.py

Prints cases tried, cases handled (exactly the deserved score, with a message) and points
wrongly awarded (must be 0), then one line per case not handled, and the peaks measured while
the bank was graded: the grading process's own memory, the largest trusted-checks process and
the host disk the run used (its temporary folder's file system), sampled every 0.2 s.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.checks import check_points  # noqa: E402
from autograder.discovery import find_submissions  # noqa: E402
from autograder.grading import TRUSTED, grade  # noqa: E402
from autograder.sandbox import isolation  # noqa: E402
from samples.bank import CASES, verdict, write_bank  # noqa: E402


class Peaks(threading.Thread):
    """Samples the largest trusted-checks process and the host disk's free space."""

    def __init__(self, disk: Path) -> None:
        super().__init__(daemon=True)
        self.disk, self.stop = disk, threading.Event()
        self.free_at_start = self.least_free = shutil.disk_usage(disk).free
        self.trusted = 0

    def run(self) -> None:
        while not self.stop.wait(0.2):
            self.least_free = min(self.least_free, shutil.disk_usage(self.disk).free)
            if TRUSTED.pid is None:
                continue
            try:
                children = psutil.Process(TRUSTED.pid).children(recursive=True)
            except psutil.Error:
                continue
            for child in children:
                try:
                    self.trusted = max(self.trusted, child.memory_info().rss)
                except psutil.Error:
                    pass


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rnnkit-bank-") as tmp:
        out = Path(tmp)
        cases = write_bank(out, CASES)
        peaks = Peaks(Path(tempfile.gettempdir()))
        peaks.start()
        try:
            results = {r.student: r for r in grade(find_submissions([out]))}
        finally:
            peaks.stop.set()
    handled, wrongly, notes = 0, 0.0, []
    for student, case in cases.items():
        ok, awarded, why = verdict(case, results[student], check_points(case.assignment))
        handled += ok
        wrongly += awarded
        if not ok:
            notes.append(f"  {student}: {why}")
    print(f"isolation: {'on' if isolation.available() else 'off (not root)'}")
    print(f"cases tried: {len(cases)}; handled: {handled}; points wrongly awarded: {wrongly:g}")
    print("\n".join(notes))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak memory of the grading process: {own:.2f} GiB; of a trusted-checks process: "
          f"{peaks.trusted / 2**30:.2f} GiB")
    print(f"host disk used at the peak: "
          f"{(peaks.free_at_start - peaks.least_free) / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
