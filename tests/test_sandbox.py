"""The sandbox's warm kernels: forked from a process that has imported TensorFlow, each one is
still fresh, and none of them ever holds the hidden inputs before the export."""

from __future__ import annotations

import contextlib
import secrets
import sys
from pathlib import Path

import nbformat
import pytest

import course_config
from autograder.boundary import Artefacts
from autograder.checks import probes
from autograder.sandbox import isolation
from autograder.sandbox.limits import Limits
from autograder.sandbox.runner import RunResult, run_notebook

ROOT = Path(course_config.ROOT)
LIMITS = Limits(cell_cpu_seconds=30, notebook_cpu_seconds=60, cell_wall_seconds=60,
                notebook_wall_seconds=120)

# Looks for the hidden inputs everywhere a notebook can look before the export cell runs: the
# files around it, its own kernel's memory, the memory of its parent (the worker). The input is
# looked for in two halves, so the notebook never holds it whole itself.
LOOK_FOR_HIDDEN_INPUTS = '''
import ctypes, glob, os
ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: its own memory readable again
A, B = bytes.fromhex(FIRST_HEX), bytes.fromhex(SECOND_HEX)
def holds(data):
    at = data.find(A)
    while at >= 0:
        if data[at + len(A):at + len(A) + len(B)] == B:
            return True
        at = data.find(A, at + 1)
    return False
def look():
    places = []
    for pid in ("self", os.getppid(), 1):
        try:
            with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb") as mem:
                for line in maps:
                    start, end = (int(x, 16) for x in line.split()[0].split("-"))
                    if "rw" not in line.split()[1] or end - start > 2**28:
                        continue
                    try:
                        mem.seek(start)
                        if holds(mem.read(end - start)):
                            places.append(f"memory of process {pid}")
                            break
                    except (OSError, ValueError, OverflowError):
                        pass
        except OSError:
            pass
    for path in glob.glob(os.path.join(os.getcwd(), "..", "**"), recursive=True):
        try:
            if os.path.isfile(path) and holds(open(path, "rb").read()):
                places.append("file " + os.path.basename(path))
        except OSError:
            pass
    return places
found = look()
'''


def _run(tmp_path: Path, cells: list[str], probe_list: list[dict]) -> RunResult:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    path = folder / "notebook.ipynb"
    nbformat.write(notebook, str(path))
    lease = isolation.UserLease(course_config.SANDBOX_UIDS, Path(course_config.SANDBOX_LOCK_DIR)) \
        if isolation.available() else contextlib.nullcontext()
    with lease as uid:
        limits = Limits(**{**LIMITS.__dict__, "uid": uid})
        return run_notebook(notebook, path, probe_list, tmp_path / f"box-{secrets.token_hex(4)}",
                            limits)


def _exported(run: RunResult, name: str):
    assert run.failure is None and run.grader_error is None, (run.failure, run.grader_error)
    assert run.cell_errors == []
    return Artefacts(run.artefacts_dir).get(name).value


def test_no_kernel_can_see_the_hidden_inputs_before_the_export(tmp_path: Path) -> None:
    secret = f"hidden-{secrets.token_hex(16)}"
    hidden = [probes.call("echo", "echo", secret), probes.variable("found", "found")]
    halves = (f"FIRST_HEX, SECOND_HEX = {secret[:20].encode().hex()!r}, "
              f"{secret[20:].encode().hex()!r}\ndef echo(value):\n    return value")
    run = _run(tmp_path, [halves, LOOK_FOR_HIDDEN_INPUTS], hidden)
    assert _exported(run, "echo") == secret  # the export did get them
    found = _exported(run, "found")
    if not isolation.available():  # the worker shares the student's user: only files are safe
        found = [place for place in found if place.startswith("file")]
    assert found == []


def test_kernels_start_with_the_course_libraries_imported(tmp_path: Path) -> None:
    cell = ("import sys, time\nstarted = time.perf_counter()\nimport keras, tensorflow\n"
            "preloaded = sorted(m for m in PRELOAD if m in sys.modules)\n"
            "seconds = time.perf_counter() - started")
    run = _run(tmp_path, [f"PRELOAD = {list(course_config.SANDBOX_PRELOAD)!r}", cell],
               [probes.variable("preloaded", "preloaded"), probes.variable("seconds", "seconds")])
    assert _exported(run, "preloaded") == sorted(course_config.SANDBOX_PRELOAD)
    assert _exported(run, "seconds") < 0.5


def test_each_kernel_is_fresh(tmp_path: Path) -> None:
    """What one notebook does to the preloaded modules does not reach the next notebook."""
    first = _run(tmp_path, ["import keras\nkeras.LEFT_BEHIND = 1\nleft = keras.LEFT_BEHIND"],
                 [probes.variable("left", "left")])
    assert _exported(first, "left") == 1
    second = _run(tmp_path, ["import keras\nleft = getattr(keras, 'LEFT_BEHIND', None)"],
                  [probes.variable("left", "left")])
    assert _exported(second, "left") is None


@pytest.mark.skipif(not isolation.available(), reason="needs root: a user of its own")
def test_a_restarted_kernel_is_warm_and_isolated_too(tmp_path: Path) -> None:
    """A cell that kills its kernel is skipped and the notebook runs again in a new one."""
    run = _run(tmp_path, ["import os", "os._exit(1)",
                          "import sys\nwarm = 'tensorflow' in sys.modules\nuid = os.getuid()"],
               [probes.variable("warm", "warm"), probes.variable("uid", "uid")])
    assert run.skipped_cells == [1]
    assert _exported(run, "warm") is True
    assert _exported(run, "uid") in course_config.SANDBOX_UIDS


@pytest.mark.skipif(not isolation.available(), reason="needs root: without it the notebook's "
                    "processes are the grader's user, and this one kills every process it sees")
def test_a_notebook_that_kills_the_kernel_template_is_still_graded(tmp_path: Path) -> None:
    """The template runs as the student's user: a notebook can kill it. The next kernel then
    starts cold, and the run goes on."""
    kill_all = ("import os, signal, psutil\nme = psutil.Process()\nmine = {me.pid, *(t.id for t "
                "in me.threads())}\nfor p in psutil.process_iter():\n    if p.pid not in mine "
                "and p.pid != 1 and p.pid != me.ppid():\n        try:\n            p.kill()\n"
                "        except psutil.Error:\n            pass")
    run = _run(tmp_path, ["import os\nx = 1", kill_all, "os._exit(1)", "y = x + 1"],
               [probes.variable("y", "y")])
    assert run.skipped_cells == [2]
    assert _exported(run, "y") == 2


def _run_with(tmp_path: Path, cells: list[str], probe_list: list[dict], **limits) -> RunResult:
    global LIMITS
    saved, LIMITS = LIMITS, Limits(**{**LIMITS.__dict__, **limits})
    try:
        return _run(tmp_path, cells, probe_list)
    finally:
        LIMITS = saved


@pytest.mark.skipif(not isolation.available(), reason="needs root: the allowlist is mounts")
def test_a_sandbox_sees_only_the_system_python_and_its_box(tmp_path: Path) -> None:
    """By allowlist: a classmate's folder anywhere on the machine, the course, the grading
    run's other folders are simply not there, whatever is being graded."""
    elsewhere = Path("/srv") / f"rnnkit-test-{secrets.token_hex(4)}" / "submitted" / "bob"
    elsewhere.mkdir(parents=True)
    (elsewhere / "onehot.ipynb").write_text("{}")
    elsewhere.chmod(0o755)
    (tmp_path / "classmate-box").mkdir()
    look = (
        "import os, sys\n"
        f"paths = {[str(elsewhere), str(ROOT / 'course_config.py'), str(ROOT / 'README.md'), str(ROOT / 'autograder'), str(tmp_path / 'classmate-box'), '/home', '/root/.bashrc', '/var/lib', '/run/rnnkit-sandbox-users']!r}\n"
        "seen = [p for p in paths if os.path.exists(p)]\n"
        "top = sorted(os.listdir('/'))\n"
        "system = os.path.exists('/etc/passwd') and os.path.exists(sys.executable)\n"
        "import numpy\n")
    try:
        run = _run(tmp_path, [look], [probes.variable("seen", "seen"),
                                      probes.variable("top", "top"),
                                      probes.variable("system", "system")])
    finally:
        import shutil

        shutil.rmtree(elsewhere.parent.parent)
    assert _exported(run, "seen") == []
    assert _exported(run, "system") is True
    assert set(_exported(run, "top")) <= {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32",
                                          "proc", "run", "sbin", "sys", "tmp", "usr", "var",
                                          *{Path(p).parts[1] for p in (sys.prefix,
                                                                       sys.base_prefix)}}


@pytest.mark.skipif(not isolation.available(), reason="needs root: the quota is a file system")
def test_everything_a_sandbox_writes_shares_one_quota(tmp_path: Path) -> None:
    import shutil

    free = shutil.disk_usage(tmp_path).free
    fill = (
        "import os\n"
        "def write(path, mib):\n"
        "    try:\n"
        "        with open(path, 'wb') as f:\n"
        "            f.write(b'x' * (mib << 20))\n"
        "        return 'ok'\n"
        "    except OSError as e:\n"
        "        return e.errno\n"
        "def allocate(path, size):\n"
        "    try:\n"
        "        fd = os.open(path, os.O_CREAT | os.O_WRONLY)\n"
        "        os.posix_fallocate(fd, 0, size)\n"
        "        return 'ok'\n"
        "    except OSError as e:\n"
        "        return e.errno\n"
        "huge = allocate('huge', 100 << 20)\n"
        "os.remove('huge')\n"
        "first = write('/tmp/a', 40)\n"
        "second = write(os.path.expanduser('~/b'), 40)\n"
        "os.remove('/tmp/a')\n")
    run = _run_with(tmp_path, [fill], [probes.variable(n, n) for n in ("huge", "first", "second")],
                    disk_bytes=64 * 2**20)
    assert _exported(run, "huge") == 28  # ENOSPC: the host disk was never touched
    assert (_exported(run, "first"), _exported(run, "second")) == ("ok", 28)
    assert shutil.disk_usage(tmp_path).free > free - 2**30


@pytest.mark.skipif(not isolation.available(), reason="needs root: the quota is a file system")
def test_a_notebook_that_fills_its_disk_loses_its_results_not_its_grade(tmp_path: Path) -> None:
    fill = ("import os\nfd = os.open('fill', os.O_CREAT | os.O_WRONLY)\n"
            "try:\n    os.posix_fallocate(fd, 0, 1 << 40)\nexcept OSError:\n    pass\n"
            "n = 0\ntry:\n    while True:\n        open(f'f{n}', 'w').write('x' * 4096); n += 1\n"
            "except OSError:\n    pass\nx = 1")
    run = _run_with(tmp_path, [fill], [probes.variable("x", "x")], disk_bytes=32 * 2**20)
    assert run.grader_error is None and not run.busy
    assert run.failure and "disk space" in run.failure
