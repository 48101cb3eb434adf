"""The README's "Running a class, step by step", run as written, in fresh shells.

The commands are read from the README's code blocks (so this test breaks when the README
drifts), in their order, and run by one instructor shell started with `env -i` (a minimal PATH,
nothing of this process's environment) in a copy of the course, and by one fresh shell per
student in that student's own home, with the README's system-wide nbgrader config. Three
differences from a real machine, all stated here: the exchange is a temporary folder (the
README's `/srv/nbgrader/exchange` is replaced by it, and `RNNKIT_EXCHANGE` names it), `sudo`
is a shell function that runs its command, since the test already runs as its user, and each
student's name comes from their own `~/.jupyter/nbgrader_config.py` (student_id), not from an
OS account of their own (tests/test_hub.py has those).
Two students hand in their fetched release untouched, so grading stays quick.

Then: every command exits 0, nothing warns (SQLAlchemy's SAWarning, "command not found"),
each student fetches their own feedback, `release/` is as committed, and every file the
commands wrote at the course root is one `.gitignore` keeps out of git.
"""

from __future__ import annotations

import json
import re
import shutil
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest

import course_config
from tests.test_instructor_workflow import ASSIGNMENT, NOTEBOOK

ROOT = Path(course_config.ROOT)
README = ROOT / "README.md"
SECTION = ("### Running a class, step by step", "**Keep out of git**")
README_EXCHANGE = "/srv/nbgrader/exchange"
STUDENTS = ("alice", "bob")  # the README regrades submitted/alice
MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin"
SECONDS = 1200


def readme_blocks() -> list[tuple[str, str]]:
    """(language, code) of each fenced block of the README's step-by-step section, in order."""
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION[0])
    section = text[start:text.index(SECTION[1], start)]
    return [(match.group(1), textwrap.dedent(match.group(2)))
            for match in re.finditer(r"^[ ]*```(\w+)\n(.*?)^[ ]*```\s*$", section,
                                     re.S | re.M)]


def is_student_block(code: str) -> bool:
    """The block students run in their own account (the README marks it "as the student")."""
    return "as the student" in code


def fresh_shell(script: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """Run `script` in bash started from nothing: `env -i`, a minimal PATH, no profile."""
    variables = {"PATH": MINIMAL_PATH, "LANG": "C.UTF-8", **env}
    return subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in variables.items()),
                           "bash", "--noprofile", "--norc", str(script)],
                          cwd=cwd, capture_output=True, text=True, timeout=SECONDS, check=False)


def copy_course(target: Path) -> None:
    """The course as a checkout holds it (tracked files and new ones git does not ignore),
    with this machine's virtual environment linked in as `.venv`."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink() and not name.startswith("samples/models/"):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")


def files_under(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")
            if path.is_file() and ".venv" not in path.relative_to(folder).parts
            and "__pycache__" not in path.parts}


def test_the_readme_names_the_steps_this_test_runs() -> None:
    blocks = readme_blocks()
    bash = "\n".join(code for language, code in blocks if language == "bash")
    assert blocks[0] == ("bash", blocks[0][1]) and "source .venv/bin/activate" in blocks[0][1]
    for command in ("generate_assignment", "release_assignment", "fetch_assignment", "submit",
                    "collect", "autograder grade", "autograder gradebook",
                    "autograder feedback", "release_feedback", "autograder export",
                    "autograder report"):
        assert command in bash, command
    assert sum(is_student_block(code) for _, code in blocks) == 1
    assert [language for language, _ in blocks].count("python") == 1  # the students' config
    # The way back after a failed generate_assignment --force is named.
    text = README.read_text(encoding="utf-8")
    assert "python -m autograder build onehot" in text and "--force" in text


def test_without_the_venv_a_fresh_shell_has_no_nbgrader(tmp_path: Path) -> None:
    """Why the README activates the venv first: a fresh shell does not find nbgrader."""
    script = tmp_path / "bare.sh"
    script.write_text("nbgrader --version\n")
    proc = fresh_shell(script, ROOT, HOME=str(tmp_path))
    assert proc.returncode == 127 and "command not found" in proc.stderr, proc.stderr


def test_the_readme_commands_run_as_written(tmp_path: Path) -> None:
    course, exchange, homes, config = (tmp_path / "course", tmp_path / "exchange",
                                       tmp_path / "home", tmp_path / "etc-jupyter")
    course.mkdir()
    copy_course(course)
    before = files_under(course)
    release_before = {name: (course / name).read_bytes() for name in before
                      if name.startswith(f"release/{ASSIGNMENT}/")}
    # The instructor's roster, which the gradebook step reads.
    (course / "students.csv").write_text(
        "id,first_name,last_name,email\nalice,Alice,Liddell,alice@example.org\n"
        "bob,Bob,Dylan,\n")
    before.add("students.csv")
    blocks = [(language, code.replace(README_EXCHANGE, str(exchange)))
              for language, code in readme_blocks()]
    config.mkdir()
    [students_config] = [code for language, code in blocks if language == "python"]
    (config / "nbgrader_config.py").write_text(students_config)
    [student_block] = [code for language, code in blocks if is_student_block(code)]
    (tmp_path / "student.sh").write_text("set -euo pipefail\ncd ~\n" + student_block)
    for student in STUDENTS:
        # Every "student" here is this test's OS user: the account's name, which nbgrader
        # would read from the OS, comes from the student's own nbgrader config instead.
        (homes / student / ".jupyter").mkdir(parents=True)
        (homes / student / ".jupyter" / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.student_id = {student!r}\n")
    # Students have their own environment with nbgrader (JupyterHub's); the course's stands in.
    student_path = f"{ROOT / '.venv' / 'bin'}:{MINIMAL_PATH}"
    student_shell = (
        'as_student() { env -i HOME="$HOMES/$1" LOGNAME="$1" USER="$1" LANG=C.UTF-8 '
        f'PATH="{student_path}" JUPYTER_CONFIG_PATH="{config}" '
        f'JUPYTER_CONFIG_DIR="$HOMES/$1/.jupyter" bash --noprofile --norc "$2"; }}\n')
    lines = ["set -euo pipefail -x", 'sudo() { "$@"; }', student_shell]
    for language, code in blocks:
        if language != "bash":
            continue
        if is_student_block(code):
            lines += [f'as_student {student} "{tmp_path / "student.sh"}"' for student in STUDENTS]
        else:
            lines.append(code)
    script = tmp_path / "instructor.sh"
    script.write_text("\n".join(lines) + "\n")
    proc = fresh_shell(script, course, HOME=str(tmp_path / "instructor-home"),
                       HOMES=str(homes), RNNKIT_EXCHANGE=str(exchange))
    transcript = f"{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-10000:]}"
    assert proc.returncode == 0, transcript
    for noise in ("SAWarning", "command not found", "Traceback"):
        assert noise not in proc.stdout + proc.stderr, transcript

    grades = json.loads((course / "grades.json").read_text())
    scores = {s["student"]: s["score"] for s in grades["submissions"]}
    assert scores == {student: 0 for student in STUDENTS}, transcript
    stem = Path(NOTEBOOK).stem
    for student in STUDENTS:
        page = course / "feedback" / student / ASSIGNMENT / f"{stem}.html"
        html = page.read_text()
        assert "Not attempted" in html and re.search(r"submitted <time[^>]*>20\d\d-", html)
        assert stat.S_IMODE(page.stat().st_mode) & 0o004  # the student's account reads it
    assert (course / "grades.csv").is_file() and (course / "report.html").is_file()
    assert (course / "gradescope" / "alice" / ASSIGNMENT / "results.json").is_file()

    # Each student fetches their feedback as step 8 says, in their own fresh shell.
    [fetch] = set(re.findall(r"`(nbgrader fetch_feedback \w+)`", README.read_text()))
    fetch_script = tmp_path / "fetch.sh"
    fetch_script.write_text(f"set -euo pipefail\ncd ~\n{fetch}\n")
    for student in STUDENTS:
        got = fresh_shell(fetch_script, homes / student, HOME=str(homes / student),
                          LOGNAME=student, USER=student, PATH=student_path,
                          JUPYTER_CONFIG_PATH=str(config),
                          JUPYTER_CONFIG_DIR=str(homes / student / ".jupyter"))
        assert got.returncode == 0, got.stderr[-3000:]
        [fetched] = (homes / student / ASSIGNMENT / "feedback").rglob(f"{stem}.html")
        assert f"<strong>{student}</strong>" in fetched.read_text()

    # generate_assignment --force deleted release/onehot and wrote it again, whole.
    assert {name for name in files_under(course)
            if name.startswith(f"release/{ASSIGNMENT}/")} == set(release_before)
    # Whatever the commands wrote at the course root is ignored by git.
    written = sorted(files_under(course) - before)
    assert "grades.csv" in written and "gradebook.db" in written
    subprocess.run(["git", "init", "-q"], cwd=course, check=True)
    checked = subprocess.run(["git", "check-ignore", "--no-index", "--verbose",
                              "--non-matching", "--stdin"], cwd=course, input="\n".join(written),
                             capture_output=True, text=True, check=False)
    kept = [line.split("\t", 1)[1] for line in checked.stdout.splitlines()
            if line.startswith("::")]
    assert kept == [], f"written by the README's commands but not in .gitignore: {kept}"


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q"]))
