"""Operating-system isolation of the sandbox process (Linux, when the grader runs as root).

The worker calls `isolate()` before it starts the student's kernel: a private mount namespace in
which the course's secrets (hidden checks, sources, solutions, other submissions, the grade store)
are covered by empty read-only file systems, a network namespace with no interfaces up, a PID
namespace, and then an unprivileged user. Without root, none of this is possible; the worker says so in its status
and grading goes on with the resource limits alone.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

SANDBOX_UID = 65534  # nobody
SANDBOX_GID = 65534  # nogroup
_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_CLONE_NEWPID = 0x20000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 2, 4, 4096, 16384, 1 << 18


def available() -> bool:
    """Whether this process can isolate its children (root on Linux)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0 and os.uname().sysname == "Linux"


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


def isolate(hidden: list[str], needed: list[str], staging: Path) -> None:
    """Hide `hidden` folders, cut the network and drop to the sandbox user, for good.

    Returns in a forked child (PID 1 of a new PID namespace); the caller's process waits for it
    and exits with its status.

    `needed` are folders the sandbox must still read (Python, its packages); `staging` is a
    private folder for the mounts that make them reachable.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    # A new PID namespace for the kernel this process starts next: it cannot signal the
    # grader or other sandboxes, and when it ends every process it left behind ends too.
    _check(libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET | _CLONE_NEWPID), "unshare")
    child = os.fork()
    if child:  # the first child is the namespace's init; this process only waits for it
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    _check(libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None), "mount private")
    _open_the_way(libc, needed, staging)
    for folder in sorted(set(hidden)):
        if Path(folder).is_dir():
            _check(libc.mount(b"tmpfs", os.fsencode(folder), b"tmpfs",
                              _MS_RDONLY | _MS_NOSUID | _MS_NODEV, b"size=4k,mode=0555"),
                   f"hide {folder}")
    os.setgroups([])
    os.setgid(SANDBOX_GID)
    os.setuid(SANDBOX_UID)


def hand_over(*paths: Path) -> None:
    """Give the sandbox user the folders it must write (its working and control folders)."""
    if not available():
        return
    for path in paths:
        for root, dirs, files in os.walk(path):
            os.chown(root, SANDBOX_UID, SANDBOX_GID)
            for name in files:
                os.chown(os.path.join(root, name), SANDBOX_UID, SANDBOX_GID)
