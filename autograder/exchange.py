"""nbgrader's exchange, read and written by the grading service as nbgrader itself would.

Students' `nbgrader submit` puts each submission in a folder of the course's inbound,
`<exchange>/<course>/inbound/<student>+<assignment>+<timestamp>+<random>/`, holding the notebook,
the files saved beside it, `timestamp.txt` and `submission_secret.txt`; `nbgrader
fetch_feedback` looks for a page at `<exchange>/<course>/feedback/<md5(secret + notebook)>.html`.
Everything in the inbound is the students' own: its names, the files, their sizes and kinds,
even who owns a folder. The folder's owner must be the student it names (another account could
otherwise submit, and get feedback, in a classmate's name); only plain files of bounded size are
copied; a link, a device or a folder inside is skipped.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import course_config
from autograder.reports import write_atomic

MAX_INBOUND = 100_000
"""Entries read from the inbound in one look (a class of hundreds submits a few thousand)."""
MAX_FILES = 50
"""Files copied from one submission folder: the notebook, its saved models, nbgrader's two."""
SECRET_BYTES = 1024
"""nbgrader writes a secret of 128 hexadecimal digits."""
SECRET = re.compile(r"[0-9A-Za-z]{16,1000}")
NAME = re.compile(r"[^\x00-\x1f\x7f/+*]{1,200}")
"""A student id as nbgrader allows it (no '+' or '*'), printable and bounded."""


@dataclass(frozen=True)
class Inbound:
    """One submission folder of the exchange's inbound."""

    name: str
    """The folder's name: nbgrader's `<student>+<assignment>+<timestamp>[+<random>]`."""
    student: str
    assignment: str
    arrived: float
    """When the folder last changed (its ctime, which its owner cannot set back): the queue's
    order, since the timestamp in the name is the student's own."""
    owner: str | None
    """The account owning the folder (None: an id with no account)."""

    def path(self, exchange: Path, course: str = course_config.COURSE_ID) -> Path:
        return inbound_dir(exchange, course) / self.name


def inbound_dir(exchange: Path, course: str = course_config.COURSE_ID) -> Path:
    return Path(exchange) / course / "inbound"


def feedback_dir(exchange: Path, course: str = course_config.COURSE_ID) -> Path:
    return Path(exchange) / course / "feedback"


def _owner(uid: int) -> str | None:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def parse_name(name: str) -> tuple[str, str] | None:
    """(student, assignment) of an inbound folder's name, or None if it is not one of this
    course's submissions as nbgrader names them."""
    parts = name.split("+")
    if len(parts) not in (3, 4) or not NAME.fullmatch(parts[0]) or parts[0] in (".", ".."):
        return None
    if parts[1] not in course_config.ASSIGNMENTS:
        return None
    return parts[0], parts[1]


def list_inbound(exchange: Path, course: str = course_config.COURSE_ID) -> list[Inbound]:
    """The submission folders of the inbound, oldest first; other entries are left alone."""
    found = []
    try:
        with os.scandir(inbound_dir(exchange, course)) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_INBOUND:
                    break
                parsed = parse_name(entry.name)
                if parsed is None:
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if not stat.S_ISDIR(info.st_mode):
                    continue  # a link or a file named like a submission
                found.append(Inbound(entry.name, *parsed, arrived=info.st_ctime,
                                     owner=_owner(info.st_uid)))
    except FileNotFoundError:
        return []
    return sorted(found, key=lambda item: (item.arrived, item.name))


def _read_plain(folder: Path, name: str, limit: int) -> bytes | None:
    """The bytes of a plain file `name` directly in `folder` (no link followed), if it holds
    at most `limit` of them."""
    try:
        fd = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return None
        data = file.read(limit + 1)
    return data if len(data) <= limit else None


def secret(folder: Path) -> str | None:
    """The submission secret nbgrader's submit wrote, if the folder holds a plausible one."""
    data = _read_plain(folder, "submission_secret.txt", SECRET_BYTES)
    text = data.decode("ascii", "replace").strip() if data is not None else ""
    return text if SECRET.fullmatch(text) else None


def collect(item: Inbound, exchange: Path, into: Path,
            course: str = course_config.COURSE_ID) -> list[str]:
    """Copy the plain files of a submission folder into `into` (nbgrader's
    submitted/<student>/<assignment>/, replaced whole); return what was left out and why."""
    source = item.path(exchange, course)
    staging = into.with_name(f".{into.name}.collecting")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True, mode=0o700)
    skipped = []
    budget = course_config.DISK_BYTES  # what one sandbox may hold: no submission needs more
    try:
        with os.scandir(source) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_FILES:
                    skipped.append("more files than a submission holds")
                    break
                data = _read_plain(source, entry.name, min(_limit(entry.name), budget))
                if data is None or not NAME.fullmatch(entry.name) or entry.name.startswith("."):
                    skipped.append(f"{entry.name}: not a plain file of a submission's size")
                    continue
                budget -= len(data)
                (staging / entry.name).write_bytes(data)
    except OSError as exc:
        skipped.append(f"the folder could not be read ({exc.strerror})")
    old = into.with_name(f".{into.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if into.exists():
        into.rename(old)
    staging.rename(into)
    shutil.rmtree(old, ignore_errors=True)
    return skipped


def _limit(name: str) -> int:
    if name in ("timestamp.txt", "submission_secret.txt"):
        return SECRET_BYTES
    return course_config.MAX_FILE_BYTES


def release(page: str, secret_text: str, notebook: str, exchange: Path,
            course: str = course_config.COURSE_ID) -> Path:
    """Put a feedback page where `nbgrader fetch_feedback` looks for the submission with this
    secret: nbgrader's own name for it, written atomically, readable by the student's account
    (the folder is not listable, so only the holder of the secret finds it)."""
    from nbgrader.utils import notebook_hash

    folder = feedback_dir(exchange, course)
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o711)  # as release_feedback makes it: others may enter, not list
    path = folder / f"{notebook_hash(secret=secret_text, notebook_id=Path(notebook).stem)}.html"
    write_atomic(path, page)
    path.chmod(0o644)
    return path
