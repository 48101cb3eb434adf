"""JupyterHub for the course on one machine: local OS accounts, one students' environment.

Started by `deploy/setup.sh --start` (or `$PREFIX/venv/bin/jupyterhub -f deploy/jupyterhub_config.py`,
as root, after `deploy/setup.sh`). Who may log in: the members of two OS groups, students and
instructors; each logs in with their own account's password (PAM) and gets their own JupyterLab
server, running as that account in its home. Instructors' servers also read the settings under
`$PREFIX/etc/instructor` (formgrader, Create Assignment, the course folder); students' do not.

Environment (the defaults are those of setup.sh):
  RNNKIT_HUB_PREFIX      where setup.sh installed the environment and the proxy (/opt/rnn-course)
  RNNKIT_HUB_STATE       the hub's database and cookie secret ($PREFIX/hub)
  RNNKIT_HUB_BIND        the address the hub serves (http://:8000)
  RNNKIT_HUB_API         the proxy's API, internal (http://127.0.0.1:8001)
  RNNKIT_HUB_INTERNAL    the hub itself behind the proxy, internal (http://127.0.0.1:8081)
  RNNKIT_STUDENTS_GROUP  OS group of the students (rnn-students)
  RNNKIT_INSTRUCTORS_GROUP  OS group of the instructors (rnn-instructors)
  RNNKIT_WATCH           1: the hub also runs the grading service (python -m autograder watch)
                         from this checkout's .venv, on RNNKIT_COURSE_DIR (the checkout)
"""

import grp
import os
import pwd

c = get_config()  # noqa: F821

PREFIX = os.environ.get("RNNKIT_HUB_PREFIX", "/opt/rnn-course")
STATE = os.environ.get("RNNKIT_HUB_STATE", os.path.join(PREFIX, "hub"))
STUDENTS = os.environ.get("RNNKIT_STUDENTS_GROUP", "rnn-students")
INSTRUCTORS = os.environ.get("RNNKIT_INSTRUCTORS_GROUP", "rnn-instructors")
VENV_BIN = os.path.join(PREFIX, "venv", "bin")

c.JupyterHub.bind_url = os.environ.get("RNNKIT_HUB_BIND", "http://:8000")
c.JupyterHub.hub_bind_url = os.environ.get("RNNKIT_HUB_INTERNAL", "http://127.0.0.1:8081")
c.ConfigurableHTTPProxy.api_url = os.environ.get("RNNKIT_HUB_API", "http://127.0.0.1:8001")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(STATE, "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [
    os.path.join(PREFIX, "proxy", "node_modules", ".bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "jupyterhub-proxy.pid")

# Local accounts: the password of the OS account, and only members of the course's groups.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {STUDENTS, INSTRUCTORS}
# Nobody is a hub admin: an admin could open every student's server.

# Each account's server runs as that account (the hub runs as root), from the students'
# environment, in the account's home, where nbgrader fetches assignments.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(VENV_BIN, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
    # TensorFlow's start-up chatter in every kernel's stderr helps nobody.
    "TF_CPP_MIN_LOG_LEVEL": "2",
}
# A first start imports JupyterLab and nbgrader's extensions: slow on a busy machine.
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 180


def in_group(user: str, group: str) -> bool:
    """Whether OS account `user` belongs to `group` (as its primary group or a member)."""
    try:
        entry = grp.getgrnam(group)
        return user in entry.gr_mem or pwd.getpwnam(user).pw_gid == entry.gr_gid
    except KeyError:
        return False


def instructor_settings(spawner) -> None:
    """Instructors' servers read $PREFIX/etc/instructor before the environment's own settings,
    which turn formgrader and Create Assignment off."""
    if in_group(spawner.user.name, INSTRUCTORS):
        spawner.environment["JUPYTER_CONFIG_PATH"] = os.path.join(PREFIX, "etc", "instructor")


c.Spawner.pre_spawn_hook = instructor_settings


# The grading service as a hub-managed service: the hub starts it with itself (as root, which
# the sandboxes' accounts need) and restarts it if it stops. Its progress lines go to the
# hub's log. The alternative is the systemd unit setup.sh writes.
if os.environ.get("RNNKIT_WATCH") == "1":
    KIT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    COURSE_DIR = os.environ.get("RNNKIT_COURSE_DIR", KIT)
    c.JupyterHub.services = [{
        "name": "autograder",
        "command": [os.path.join(KIT, ".venv", "bin", "python"), "-m", "autograder", "watch",
                    "--course", COURSE_DIR,
                    "--db", "sqlite:///" + os.path.join(COURSE_DIR, "gradebook.db")],
        "cwd": KIT,
        "environment": {"RNNKIT_EXCHANGE": os.environ.get("RNNKIT_EXCHANGE",
                                                          "/srv/nbgrader/exchange")},
    }]
