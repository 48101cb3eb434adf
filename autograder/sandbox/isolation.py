"""Operating-system isolation of the sandbox process (Linux, when the grader runs as root).

The worker calls `isolate()` before it starts the student's kernel: a private mount namespace
whose root is a new file system holding only what the sandbox needs (the machine's system
folders and Python, read-only, and its own box, which is a size-limited file system of its own,
`mount_quota`), a fresh `/proc`, a network namespace with no interfaces up, a PID namespace, and
then an unprivileged user of its own, leased from a reserved range (`UserLease`) so that no two
sandboxes, even of two grading runs, share one. Without root, none of this is possible; the
worker says so in its status and grading goes on with the resource limits alone.
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
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(os.uname().machine, 155)
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


SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")
"""What every sandbox sees of the machine, read-only, besides Python and its own box."""
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
_MS_REMOUNT = 32
_MNT_DETACH = 2


def _bind(libc: ctypes.CDLL, source: Path, target: Path, writable: bool,
          recursive: bool = True) -> None:
    """Bind `source` (a folder or a file) at `target`, read-only unless `writable`."""
    _make_way(target if source.is_dir() else target.parent)
    if not source.is_dir():
        target.touch()
    _mount(libc, str(source), str(target), None, _MS_BIND | (_MS_REC if recursive else 0), None,
           f"bind {source}")
    if not writable:
        _mount(libc, "none", str(target), None,
               _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV, None,
               f"read-only {source}")


def _make_way(folder: Path) -> None:
    """Create `folder` and the folders above it, each enterable by the sandbox's user (the
    worker's umask would make them root's alone)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
        path.chmod(0o755)


def _allowed(paths: list[Path]) -> list[Path]:
    """`paths` without those inside another of them (bound along with it)."""
    kept: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(other) for other in kept):
            kept.append(path)
    return kept


def isolate(hidden: list[str], needed: list[str], staging: Path, box: Path, uid: int) -> None:
    """Show the sandbox only what it needs, give it its own scratch folders and `/proc`, cut
    the network and become `uid`, for good.

    An allowlist: the process moves into a new root file system holding the machine's system
    folders (`SYSTEM`, read-only), the `needed` folders (Python and its packages, read-only),
    a few devices, a fresh `/proc`, and its `box` (its notebook and control files, the only
    writable folder; `/tmp`, `/var/tmp`, `/dev/shm` and `/run/lock` are folders of the box, so
    one size-limited file system holds all it can write). Nothing else of the machine, the
    course, the grading run or other sandboxes exists there. `hidden` folders that fall inside
    what it sees (the course, say, around a virtual environment in `needed`) are covered too,
    keeping only the `needed` folders inside them.

    Returns in a forked child (PID 1 of a new PID namespace); the caller's process waits for it
    and exits with its status. `staging` is a private folder of the box for the new root.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    cwd = os.getcwd()
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
    box = box.resolve()
    root = staging / "root"
    _make_way(root)
    _mount(libc, "tmpfs", str(root), "tmpfs", _MS_NOSUID | _MS_NODEV, "size=1m,mode=0755",
           "new root")
    inside = lambda path: root / Path(path).relative_to("/")  # noqa: E731
    for folder in SYSTEM:
        path = Path(folder)
        if path.is_symlink():  # /bin -> usr/bin, on a merged /usr
            os.symlink(os.readlink(path), inside(path))
        elif path.exists():
            _bind(libc, path, inside(path), writable=False)
    system = [Path(folder).resolve() for folder in SYSTEM]
    secret = [Path(folder).resolve() for folder in hidden]
    # A needed folder that holds a secret one (the course root on the path) is not shown.
    python = _allowed([path for path in [*(Path(p).absolute() for p in needed),
                                         *(Path(os.path.realpath(p)) for p in needed)]
                       if not any(folder.is_relative_to(path) for folder in secret)])
    for path in python:
        if not any(path.is_relative_to(folder) for folder in system):
            _bind(libc, path, inside(path), writable=False)
    devices = inside("/dev")
    _make_way(devices)
    _mount(libc, "tmpfs", str(devices), "tmpfs", _MS_NOSUID, "size=64k,mode=0755", "/dev")
    for name in DEVICES:
        if Path("/dev", name).exists():
            _bind(libc, Path("/dev", name), devices / name, writable=True)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, devices / name)
    scratch = box / "scratch"
    for folder in SCRATCH:
        own = scratch / folder.strip("/").replace("/", "-")
        own.mkdir(parents=True, mode=0o1777, exist_ok=True)
        own.chmod(0o1777)
        _bind(libc, own, inside(folder), writable=True)
    # After the scratch folders: the box may live under /tmp. Not recursive: the new root
    # itself is mounted inside the box (in its staging folder).
    _bind(libc, box, inside(box), writable=True, recursive=False)
    for folder in sorted(set(hidden)):
        target = inside(Path(folder).resolve())
        if target.is_dir():
            keep = [inside(path) for path in python if path.is_relative_to(Path(folder).resolve())]
            _cover_keeping(libc, target, keep, "0755")
    proc = inside("/proc")
    _make_way(proc)
    # A /proc of this PID namespace: no other process of the machine is listed in it.
    _mount(libc, "proc", str(proc), "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, None,
           "mount /proc")
    old = root / ".old-root"
    old.mkdir(mode=0o700)
    _check(libc.syscall(_SYS_PIVOT_ROOT, os.fsencode(str(root)), os.fsencode(str(old))),
           "pivot_root")
    os.chdir("/")
    _check(libc.umount2(b"/.old-root", _MNT_DETACH), "detach the old root")
    os.rmdir("/.old-root")
    _mount(libc, "none", "/", None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV,
           None, "read-only root")
    os.chdir(cwd)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def mount_quota(box: Path, size: int) -> None:
    """Make `box` a file system of its own, `size` bytes at most: everything a sandbox can
    write (its folder, its home, its /tmp) lives there, so a notebook that fills it fills only
    its own (the kernel enforces the size; the memory behind it is used only as it is written)."""
    libc = ctypes.CDLL(None, use_errno=True)
    _mount(libc, "tmpfs", str(box), "tmpfs", _MS_NOSUID | _MS_NODEV,
           f"size={int(size)},nr_inodes=100000,mode=0700", f"quota {box}")


def release_quota(box: Path) -> None:
    """Unmount a box's file system (lazily: a process still inside cannot keep it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.umount2(os.fsencode(str(box)), _MNT_DETACH) != 0:
        errno = ctypes.get_errno()
        if errno not in (22, 2):  # EINVAL: not a mount point; ENOENT: gone
            raise OSError(errno, f"release {box}: {os.strerror(errno)}")


def release_stale_quotas(base: Path, prefix: str) -> None:
    """Unmount the box file systems that a grading process killed outright left behind:
    under `base`/`prefix`<pid>-..., for a pid that no longer runs."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return
    start = f"{base.resolve()}/{prefix}"
    for line in lines:
        point = line.split()[4].encode().decode("unicode_escape")
        if not point.startswith(start):
            continue
        pid = point[len(start):].split("-", 1)[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            release_quota(Path(point))


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
