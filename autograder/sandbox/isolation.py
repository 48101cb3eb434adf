"""Operating-system isolation of the sandbox process (Linux, when the grader runs as root).

The worker calls `isolate()` before it starts the student's kernel: a private mount namespace in
which the course's secrets (hidden checks, sources, solutions, other submissions, the grade store)
are covered by empty read-only file systems and `/tmp`, `/dev/shm` and `/proc` are the sandbox's
own, a network namespace with no interfaces up, a PID namespace, and then an unprivileged user
of its own, leased from a reserved range (`UserLease`) so that no two sandboxes, even of two
grading runs, share one. Without root, none of this is possible; the worker says so in its
status and grading goes on with the resource limits alone.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import psutil

_PR_SET_CHILD_SUBREAPER = 36
_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWPID = 0x20000000
_CLONE_NEWIPC = 0x08000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_BIND, _MS_REC, _MS_PRIVATE = 4096, 16384, 1 << 18
_O_PATH = getattr(os, "O_PATH", 0o10000000)
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
"""World-writable folders: each sandbox gets empty ones of its own, gone when it ends."""


def available() -> bool:
    """Whether this process can isolate its children (root on Linux)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0 and os.uname().sysname == "Linux"


def become_subreaper() -> None:
    """Adopt orphaned descendants, so a process the student detaches can still be found and
    killed."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: fall back to the process tree
        pass


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _blocked_ancestors(paths: list[str]) -> dict[Path, set[str]]:
    """Folders on the way to `paths` that others may not enter, with the children needed below."""
    blocked: dict[Path, set[str]] = {}
    for path in paths:
        parts = Path(path).resolve().parts
        for depth in range(1, len(parts) - 1):
            ancestor = Path(*parts[: depth + 1])
            if not os.stat(ancestor).st_mode & 0o001:
                blocked.setdefault(ancestor, set()).add(parts[depth + 1])
                break
    return blocked


def _open_the_way(libc: ctypes.CDLL, needed: list[str], staging: Path) -> None:
    """Let the sandbox user reach `needed` (Python itself, say, under /root) and nothing beside:
    each closed folder on the way is covered by an enterable empty one, into which only the
    needed children are bound back."""
    for number, (ancestor, children) in enumerate(_blocked_ancestors(needed).items()):
        stage = staging / f"way{number}"
        stage.mkdir(mode=0o700)
        _check(libc.mount(os.fsencode(ancestor), os.fsencode(stage), None, _MS_BIND, None),
               f"stage {ancestor}")
        _check(libc.mount(b"tmpfs", os.fsencode(ancestor), b"tmpfs", _MS_NOSUID | _MS_NODEV,
                          b"size=4k,mode=0711"), f"cover {ancestor}")
        for child in sorted(children):
            (ancestor / child).mkdir()
            _check(libc.mount(os.fsencode(stage / child), os.fsencode(ancestor / child), None,
                              _MS_BIND | _MS_REC, None), f"bind {ancestor / child}")


def _mount(libc: ctypes.CDLL, source: str, target: str, fstype: str | None, flags: int,
           data: str | None, what: str) -> None:
    _check(libc.mount(os.fsencode(source), os.fsencode(target),
                      None if fstype is None else os.fsencode(fstype), flags,
                      None if data is None else os.fsencode(data)), what)


def _cover_keeping(libc: ctypes.CDLL, folder: Path, keep: list[Path], mode: str) -> None:
    """Cover `folder` with an empty tmpfs, then bind each path of `keep` (inside it) back where
    it was: of everything under `folder`, only those stay visible."""
    keep = [path for path in keep  # a path inside another kept one comes back with it
            if not any(path != other and path.is_relative_to(other) for other in keep)]
    handles = {path: os.open(path, os.O_RDONLY | _O_PATH) for path in sorted(set(keep))}
    try:
        _mount(libc, "tmpfs", str(folder), "tmpfs", _MS_NOSUID | _MS_NODEV,
               f"size=64m,mode={mode}", f"cover {folder}")
        for path, handle in handles.items():
            for part in reversed(path.parents):
                if part.is_relative_to(folder) and part != folder and not part.exists():
                    part.mkdir()
                    part.chmod(0o711)  # enterable by the sandbox's user, not listable
            if os.path.isdir(f"/proc/self/fd/{handle}"):
                path.mkdir()
            else:
                path.touch()
            _mount(libc, f"/proc/self/fd/{handle}", str(path), None, _MS_BIND | _MS_REC, None,
                   f"keep {path}")
    finally:
        for handle in handles.values():
            os.close(handle)


def isolate(hidden: list[str], needed: list[str], staging: Path, box: Path, uid: int) -> None:
    """Hide `hidden` folders, give the sandbox its own scratch folders and `/proc`, cut the
    network and become `uid`, for good.

    Returns in a forked child (PID 1 of a new PID namespace); the caller's process waits for it
    and exits with its status.

    `needed` are folders the sandbox must still read (Python, its packages); `staging` is a
    private folder for the mounts that make them reachable; `box` is the sandbox's own folder
    (its notebook, its control files), the only one of the grading run's folders it keeps.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    # A new PID namespace for the kernel this process starts next: it cannot see or signal the
    # grader or other sandboxes, and when it ends every process it left behind ends too.
    # Its own System V IPC too: no shared memory segment or queue is common to two sandboxes.
    _check(libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWPID | _CLONE_NEWIPC),
           "unshare")
    child = os.fork()
    if child:  # the first child is the namespace's init; this process only waits for it
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    # As the namespace's init, only signals with a handler reach this process from inside it:
    # the student's code must not interrupt the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _mount(libc, "none", "/", None, _MS_REC | _MS_PRIVATE, None, "mount private")
    _open_the_way(libc, needed, staging)
    for folder in sorted(set(hidden)):
        if Path(folder).is_dir():
            _mount(libc, "tmpfs", folder, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV,
                   "size=4k,mode=0555", f"hide {folder}")
    box = box.resolve()
    reachable = [box, *(Path(path).resolve() for path in needed)]
    kept = False
    for folder in SCRATCH:
        path = Path(folder)
        if not path.is_dir() or path.is_symlink():
            continue
        root = path.resolve()
        inside = [p for p in reachable if p.is_relative_to(root) and p != root]
        if inside:  # the grader's folders, or Python itself, live there: keep just those
            _cover_keeping(libc, root, inside, "1777")
            kept = kept or box in inside
        else:
            _mount(libc, "tmpfs", folder, "tmpfs", _MS_NOSUID | _MS_NODEV,
                   "size=256m,mode=1777", f"scratch {folder}")
    if not kept:  # the grading run's folder is elsewhere: hide the other sandboxes' boxes
        _cover_keeping(libc, box.parent, [box], "0711")
    # A /proc of this PID namespace: no other process of the machine is listed in it.
    _mount(libc, "proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None,
           "mount /proc")
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def hand_over(uid: int | None, *paths: Path) -> None:
    """Give the sandbox's user the folders it must write (its working and control folders)."""
    if uid is None:
        return
    for path in paths:
        for root, dirs, files in os.walk(path):
            os.chown(root, uid, uid)
            for name in files:
                os.chown(os.path.join(root, name), uid, uid)


class UserLease:
    """An unprivileged user of the reserved range, held by one sandbox at a time.

    A lock file per user id (under a folder only root can enter) makes the lease exclusive
    across every grading process on the machine; on release, any process still running as the
    user is killed, so nothing of one sandbox meets the next that leases its user.
    """

    def __init__(self, uids: range, lock_dir: Path) -> None:
        self.uids, self.lock_dir = uids, Path(lock_dir)
        self.uid: int | None = None
        self._handle: int | None = None

    def __enter__(self) -> int:
        self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.lock_dir, 0o700)
        while True:
            for uid in self.uids:
                handle = os.open(self.lock_dir / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(handle)
                    continue
                self.uid, self._handle = uid, handle
                kill_user(uid)  # a leftover of a grader that was killed outright
                return uid
            time.sleep(0.5)  # every user is taken: more sandboxes than the range

    def __exit__(self, *exc: object) -> None:
        if self.uid is not None:
            kill_user(self.uid)
        if self._handle is not None:
            os.close(self._handle)
        self.uid = self._handle = None


def leased(uid: int, lock_dir: Path) -> bool:
    """Whether a sandbox (of any grading process on the machine) holds `uid` now."""
    path = Path(lock_dir) / f"uid-{uid}.lock"
    if not path.is_file():
        return False
    handle = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)  # closing drops the lock if this call took it
    return False


def stray_processes(uids: range, lock_dir: Path) -> list[psutil.Process]:
    """Processes running as a sandbox user that no sandbox holds: left behind by one."""
    found = [p for p in psutil.process_iter(["uids"])
             if p.info["uids"] is not None and p.info["uids"].real in uids]
    return [p for p in found if not leased(p.info["uids"].real, lock_dir)]


def kill_until_gone(find: Callable[[], list[psutil.Process]]) -> None:
    """Kill the processes `find` lists, again while it lists any (a dying parent can leave a
    child it had just started)."""
    for _ in range(3):
        victims = find()
        if not victims:
            return
        for victim in victims:
            try:
                victim.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(victims, timeout=5)


def kill_user(uid: int) -> None:
    """Kill every process running as `uid`."""
    kill_until_gone(lambda: [
        p for p in psutil.process_iter(["uids"])
        if p.info["uids"] is not None and uid in (p.info["uids"].real, p.info["uids"].effective)])
