#!/usr/bin/env bash
# Prepare a fresh Debian/Ubuntu/Raspberry Pi OS machine: system libraries, uv, and the
# locked Python environment in .venv. Safe to run repeatedly; does nothing when all is present.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"
TOOLS_DIR=".tools"

say() { printf 'bootstrap: %s\n' "$*" >&2; }

PY="$(command -v python3.11 || command -v python3 || true)"
if [ -z "$PY" ] || ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    say "Python 3.11 or newer is required (Debian 12 / Raspberry Pi OS bookworm ship it as python3)"
    exit 1
fi

need_apt=()
# ldconfig lives in /sbin, which is not on every user's PATH
if ! { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep 'libzbar\.so\.0' >/dev/null; then  # not -q: an early exit + pipefail reads as failure
    need_apt+=(libzbar0)
fi
if ! command -v uv >/dev/null 2>&1 && [ ! -x "$TOOLS_DIR/bin/uv" ] && ! "$PY" -c 'import ensurepip' 2>/dev/null; then
    need_apt+=(python3-venv)  # Debian splits venv/ensurepip out of python3
fi
# `make test` verifies deploy/'s systemd units with `systemd-analyze verify` (package systemd,
# which works without systemd running, e.g. in a container): present on Debian, Ubuntu and
# Raspberry Pi OS installs, missing from containers and minimal images such as CI machines.
if ! command -v systemd-analyze >/dev/null 2>&1 && [ ! -x /usr/bin/systemd-analyze ]; then
    need_apt+=(systemd)
fi
if [ "${#need_apt[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        say "missing system packages: ${need_apt[*]} and no sudo; run as root: apt-get install ${need_apt[*]}"
        exit 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        say "missing system packages: ${need_apt[*]}; install them with your package manager"
        exit 1
    fi
    say "installing system packages: ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if command -v uv >/dev/null 2>&1; then
    UV="$(command -v uv)"
elif [ -x "$TOOLS_DIR/bin/uv" ]; then
    UV="$TOOLS_DIR/bin/uv"
else
    say "installing uv $UV_VERSION into $TOOLS_DIR"
    "$PY" -m venv "$TOOLS_DIR"
    "$TOOLS_DIR/bin/pip" install -q "uv==$UV_VERSION"
    UV="$TOOLS_DIR/bin/uv"
fi

# --compile-bytecode: installed code starts from .pyc, as a pip-installed Pi does; without it
# every start compiles Textual from source where bytecode cannot be written (measured: the
# kiosk's first screen 0.8 s instead of 1.3 s on the project machine; see `make bench`).
# The longest step of a first run (75-110 s measured on emulated arm64, silent with -q): say so, and
# on a terminal let uv show its progress bars; a log (CI) gets the two lines and uv's errors.
quiet=(-q)
[ -t 2 ] && quiet=()
say "installing the locked Python packages into .venv (uv.lock; the first time takes a minute or two)"
started=$SECONDS
UV_PYTHON_DOWNLOADS=never "$UV" sync --frozen --compile-bytecode --python "$PY" "${quiet[@]}"
say "Python packages ready in $((SECONDS - started)) s"
