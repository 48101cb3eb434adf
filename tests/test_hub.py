"""The course on a real JupyterHub: a whole term in a browser, and the file modes it relies on.

`test_a_term_in_the_hub` runs `deploy/setup.sh` (the students' environment is reused when it is
there: building it takes minutes), creates three student accounts and an instructor with
useradd, starts the hub, and drives Debian's chromium through Playwright: each student logs in,
fetches onehot from the Assignments list, runs it (the solution, a realistic mistake, the
untouched release), validates and submits; the instructor's side (collect, the trusted grade,
feedback, release_feedback) runs as root; each student then fetches their feedback in the hub
and reads their own score and messages, and cannot open another's. Students have no instructor
tools; the instructor has them. Screenshots go to build/hub-screenshots/ (or
RNNKIT_HUB_SCREENSHOTS). It needs root, npm, /usr/bin/chromium and Playwright, and is opt-in
(`--runslow`): 7 minutes on two busy cores, once the environment is built (about 6 more).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import course_config
from autograder.feedback import sections, write_feedback
from autograder.reports import write_json
from autograder.samples import variants, write_samples
from autograder.scoring.results import CheckResult, SubmissionResult

ROOT = Path(course_config.ROOT)
DEPLOY = ROOT / "deploy"
PREFIX = Path(os.environ.get("RNNKIT_HUB_PREFIX", "/opt/rnn-course"))
CHROMIUM = "/usr/bin/chromium"
ASSIGNMENT = "onehot"
NOTEBOOK = course_config.ASSIGNMENTS[ASSIGNMENT].notebook
MISTAKE = "mistake-one-hot-float64"
# OS accounts made for the test (and removed after it), and what each hands in.
STUDENTS = {"rnnhubada": "solution", "rnnhubben": MISTAKE, "rnnhubcy": None}
INSTRUCTOR = "rnnhubprof"
PASSWORD = "course-test-password"
# A folder of its own for the course and the exchange: every account must reach the exchange,
# which pytest's private temporary folders would not allow.
SCRATCH = Path("/srv/rnn-course-hub-test")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


def _result(student: str) -> SubmissionResult:
    return SubmissionResult(student, ASSIGNMENT, NOTEBOOK, [
        CheckResult("one_hot_is_float32", 0, 2, False, "one_hot returned float64")])


def test_feedback_pages_are_readable_and_grades_private(tmp_path: Path) -> None:
    """release_feedback copies a page with its mode into the exchange, where only the student's
    own account reads it: pages 0644 in 0755 folders; the grades JSON stays 0600."""
    os.umask(0o022)
    [page] = write_feedback([_result("ada")], tmp_path / "feedback")
    assert stat.S_IMODE(page.stat().st_mode) == 0o644
    for folder in (page.parent, page.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    write_json([_result("ada")], tmp_path / "grades.json")
    assert stat.S_IMODE((tmp_path / "grades.json").stat().st_mode) == 0o600


def test_deploy_files_parse() -> None:
    """The setup script is valid bash and the hub config valid Python; the students'
    requirements pin what requirements.txt pins, and nothing of the grader."""
    subprocess.run(["bash", "-n", str(DEPLOY / "setup.sh")], check=True)
    compile((DEPLOY / "jupyterhub_config.py").read_text(), "jupyterhub_config.py", "exec")

    def pins(path: Path) -> dict[str, str]:
        lines = (ln.split("#")[0].strip() for ln in path.read_text().splitlines())
        return dict(ln.lower().replace("_", "-").split("==") for ln in lines if "==" in ln)

    student, grader = pins(ROOT / "requirements-student.txt"), pins(ROOT / "requirements.txt")
    for name in set(student) & set(grader):
        assert student[name] == grader[name], name
    for name in ("tensorflow-cpu", "keras", "numpy", "nbgrader", "matplotlib", "arch"):
        assert name in student
    for name in ("pytest", "dask", "distributed", "copydetect", "psutil"):
        assert name not in student, f"{name} is the grader's"


# ---------------------------------------------------------------- the term in a browser


def run(*command: str | Path, cwd: Path = ROOT, env: dict | None = None,
        timeout: int = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                          check=False, env=env, timeout=timeout)
    assert proc.returncode == 0, f"{command}: {proc.returncode}\n{proc.stdout[-3000:]}" \
                                 f"\n{proc.stderr[-5000:]}"
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def remove_account(name: str) -> None:
    subprocess.run(["userdel", "--remove", "--force", name], capture_output=True, check=False)


def make_account(name: str, group: str) -> None:
    remove_account(name)
    # Homes private to their owner: a student's fetched feedback is in it.
    run("useradd", "--create-home", "-K", "HOME_MODE=0700", "--groups", group, name)
    subprocess.run(["chpasswd"], input=f"{name}:{PASSWORD}\n", text=True, check=True)


class Shots:
    """Numbered screenshots in one folder."""

    def __init__(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder, self.count = folder, 0

    def __call__(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"))


def as_owner(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory):
    """A configured hub with its accounts, the assignment released; removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("the hub runs as root (it starts each account's server as that account)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian's chromium)")
    pytest.importorskip("playwright.sync_api")
    if shutil.which("npm") is None:
        pytest.skip("npm is missing (configurable-http-proxy comes from npm)")
    system_config = Path("/etc/jupyter/nbgrader_config.py")
    saved = system_config.read_bytes() if system_config.exists() else None
    shutil.rmtree(SCRATCH, ignore_errors=True)
    course, exchange = SCRATCH / "course", SCRATCH / "exchange"
    course.mkdir(parents=True)
    SCRATCH.chmod(0o755)
    env = {**os.environ, "RNNKIT_EXCHANGE": str(exchange), "RNNKIT_COURSE_DIR": str(course),
           "RNNKIT_HUB_PREFIX": str(PREFIX),
           "RNNKIT_STUDENTS_GROUP": "rnn-students", "RNNKIT_INSTRUCTORS_GROUP": "rnn-instructors",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    started = time.monotonic()
    run("bash", DEPLOY / "setup.sh", env=env, timeout=1800)
    print(f"\nsetup.sh: {time.monotonic() - started:.0f} s")
    assert f"c.Exchange.root = {str(exchange)!r}" in system_config.read_text()
    for student in STUDENTS:
        make_account(student, "rnn-students")
    make_account(INSTRUCTOR, "rnn-instructors")

    # The instructor's steps 2-3 of the README, on a copy of the course.
    shutil.copytree(ROOT / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    flags = (f"--CourseDirectory.root={course}",
             f"--CourseDirectory.db_url=sqlite:///{course}/gradebook.db")
    nbgrader = (sys.executable, "-m", "nbgrader")
    run(*nbgrader, "generate_assignment", ASSIGNMENT, "--force", *flags, env=env)
    run(*nbgrader, "release_assignment", ASSIGNMENT, *flags, env=env)

    state = tmp_path_factory.mktemp("hub-state")
    port = free_port()
    hub_env = {**env, "RNNKIT_HUB_STATE": str(state),
               "RNNKIT_HUB_BIND": f"http://127.0.0.1:{port}",
               "RNNKIT_HUB_API": f"http://127.0.0.1:{free_port()}",
               "RNNKIT_HUB_INTERNAL": f"http://127.0.0.1:{free_port()}"}
    log = open(state / "hub.log", "w")  # noqa: SIM115 (held by the hub until the finalizer)
    process = subprocess.Popen([str(PREFIX / "venv" / "bin" / "jupyterhub"), "-f",
                                str(DEPLOY / "jupyterhub_config.py")], cwd=state, env=hub_env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/hub/health", timeout=5)
            break
        except OSError:
            assert process.poll() is None, (state / "hub.log").read_text()[-5000:]
            assert time.monotonic() < deadline, (state / "hub.log").read_text()[-5000:]
            time.sleep(1)
    folder = Path(os.environ.get("RNNKIT_HUB_SCREENSHOTS", ROOT / "build" / "hub-screenshots"))
    try:
        yield {"url": url, "course": course, "exchange": exchange, "env": env, "flags": flags,
               "nbgrader": nbgrader, "log": state / "hub.log", "shots": Shots(folder)}
    finally:
        print(f"screenshots: {folder}\nhub log: {state / 'hub.log'}")
        process.terminate()  # the hub stops every server it started
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        for name in (*STUDENTS, INSTRUCTOR):
            remove_account(name)
        if saved is None:
            system_config.unlink(missing_ok=True)
        else:
            system_config.write_bytes(saved)
        shutil.rmtree(SCRATCH, ignore_errors=True)


# ------------------------------------------------------------------- JupyterLab, by hand


def log_in(browser, hub: dict, user: str):
    """A fresh browser context for `user`, logged in, on their JupyterLab."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{hub['url']}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", PASSWORD)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=240_000)
    page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
    page.wait_for_selector(".lm-MenuBar-item:has-text('Nbgrader')", timeout=60_000)
    return context, page


def nbgrader_menu(page, hub: dict, user: str) -> list[str]:
    """The items of the Nbgrader menu (screenshot taken open)."""
    page.click(".lm-MenuBar-item:has-text('Nbgrader')")
    menu = page.locator(".lm-Menu").last
    menu.wait_for()
    items = [t.strip() for t in menu.locator(".lm-Menu-item:visible .lm-Menu-itemLabel")
             .all_inner_texts()]
    hub["shots"](page, f"{user}-nbgrader-menu")
    page.keyboard.press("Escape")
    return items


def create_assignment_panel(page) -> int:
    """How many Create Assignment panels or sidebar tabs the page has."""
    return page.locator("#nbgrader-create_assignemnt").count() + page.locator(
        ".lm-TabBar-tab[title*='Create Assignment'], "
        ".lm-TabBar-tab:has-text('Create Assignment')").count()


def open_assignment_list(page):
    """The Assignments list, opened from the Nbgrader menu and refreshed."""
    page.click(".lm-MenuBar-item:has-text('Nbgrader')")
    page.click(".lm-Menu-item:has-text('Assignment List')")
    panel = page.locator("#nbgrader-assignment-list")
    panel.wait_for()
    panel.locator("#refresh_assignments_list").click()
    page.wait_for_timeout(1500)
    return panel


def run_all(page) -> None:
    """Run > Run All Cells, with the notebook the current tab (a restored workspace may bring
    the Assignments tab forward after the notebook opened; the item is disabled then)."""
    for _ in range(5):
        page.click(f".lm-DockPanel-tabBar .lm-TabBar-tab:has-text('{NOTEBOOK}')")
        page.click(".jp-Notebook .jp-Cell >> nth=0")
        page.click(".lm-MenuBar-item:has-text('Run')")
        item = page.locator(".lm-Menu-item:not(.lm-mod-disabled):has-text('Run All Cells')")
        if item.count():
            item.first.click()
            return
        page.keyboard.press("Escape")
        page.wait_for_timeout(2000)
    raise AssertionError("Run All Cells stayed disabled")


class NotStarted(AssertionError):
    """Run All ran no cell."""


def wait_until_run(page, timeout_s: int, start_s: int) -> None:
    """Until the notebook's kernel has run (a cell numbered, an error shown or the kernel seen
    busy: JupyterLab keeps only the cells near the view in the page, so a run that stops at an
    error far above shows no number) and is idle with no cell queued."""
    deadline = time.monotonic() + timeout_s
    first = time.monotonic() + start_s
    started, quiet = False, 0
    while quiet < 4:
        assert time.monotonic() < deadline, "the notebook did not finish running"
        prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
        busy = any("*" in p for p in prompts) or page.locator(
            ".jp-Notebook-ExecutionIndicator[data-status='busy']").count() > 0
        started = started or busy or any(any(ch.isdigit() for ch in p) for p in prompts) \
            or page.locator(".jp-OutputArea-output[data-mime-type*='error']").count() > 0
        quiet = quiet + 1 if started and not busy else 0
        if not started and time.monotonic() > first:
            raise NotStarted("Run All ran no cell")
        time.sleep(0.5)


def work_on_the_assignment(page, hub: dict, user: str, sample: Path | None) -> str:
    """Fetch, (paste the sample's notebook), run all, save, Validate, submit; return the text
    of Validate's dialog."""
    shots = hub["shots"]
    panel = open_assignment_list(page)
    released = panel.locator("#released_assignments_list .list_item", has_text=ASSIGNMENT)
    released.locator("button:has-text('Fetch')").click()
    fetched = panel.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT)
    fetched.first.wait_for()
    shots(page, f"{user}-fetched")
    notebook = Path(pwd.getpwnam(user).pw_dir) / ASSIGNMENT / NOTEBOOK
    assert notebook.is_file()
    if sample is not None:  # the student's answers, as if typed into the cells
        shutil.copyfile(sample, notebook)
        as_owner(notebook, user)
    page.goto(f"{hub['url']}/user/{user}/lab/tree/{ASSIGNMENT}/{NOTEBOOK}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    # the kernel connected (the status bar says so), or Run All would have no kernel to run on
    page.wait_for_function("document.body.innerText.includes('| Idle')", timeout=180_000)
    for attempt in range(3):
        run_all(page)
        try:
            wait_until_run(page, 900, start_s=60)
            break
        except NotStarted:
            assert attempt < 2, "Run All ran no cell, three times"
    page.click(".jp-Notebook .jp-Cell >> nth=0")
    page.keyboard.press("Control+s")
    page.wait_for_function("!document.querySelector('.jp-mod-current.jp-mod-dirty')")
    shots(page, f"{user}-notebook-run")
    last = page.locator(".jp-Notebook .jp-CodeCell:has(.jp-OutputArea-output)").last
    if last.count():
        last.scroll_into_view_if_needed()
        shots(page, f"{user}-notebook-last-output")
    page.click(".validate-button")
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=900_000)
    page.wait_for_timeout(500)
    text = dialog.inner_text()
    shots(page, f"{user}-validate")
    dialog.locator(".jp-Dialog-button").last.click()
    panel = open_assignment_list(page)
    fetched = panel.locator("#fetched_assignments_list .list_item", has_text=ASSIGNMENT)
    fetched.locator("button:has-text('Submit')").first.click()
    panel.locator("#submitted_assignments_list .list_item", has_text=ASSIGNMENT).first.wait_for()
    shots(page, f"{user}-submitted")
    return text


def fetch_feedback(page, hub: dict, user: str) -> tuple[str, str]:
    """Fetch feedback in the Assignments list and open it; return (its URL, its text)."""
    page.goto(f"{hub['url']}/user/{user}/lab")
    page.wait_for_selector(".lm-MenuBar-item:has-text('Nbgrader')", timeout=120_000)
    panel = open_assignment_list(page)
    submitted = panel.locator("#submitted_assignments_list", has_text=ASSIGNMENT)
    submitted.locator("button:has-text('Fetch Feedback')").first.click()
    submitted.locator("text=(view feedback)").first.wait_for()
    hub["shots"](page, f"{user}-feedback-fetched")
    [html] = (Path(pwd.getpwnam(user).pw_dir) / ASSIGNMENT / "feedback").rglob(
        f"{Path(NOTEBOOK).stem}.html")
    relative = html.relative_to(pwd.getpwnam(user).pw_dir)
    url = f"{hub['url']}/user/{user}/files/{urllib.parse.quote(str(relative))}"
    response = page.goto(url)
    assert response is not None and response.ok, f"{user} cannot open their feedback"
    hub["shots"](page, f"{user}-feedback-page")
    return url, page.inner_text("body")


@pytest.mark.slow
def test_a_term_in_the_hub(hub: dict) -> None:
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    samples = {p.parts[-3]: p for p in write_samples([ASSIGNMENT], hub["course"] / "samples")}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS,
                                             headless=True)
        pages: dict = {}
        try:
            term(browser, hub, pages, samples, started)
        except BaseException:
            for user, page in pages.items():  # what each browser showed when it went wrong
                with contextlib.suppress(Exception):  # a closed page: the failure is told
                    hub["shots"](page, f"{user}-at-failure")
            raise
        finally:
            browser.close()
    print(f"the term in the hub: {time.monotonic() - started:.0f} s")


def term(browser, hub: dict, pages: dict, samples: dict, started: float) -> None:
    """The term, in the browser: students' work, the instructor, feedback."""
    validated = {}
    for student, sample in STUDENTS.items():
        _, page = log_in(browser, hub, student)
        pages[student] = page
        items = nbgrader_menu(page, hub, student)
        assert "Assignment List" in items, items
        assert not [i for i in items if "formgrader" in i.lower()
                    or "create assignment" in i.lower()], items
        assert create_assignment_panel(page) == 0
        validated[student] = work_on_the_assignment(
            page, hub, student, samples[sample] if sample else None)
    # Validate ran every public check: passes for the solution, fails for the others.
    assert "Success! Your notebook passes all the tests." in validated["rnnhubada"], \
        validated["rnnhubada"][:3000]
    for student in ("rnnhubben", "rnnhubcy"):
        assert "The following cell failed:" in validated[student], \
            validated[student][:3000]

    # The instructor has the tools the students lack.
    _, prof = log_in(browser, hub, INSTRUCTOR)
    items = nbgrader_menu(prof, hub, INSTRUCTOR)
    assert any("formgrader" in i.lower() for i in items), items
    assert create_assignment_panel(prof) > 0
    print(f"\nstudents' work: {time.monotonic() - started:.0f} s")

    # Steps 5, 6 and 8 of the README, as root.
    course, env = hub["course"], hub["env"]
    run(*hub["nbgrader"], "collect", ASSIGNMENT, *hub["flags"], env=env)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == sorted(STUDENTS)
    grades = course / "grades.json"
    run(sys.executable, "-m", "autograder", "grade", course / "submitted", "--store",
        course / "grades", "--json", grades, "--quiet", env=env)
    run(sys.executable, "-m", "autograder", "feedback", grades, "--out",
        course / "feedback", "--submitted", course / "submitted", env=env)
    run(*hub["nbgrader"], "release_feedback", ASSIGNMENT, *hub["flags"], env=env)
    assert stat.S_IMODE(grades.stat().st_mode) == 0o600
    by_student = {s["student"]: s for s in json.loads(grades.read_text())["submissions"]}
    full = by_student["rnnhubada"]["max_score"]
    assert by_student["rnnhubada"]["score"] == full > 0
    loses = next(v.loses for v in variants(ASSIGNMENT) if v.student == MISTAKE)
    assert {c["name"] for c in by_student["rnnhubben"]["checks"]
            if not c["passed"]} == set(loses)
    assert by_student["rnnhubcy"]["score"] == 0

    # Each student fetches and reads their own feedback, in their own account.
    urls = {}
    for student, page in pages.items():
        urls[student], text = fetch_feedback(page, hub, student)
        result = by_student[student]
        assert f"Score: {result['score']:g} of {result['max_score']:g}" in \
            " ".join(text.split()), text[:500]
        assert student in text
        for other in STUDENTS:
            assert other == student or other not in text
        shown = " ".join(text.split())
        for section in sections(SubmissionResult.from_dict(result)):
            if section["not_attempted"]:  # one line for an untouched exercise
                assert f"{section['title']}" in shown and "Not attempted" in shown
                continue
            for row in section["checks"]:
                if not row["passed"]:  # what the check asks and what it found, as shown
                    assert " ".join(row["asks"].split())[:60] in shown, row
                    assert " ".join(row["found"].split())[:60] in shown, row
    # ... and nobody else's: not through the hub, not through the file system.
    response = pages["rnnhubada"].goto(urls["rnnhubben"])
    assert response is None or not response.ok
    assert "rnnhubben" not in pages["rnnhubada"].inner_text("body") or \
        "Score:" not in pages["rnnhubada"].inner_text("body")
    hub["shots"](pages["rnnhubada"], "rnnhubada-opens-rnnhubben-feedback")
    ben_page = next((Path(pwd.getpwnam("rnnhubben").pw_dir) / ASSIGNMENT / "feedback")
                    .rglob("*.html"))
    peek = subprocess.run(["runuser", "-u", "rnnhubada", "--", "cat", str(ben_page)],
                          capture_output=True, text=True, check=False)
    assert peek.returncode != 0 and "Score" not in peek.stdout
