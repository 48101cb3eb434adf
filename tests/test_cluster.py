"""Grading on a Dask cluster gives the grades a local run gives: through a LocalCluster and
through a separately started scheduler and workers, each with a worker killed in the middle of
the batch; and a worker with another version of the kit is refused before anything is graded."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import course_config
from autograder.samples import write_samples

ROOT = Path(course_config.ROOT)
DASK = str(Path(sys.executable).with_name("dask"))


def _graded(result) -> dict:
    """What a grade is: everything but timings and where it ran."""
    data = result if isinstance(result, dict) else result.to_dict()
    return {"score": data["score"], "max_score": data["max_score"], "problem": data["problem"],
            "ungraded": data["ungraded"], "digest": data["digest"],
            "checks": [(c["name"], c["score"], c["passed"], c["message"])
                       for c in data["checks"]]}


def _batch(graded_samples: dict, out: Path, mistakes: int) -> Path:
    """The solution, the blank release and `mistakes` mistakes of each graded assignment."""
    assignments = sorted({assignment for _, assignment in graded_samples})
    everything = out / "all"
    write_samples(assignments, everything)
    batch = out / "batch"
    for assignment in assignments:
        chosen = sorted(s for s, a in graded_samples if a == assignment
                        and s.startswith("mistake-"))[:mistakes]
        for student in ["solution", "blank-release", *chosen]:
            shutil.copytree(everything / student / assignment, batch / student / assignment)
    return batch


def _grade(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade", "--brief", *args],
                            cwd=ROOT, env={**os.environ, **(env or {})}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _assert_same_grades(path: Path, graded_samples: dict, batch: Path) -> None:
    results = json.loads(path.read_text())["submissions"]
    assert {(r["student"], r["assignment"]) for r in results} == {
        (p.parent.parent.name, p.parent.name) for p in batch.glob("*/*/*.ipynb")}
    for result in results:
        local = graded_samples[(result["student"], result["assignment"])]
        assert _graded(result) == _graded(local), (result["student"], result["assignment"])


@contextlib.contextmanager
def dask_cluster(folder: Path, workers: int, pythonpath: Path = ROOT) -> Iterator[tuple]:
    """A `dask scheduler` and `dask worker` processes on 127.0.0.1, stopped (with everything
    they started) on exit: yields (scheduler address, worker processes)."""
    tag = secrets.token_hex(6)
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "RNNKIT_TEST_CLUSTER": tag}
    info = folder / "scheduler.json"
    started = [subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(info)], env=env, cwd=folder,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not info.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        for index in range(workers):
            started.append(subprocess.Popen(
                [DASK, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                 "--name", f"w{index}", "--local-directory", str(folder / f"w{index}")],
                env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        yield address, started[1:]
    finally:
        for proc in started:
            proc.kill()
            proc.wait()
        for proc in psutil.process_iter():  # sandboxes a killed worker left running
            with contextlib.suppress(psutil.Error):
                if proc.environ().get("RNNKIT_TEST_CLUSTER") == tag:
                    proc.kill()


def _workers_of(proc: subprocess.Popen) -> list[psutil.Process]:
    """The worker processes of the LocalCluster that `proc` started."""
    return [p for p in psutil.Process(proc.pid).children(recursive=True)
            if "spawn_main" in " ".join(p.cmdline())]


def _grade_killing_a_worker(proc: subprocess.Popen, kill) -> str:
    """Wait for `proc`, calling `kill()` once its first result arrived; its stderr."""
    lines, killed = [], False
    for line in proc.stderr:
        lines.append(line)
        if not killed and line.startswith("[1/"):
            kill()
            killed = True
    proc.wait(timeout=900)
    assert killed, "".join(lines)
    return "".join(lines)


def test_a_local_cluster_grades_as_a_local_run(graded_samples: dict, tmp_path: Path) -> None:
    """The solution and the blank release of every assignment (the separately started
    cluster adds a mistake), through `--cluster local:2`, with one worker killed once results
    have started to arrive."""
    batch = _batch(graded_samples, tmp_path, mistakes=0)
    proc = _grade(str(batch), "--cluster", "local:2", "--json", str(tmp_path / "grades.json"))
    err = _grade_killing_a_worker(proc, lambda: _workers_of(proc)[0].kill())
    assert proc.returncode == 0, err
    _assert_same_grades(tmp_path / "grades.json", graded_samples, batch)


def test_a_separately_started_cluster_grades_as_a_local_run(graded_samples: dict,
                                                            tmp_path: Path) -> None:
    """A scheduler and workers started apart from the grader, as on a real cluster."""
    few = {k: v for k, v in graded_samples.items() if k[1] == "onehot"}
    batch = _batch(few or graded_samples, tmp_path, mistakes=1)
    with dask_cluster(tmp_path, workers=2) as (address, workers):
        proc = _grade(str(batch), "--scheduler", address, "--json", str(tmp_path / "g.json"))
        err = _grade_killing_a_worker(proc, workers[0].kill)
        assert proc.returncode == 0, err
    _assert_same_grades(tmp_path / "g.json", graded_samples, batch)


def test_a_worker_with_another_kit_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other-kit"
    shutil.copytree(ROOT / "autograder", other / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "course_config.py", other)
    init = other / "autograder" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "0.0.0-other-'))
    write_samples(["onehot"], tmp_path / "subs")
    with dask_cluster(tmp_path, workers=1, pythonpath=other) as (address, _):
        proc = _grade(str(tmp_path / "subs" / "solution"), "--scheduler", address,
                      "--json", str(tmp_path / "g.json"))
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 3, err
    assert "another version of the kit" in err and "0.0.0-other-" in err
    assert not (tmp_path / "g.json").exists()
    assert "solution" not in out


@pytest.mark.parametrize("option,value,message", [
    ("--cluster", "remote:2", "takes local:N"),
    ("--scheduler", "tcp://127.0.0.1:9", "cannot reach the Dask scheduler"),
])
def test_a_cluster_that_cannot_grade_is_a_clear_error(tmp_path: Path, option: str, value: str,
                                                      message: str) -> None:
    write_samples(["onehot"], tmp_path / "subs")
    proc = _grade(str(tmp_path / "subs" / "solution"), option, value)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err
    assert message in err and "Traceback" not in err
