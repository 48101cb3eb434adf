#!/usr/bin/env bash
# The course's JupyterHub on this machine, in one command (as root):
#
#   deploy/setup.sh            install and configure (again: only what changed)
#   deploy/setup.sh --start    the same, then run the hub in the foreground
#
# What it does:
#   - the students' environment, a virtual environment at $PREFIX/venv from
#     requirements-student.txt (minutes the first time; kept while that file is unchanged).
#     The hub runs from it too.
#   - configurable-http-proxy from npm under $PREFIX/proxy (Debian's nodejs and npm if absent).
#   - nbgrader's lab extensions: Assignments and Validate for everybody; formgrader, Create
#     Assignment and Courses turned off in the environment and on again for instructors only
#     ($PREFIX/etc/instructor, which the hub gives instructors' servers).
#   - /etc/jupyter/nbgrader_config.py: the course id and the exchange, from course_config.py.
#   - the exchange folder, and the OS groups whose members may log in.
#
# Settings (environment): RNNKIT_HUB_PREFIX (/opt/rnn-course), RNNKIT_EXCHANGE
# (/srv/nbgrader/exchange, read by course_config.py), RNNKIT_COURSE_DIR (this checkout: the
# course folder formgrader works on), RNNKIT_STUDENTS_GROUP (rnn-students),
# RNNKIT_INSTRUCTORS_GROUP (rnn-instructors), RNNKIT_NBGRADER_CONFIG
# (/etc/jupyter/nbgrader_config.py), RNNKIT_HUB_PYTHON (/usr/bin/python3, a Python 3.11 every
# account can run), RNNKIT_HUB_BIND (http://:8000).
#
# Accounts are ordinary OS accounts in those groups:
#   useradd -m -G rnn-students alice && passwd alice
#   useradd -m -G rnn-instructors prof && passwd prof
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KIT="$(dirname "$HERE")"
PREFIX="${RNNKIT_HUB_PREFIX:-/opt/rnn-course}"
COURSE_DIR="${RNNKIT_COURSE_DIR:-$KIT}"
STUDENTS="${RNNKIT_STUDENTS_GROUP:-rnn-students}"
INSTRUCTORS="${RNNKIT_INSTRUCTORS_GROUP:-rnn-instructors}"
SYSTEM_CONFIG="${RNNKIT_NBGRADER_CONFIG:-/etc/jupyter/nbgrader_config.py}"
PROXY_VERSION=5.3.0
VENV="$PREFIX/venv"
# Every account's server runs this interpreter: it must be one they can all execute (Debian's,
# not one under root's home such as pyenv's).
PYTHON="${RNNKIT_HUB_PYTHON:-/usr/bin/python3}"

if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: run as root (the hub starts each account's server as that account)" >&2
    exit 1
fi
say() { echo "setup.sh: $*"; }

# The course id and the exchange, from the one home of the course's settings.
read -r COURSE_ID EXCHANGE < <(cd "$KIT" && "$PYTHON" -c \
    'import course_config as c; print(c.COURSE_ID, c.EXCHANGE_ROOT)')

# 1. The students' environment. A copy of the requirements it was built from sits inside it:
# when they match (and the interpreter is the same), the (slow) install is skipped.
if ! runuser -u nobody -- "$PYTHON" -c 'import sys, venv; assert sys.version_info[:2] == (3, 11)'
then
    echo "setup.sh: $PYTHON must be a Python 3.11 with venv that every account can run" \
         "(Debian: apt-get install python3-venv; or set RNNKIT_HUB_PYTHON)" >&2
    exit 1
fi
mkdir -p "$PREFIX"
if [ -x "$VENV/bin/jupyterhub-singleuser" ] \
        && [ "$(readlink -f "$VENV/bin/python3")" = "$(readlink -f "$PYTHON")" ] \
        && cmp -s "$KIT/requirements-student.txt" "$VENV/requirements-student.txt"; then
    say "students' environment $VENV is up to date"
else
    say "installing the students' environment into $VENV (takes minutes)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$KIT/requirements-student.txt"
    cp "$KIT/requirements-student.txt" "$VENV/requirements-student.txt"
fi

# 2. The proxy between the browser, the hub and each account's server.
if ! command -v npm >/dev/null; then
    say "installing nodejs and npm"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi
if [ ! -x "$PREFIX/proxy/node_modules/.bin/configurable-http-proxy" ]; then
    say "installing configurable-http-proxy $PROXY_VERSION"
    npm install --silent --no-audit --no-fund --prefix "$PREFIX/proxy" \
        "configurable-http-proxy@$PROXY_VERSION"
fi

# 3. nbgrader's extensions: the instructor's tools off for every server of the environment...
for ext in formgrader create-assignment course-list; do
    "$VENV/bin/jupyter" labextension disable --level=sys_prefix "@jupyter/nbgrader:$ext" \
        >/dev/null 2>&1
done
for ext in formgrader course_list; do
    "$VENV/bin/jupyter" server extension disable --sys-prefix \
        "nbgrader.server_extensions.$ext" >/dev/null 2>&1
done
# ... and on for instructors' servers, which read $PREFIX/etc/instructor first.
mkdir -p "$PREFIX/etc/instructor/labconfig"
cp "$HERE/instructor/labconfig/page_config.json" "$PREFIX/etc/instructor/labconfig/"
cp "$HERE/instructor/jupyter_server_config.json" "$PREFIX/etc/instructor/"
sed "s|@COURSE_DIR@|$COURSE_DIR|" "$HERE/instructor/nbgrader_config.py" \
    > "$PREFIX/etc/instructor/nbgrader_config.py"
chmod -R a+rX "$PREFIX/etc"

# JupyterLab's defaults for everybody: no news or update checks (the class runs offline).
mkdir -p "$VENV/share/jupyter/lab/settings"
cp "$HERE/lab-overrides.json" "$VENV/share/jupyter/lab/settings/overrides.json"

# 4. What every account's nbgrader reads from its own home.
mkdir -p "$(dirname "$SYSTEM_CONFIG")"
(cd "$KIT" && "$PYTHON" - "$HERE/nbgrader_config.py") > "$SYSTEM_CONFIG.tmp" <<'PY'
import sys

import course_config as c

text = open(sys.argv[1]).read()
for name, value in {"COURSE_ID": c.COURSE_ID, "EXCHANGE_ROOT": c.EXCHANGE_ROOT,
                    "CELL_TIMEOUT": c.cell_timeout(None),
                    "TF_STDERR_PATTERN": c.TF_STDERR_PATTERN}.items():
    text = text.replace(f"@{name}@", repr(value))
print(text, end="")
PY
mv "$SYSTEM_CONFIG.tmp" "$SYSTEM_CONFIG"
chmod 0644 "$SYSTEM_CONFIG"

# 5. The exchange (every account writes it; nbgrader sets the modes inside) and the groups.
mkdir -p "$EXCHANGE"
chmod 0777 "$EXCHANGE"
groupadd -f "$STUDENTS"
groupadd -f "$INSTRUCTORS"
mkdir -p "$PREFIX/hub"
chmod 0700 "$PREFIX/hub"

# 6. The grading service's systemd unit, with this checkout's paths (installing it is the
# instructor's choice: the hub can run the service instead, RNNKIT_WATCH=1).
sed -e "s|@KIT@|$KIT|g" -e "s|@COURSE_DIR@|$COURSE_DIR|g" -e "s|@EXCHANGE@|$EXCHANGE|g" \
    "$HERE/rnnkit-watch.service" > "$PREFIX/rnnkit-watch.service"

say "course $COURSE_ID, exchange $EXCHANGE, config $SYSTEM_CONFIG"
say "grading service: $PREFIX/rnnkit-watch.service (systemd), or start the hub with RNNKIT_WATCH=1"
say "start the hub: cd $PREFIX/hub && $VENV/bin/jupyterhub -f $HERE/jupyterhub_config.py"
if [ "${1:-}" = "--start" ]; then
    cd "$PREFIX/hub"
    export RNNKIT_HUB_PREFIX="$PREFIX"
    exec "$VENV/bin/jupyterhub" -f "$HERE/jupyterhub_config.py"
fi
