"""The grading service on a real exchange: students as separate OS accounts submit with nbgrader,
`python -m autograder watch` grades and releases, and each student fetches only their own page.

The accounts are made with useradd (as root; the tests skip otherwise) and removed afterwards.
The assignment is stocks, the cheapest to grade (about 4 s a notebook).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import course_config
from autograder import exchange
from autograder.samples import variants, write_samples
from autograder.service import Entry, Ledger, Paths, Service, what_to_show

ROOT = Path(course_config.ROOT)
ASSIGNMENT = "stocks"
NOTEBOOK = course_config.ASSIGNMENTS[ASSIGNMENT].notebook
MISTAKE = next(v for v in variants(ASSIGNMENT) if v.loses)
ACCOUNTS = ("rnnsvcada", "rnnsvcben", "rnnsvccy", "rnnsvcdan")
SCRATCH = Path("/srv/rnn-course-service-test")
"""Every account must reach the exchange: pytest's private temporary folders would not do."""
PYTHON = sys.executable


# ------------------------------------------------------------------ the policy, without grading

def _entry(student: str, at: float, digest: str, shows: str = "full") -> Entry:
    return Entry(f"{student}+{ASSIGNMENT}+{at}", student, ASSIGNMENT, at - 60, state="released",
                 released_at=at, shows=shows, digest=digest)


def _policy(monkeypatch, **settings) -> None:
    current = course_config.ASSIGNMENTS[ASSIGNMENT]
    policy = dataclasses.replace(current.feedback, **settings)
    monkeypatch.setitem(course_config.ASSIGNMENTS, ASSIGNMENT,
                        dataclasses.replace(current, feedback=policy))


def test_detailed_pages_are_rationed_per_student_and_period(monkeypatch) -> None:
    _policy(monkeypatch, detailed_pages=2, period_hours=1, before_deadline="full")
    now = 10_000.0
    mine = [_entry("ada", now - 1000, "a"), _entry("ada", now - 500, "b")]
    assert what_to_show(mine, "ada", ASSIGNMENT, "c", now)[0] == "total"
    shows, notice = what_to_show(mine, "ada", ASSIGNMENT, "c", now)
    assert "2 times in any 1-hour period" in notice
    assert "1970-01-01 03:30 UTC" in notice  # the first page's time, plus the period
    # the same notebook again tells nothing new; another student has a ration of their own
    assert what_to_show(mine, "ada", ASSIGNMENT, "b", now) == ("full", "")
    assert what_to_show(mine, "ben", ASSIGNMENT, "c", now) == ("full", "")
    # pages of totals do not count; an hour later the first page is out of the period
    assert what_to_show(mine + [_entry("ada", now - 10, "d", "total")], "ada", ASSIGNMENT,
                        "c", now + 2700)[0] == "full"


def test_before_the_deadline_the_course_decides_what_a_page_shows(monkeypatch) -> None:
    _policy(monkeypatch, before_deadline="titles")
    assert what_to_show([], "ada", ASSIGNMENT, "x", time.time())[0] == "titles"
    current = course_config.ASSIGNMENTS[ASSIGNMENT]
    monkeypatch.setitem(course_config.ASSIGNMENTS, ASSIGNMENT,
                        dataclasses.replace(current, deadline="2020-01-01T00:00:00"))
    assert what_to_show([], "ada", ASSIGNMENT, "x", time.time())[0] == "full"


def _inbound(ex: Path, name: str) -> Path:
    folder = exchange.inbound_dir(ex) / name
    folder.mkdir(parents=True)
    (folder / "submission_secret.txt").write_text("ab" * 64)
    return folder


def test_the_queue_is_oldest_first_one_per_student_and_skips_what_is_not_a_submission(
        tmp_path: Path) -> None:
    ex = tmp_path / "exchange"
    for name in ("ben+stocks+2026-12-01 10:00:00.000000 UTC+r1",
                 "ada+stocks+2026-12-01 10:00:01.000000 UTC+r2",
                 "ben+stocks+2026-12-01 10:00:02.000000 UTC+r3",
                 "ada+onehot+2026-12-01 10:00:03.000000 UTC+r4"):
        _inbound(ex, name)
        time.sleep(0.02)  # ctimes in this order
    _inbound(ex, "cy+not-an-assignment+t+r")
    _inbound(ex, "a+b")
    (exchange.inbound_dir(ex) / "dan+stocks+t+r5").symlink_to(tmp_path)
    service = Service(Paths.of(ex, tmp_path / "course"), check_owner=False, workers=1)
    todo, replaced, foreign = service.queue()
    assert foreign == []
    assert [i.name[:11] for i in todo] == ["ada+stocks+", "ben+stocks+", "ada+onehot+"]
    assert [(old.name[-2:], new.name[-2:]) for old, new in replaced] == [("r1", "r3")]


def test_collect_copies_plain_files_only(tmp_path: Path) -> None:
    ex = tmp_path / "exchange"
    folder = _inbound(ex, "ada+stocks+t+r")
    (folder / NOTEBOOK).write_text("{}")
    (folder / "elsewhere.keras").symlink_to("/etc/passwd")
    os.mkfifo(folder / "pipe")
    (folder / "deeper").mkdir()
    [item] = exchange.list_inbound(ex)
    into = tmp_path / "course" / "submitted" / "ada" / ASSIGNMENT
    skipped = exchange.collect(item, ex, into)
    assert sorted(p.name for p in into.iterdir()) == [NOTEBOOK, "submission_secret.txt"]
    assert len(skipped) == 3 and any("elsewhere.keras" in s for s in skipped)


def _result(student: str, **fields) -> "SubmissionResult":
    from autograder.scoring.results import CheckResult, SubmissionResult

    return SubmissionResult(student, ASSIGNMENT, NOTEBOOK, [
        CheckResult("model_beats_last_value", 0, 4, False, "the model predicts tomorrow = today"),
        CheckResult("windows_have_the_right_shape", 2, 2, True, "")], **fields)


@pytest.mark.parametrize("shows,seen,unseen", [
    ("full", ["model_beats_last_value", "tomorrow = today", "2 of 6"], []),
    ("titles", ["model_beats_last_value", "2 of 6", "not passed"], ["tomorrow = today"]),
    ("total", ["2 of 6", "rationed"], ["model_beats_last_value", "tomorrow = today"]),
])
def test_a_page_shows_what_the_course_allows(shows: str, seen: list, unseen: list) -> None:
    from autograder.feedback import page

    html = page(_result("ada"), shows=shows, notice="rationed" if shows == "total" else "")
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text)
    text = text.replace("Score: 2 of 6", "2 of 6")
    for phrase in seen:
        assert phrase in text, (shows, phrase)
    for phrase in unseen:
        assert phrase not in text, (shows, phrase)


def test_an_ungraded_submission_gets_a_page_saying_so_and_is_tried_again(
        tmp_path: Path, monkeypatch) -> None:
    ex = tmp_path / "exchange"
    folder = _inbound(ex, "ada+stocks+t+r")
    (folder / NOTEBOOK).write_text("{}")
    service = Service(Paths.of(ex, tmp_path / "course"), check_owner=False, workers=1,
                      db_url=f"sqlite:///{tmp_path}/gradebook.db")
    monkeypatch.setattr(Service, "_grade", lambda self, subs: [
        _result("ada", ungraded="the machine was too busy to run it in time")])
    pushed = []
    monkeypatch.setattr(Service, "_push", lambda self, results: pushed.extend(results))
    for attempt in range(1, course_config.SERVICE_RETRIES + 2):
        service.run_once()
    [entry] = service.ledger.entries()
    assert entry.state == "ungraded" and entry.tries == course_config.SERVICE_RETRIES
    assert entry.score is None and pushed == []
    [page] = exchange.feedback_dir(ex).glob("*.html")
    text = page.read_text()
    assert "Not graded yet" in text and "instructor has been told" in text
    assert "Score:" not in text
    from autograder.service import status

    assert any("too busy" in line for line in status(service.paths, check_owner=False).ungraded)


# ------------------------------------------------------------------ a class on a real exchange

def run(*command, cwd: Path = ROOT, env: dict | None = None, check: bool = True,
        timeout: int = 900) -> subprocess.CompletedProcess:
    # nbgrader runs alembic from the PATH: the kit's environment first
    env = {**(env or os.environ),
           "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)
    if check:
        assert proc.returncode == 0, f"{command}: {proc.returncode}\n{proc.stdout[-3000:]}" \
                                     f"\n{proc.stderr[-5000:]}"
    return proc


def as_student(name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """nbgrader as the student's own account, from their home, with nothing of root's."""
    return run(PYTHON, Path(__file__).with_name("as_account.py"), name, *args,
               f"--CourseDirectory.course_id={course_config.COURSE_ID}",
               f"--Exchange.root={SCRATCH / 'exchange'}", check=check)


def hand_in(name: str, sample_folder: Path) -> None:
    """Put a sample's files in the student's fetched assignment and submit it."""
    entry = pwd.getpwnam(name)
    target = Path(entry.pw_dir) / ASSIGNMENT
    for path in sample_folder.iterdir():
        shutil.copyfile(path, target / path.name)
        os.chown(target / path.name, entry.pw_uid, entry.pw_gid)
    as_student(name, "submit", ASSIGNMENT)
    time.sleep(1.1)  # nbgrader names a submission by the second


def fetched_page(name: str) -> str:
    as_student(name, "fetch_feedback", ASSIGNMENT)
    home = Path(pwd.getpwnam(name).pw_dir)
    pages = sorted((home / ASSIGNMENT / "feedback").glob(f"*/{Path(NOTEBOOK).stem}.html"))
    assert pages, f"{name} fetched no feedback"
    return pages[-1].read_text()  # the newest submission's (folders named by timestamp)


def watch(*args: str) -> list[str]:
    """The service's command line on the test's exchange and course."""
    return [PYTHON, "-m", "autograder", "watch", "--exchange", str(SCRATCH / "exchange"),
            "--course", str(SCRATCH / "course"), *args]


def total(page: str) -> float:
    return float(re.search(r"Score: <strong>([\d.]+)</strong>", page).group(1))


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory):
    """The course released to a real exchange, four student accounts with it fetched."""
    if os.geteuid() != 0:
        pytest.skip("the students are OS accounts of their own (useradd needs root)")
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True, mode=0o755)
    ex, course = SCRATCH / "exchange", SCRATCH / "course"
    ex.mkdir(mode=0o777)
    ex.chmod(0o777)
    shutil.copytree(ROOT / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    flags = (f"--CourseDirectory.root={course}", f"--Exchange.root={ex}",
             f"--CourseDirectory.db_url=sqlite:///{SCRATCH}/gradebook.db")
    run(PYTHON, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--force", *flags)
    run(PYTHON, "-m", "nbgrader", "release_assignment", ASSIGNMENT, *flags)
    for name in ACCOUNTS:
        subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)
        run("useradd", "--create-home", "-K", "HOME_MODE=0700", name)
        as_student(name, "fetch_assignment", ASSIGNMENT)
    samples = tmp_path_factory.mktemp("samples")
    chosen = {"solution", "blank-release", MISTAKE.student}
    written = {p.parts[-3]: p.parent for p in
               write_samples([ASSIGNMENT], samples, only=lambda a: chosen)}
    try:
        yield {"exchange": ex, "course": course, "samples": written,
               "state": course / "service"}
    finally:
        for name in ACCOUNTS:
            subprocess.run(["userdel", "--remove", "--force", name], capture_output=True)
        shutil.rmtree(SCRATCH, ignore_errors=True)


def test_each_student_fetches_only_their_own_trusted_page(klass: dict) -> None:
    ada, ben, cy, dan = ACCOUNTS
    hand_in(ada, klass["samples"]["solution"])
    hand_in(ben, klass["samples"][MISTAKE.student])
    hand_in(cy, klass["samples"]["blank-release"])
    # dan makes a folder in ada's name: his own account owns it
    forged = exchange.inbound_dir(klass["exchange"]) / f"{ada}+{ASSIGNMENT}+forged+x"
    run("runuser", "-u", dan, "--", "mkdir", forged)
    for path in klass["samples"]["blank-release"].iterdir():
        shutil.copyfile(path, forged / path.name)
    (forged / "submission_secret.txt").write_text("cd" * 64)
    db = f"sqlite:///{SCRATCH}/service-gradebook.db"
    proc = run(*watch("--once", "--workers", "2", "--db", db))
    log = proc.stderr
    stored = {json.loads(p.read_text())["student"]: json.loads(p.read_text())
              for p in (klass["course"] / "grades").rglob("*.json")}
    points = stored[ada]["max_score"]
    pages = {name: fetched_page(name) for name in (ada, ben, cy)}
    assert total(pages[ada]) == stored[ada]["score"] == points
    lost = {c["name"] for c in stored[ben]["checks"] if c["score"] < c["max_score"]}
    assert lost == set(MISTAKE.loses)
    assert total(pages[ben]) == stored[ben]["score"] < points
    for check, phrase in MISTAKE.says.items():
        assert phrase.lower() in pages[ben].lower()
    assert total(pages[cy]) == 0 and "Not attempted" in pages[cy]
    for name, page in pages.items():
        assert f"Feedback for <strong>{name}</strong>" in page
        assert not [other for other in ACCOUNTS if other != name and other in page]
    # the forged folder is refused, said in the log and the status, and gets no page
    assert "refused" in log and "forged" in log
    status = run(PYTHON, "-m", "autograder", "status", "--exchange", klass["exchange"],
                 "--course", klass["course"]).stdout
    assert "queue: 0" in status and "released: 3" in status and "refused:" in status
    assert "last canary passed: 20" in status
    assert len(list(exchange.feedback_dir(klass["exchange"]).glob("*.html"))) == 3
    from nbgrader.api import Gradebook

    with Gradebook(db, course_config.COURSE_ID) as gradebook:
        assert gradebook.find_submission(ASSIGNMENT, ben).score == stored[ben]["score"]


def test_over_the_ration_a_student_gets_the_total_and_when_detail_comes(klass: dict,
                                                                        tmp_path: Path) -> None:
    """The course allows one detailed page here: ada's second submission, different, is graded
    again and its page shows the total only, with when the next detailed page comes."""
    ada = ACCOUNTS[0]
    hand_in(ada, klass["samples"][MISTAKE.student])
    config = tmp_path / "ration.py"
    config.write_text(
        "import dataclasses, runpy, sys\n"
        "import course_config as c\n"
        f"s = c.ASSIGNMENTS[{ASSIGNMENT!r}]\n"
        f"c.ASSIGNMENTS[{ASSIGNMENT!r}] = dataclasses.replace(s, feedback=dataclasses.replace("
        "s.feedback, detailed_pages=1))\n"
        "sys.argv = ['autograder', *sys.argv[1:]]\n"
        "runpy.run_module('autograder', run_name='__main__')\n")
    command = watch("--once", "--workers", "1")
    run(PYTHON, config, *command[3:], env={**os.environ, "PYTHONPATH": str(ROOT)})
    page = fetched_page(ada)
    stored = next(json.loads(p.read_text()) for p in (klass["course"] / "grades").rglob("*.json")
                  if json.loads(p.read_text())["student"] == ada)
    assert total(page) == stored["score"]
    assert "next detailed page can come from" in page
    for phrase in MISTAKE.says.values():
        assert phrase.lower() not in page.lower()


def test_a_service_killed_mid_burst_grades_every_submission_once(klass: dict) -> None:
    for name in ACCOUNTS:
        hand_in(name, klass["samples"]["solution"])
    logs = [klass["course"] / "first.log", klass["course"] / "second.log"]
    with open(logs[0], "w") as log:
        first = subprocess.Popen(watch("--workers", "1", "--interval", "1"), cwd=ROOT,
                                 stderr=log, stdout=log, start_new_session=True)
    ledger = Ledger(klass["state"] / "ledger")
    deadline = time.monotonic() + 600
    before = len(ledger.entries())
    while len(ledger.entries()) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    logs[1].write_text(run(*watch("--once", "--workers", "1")).stderr)
    newest = {e.student: e for e in ledger.entries() if e.state == "released"}
    assert set(newest) >= set(ACCOUNTS)
    text = "".join(path.read_text() for path in logs)
    for name in ACCOUNTS:
        graded = re.findall(rf"\] {name}/{ASSIGNMENT}: \d", text)
        assert len(graded) == 1, (name, graded)  # graded before the kill or after, not both
        page = fetched_page(name)
        assert total(page) > 0
    assert not any(e.state == "pending" for e in ledger.entries())


def test_a_broken_grader_stops_the_service_and_releases_nothing(klass: dict) -> None:
    ben = ACCOUNTS[1]
    hand_in(ben, klass["samples"]["blank-release"])
    pages = set(exchange.feedback_dir(klass["exchange"]).glob("*.html"))
    bare = Path(sys.base_prefix) / "bin" / "python3"
    proc = run(*watch("--once", "--workers", "1"), check=False,
               env={**os.environ, "RNNKIT_SANDBOX_PYTHON": str(bare)})
    assert proc.returncode == 3, proc.stderr
    assert "broken" in proc.stderr and "nothing more was released" in proc.stderr
    assert set(exchange.feedback_dir(klass["exchange"]).glob("*.html")) == pages
    status = run(PYTHON, "-m", "autograder", "status", "--exchange", klass["exchange"],
                 "--course", klass["course"]).stdout
    assert "service: broken" in status and "queue: 1" in status


def test_the_hub_and_systemd_run_the_service_from_this_checkout(monkeypatch) -> None:
    from traitlets.config import Config

    config = Config()
    monkeypatch.setenv("RNNKIT_WATCH", "1")
    namespace = {"get_config": lambda: config, "__file__": str(ROOT / "deploy" /
                                                              "jupyterhub_config.py")}
    exec(compile((ROOT / "deploy" / "jupyterhub_config.py").read_text(), "hub", "exec"),
         namespace)
    [service] = config.JupyterHub.services
    assert service["command"][:4] == [str(ROOT / ".venv" / "bin" / "python"), "-m",
                                      "autograder", "watch"]
    unit = (ROOT / "deploy" / "rnnkit-watch.service").read_text()
    assert set(re.findall(r"@[A-Z_]+@", unit)) == {"@KIT@", "@COURSE_DIR@", "@EXCHANGE@"}
    setup = (ROOT / "deploy" / "setup.sh").read_text()
    for placeholder in ("@KIT@", "@COURSE_DIR@", "@EXCHANGE@"):
        assert f"s|{placeholder}|" in setup
    assert "RestartPreventExitStatus=2 3" in unit  # a broken grader waits for a person
