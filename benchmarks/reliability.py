"""Reliability figures: grade the bank of bad-input and cheating submissions with honest ones.

    python benchmarks/reliability.py

Prints cases tried, cases handled (exactly the deserved score, with a message) and points
wrongly awarded (must be 0), then one line per case not handled.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.checks import check_points  # noqa: E402
from autograder.discovery import find_submissions  # noqa: E402
from autograder.grading import grade  # noqa: E402
from autograder.sandbox import isolation  # noqa: E402
from samples.bank import CASES, verdict, write_bank  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rnnkit-bank-") as tmp:
        out = Path(tmp)
        cases = write_bank(out, CASES)
        results = {r.student: r for r in grade(find_submissions([out]))}
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


if __name__ == "__main__":
    main()
