"""Run nbgrader as another OS account: `python tests/as_account.py USER ARGS...` (as root).

The kit's Python lives where only root may read, so the account cannot start it itself: this
starts as root, imports nbgrader whole, then becomes the account (its uid, gid and no other
groups, its home, an empty environment) before nbgrader reads or writes anything. What nbgrader
then does, it does with the account's own permissions, as a student's `nbgrader submit` would.
"""

import importlib
import os
import pkgutil
import pwd
import sys

import nbgrader

for module in pkgutil.walk_packages(nbgrader.__path__, "nbgrader."):
    if ".tests" in module.name or module.name.endswith("__main__"):
        continue
    try:
        importlib.import_module(module.name)
    except Exception:  # optional parts (a server extension without its server): not needed
        pass

from nbgrader.apps.nbgraderapp import NbGraderApp  # noqa: E402

account = pwd.getpwnam(sys.argv[1])
os.setgroups([])
os.setgid(account.pw_gid)
os.setuid(account.pw_uid)
os.environ.clear()
os.environ.update(HOME=account.pw_dir, USER=account.pw_name, LOGNAME=account.pw_name,
                  PATH="/usr/bin:/bin")
os.chdir(account.pw_dir)
sys.argv = ["nbgrader", *sys.argv[2:]]
NbGraderApp.launch_instance()
