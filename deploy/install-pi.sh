#!/bin/bash
# Install furusato-kiosk as a boot-to-kiosk appliance on Raspberry Pi OS 64-bit (Bookworm).
#
#   sudo deploy/install-pi.sh                 # install from this source tree
#   sudo deploy/install-pi.sh --wheel FILE    # install this built wheel of the kiosk instead
#   deploy/install-pi.sh --dry-run            # print every step, change nothing (no root)
#
# What it does (idempotent; safe to run again after an update):
#   1. apt: python3-venv, libzbar0 (pyzbar), cage + foot (Wayland kiosk screen),
#      fonts-noto-cjk (Japanese), sqlite3 (recovery), alsa-utils (sounds)
#   2. a system user `furusato-kiosk` in groups video, input, render, audio
#   3. folders with owner-only permissions:
#        /etc/furusato-kiosk               root        0755  config, jwks, foot.ini
#        /etc/furusato-kiosk/credentials   root        0700  secrets (root-only)
#        /var/lib/furusato-kiosk           kiosk user  0700  database
#        /var/lib/furusato-kiosk/credentials kiosk user 0700 (service-side secret store)
#        /var/log/furusato-kiosk           kiosk user  0750  logs
#   4. a virtualenv in /opt/furusato-kiosk with exactly the versions locked in uv.lock
#      (`uv export --frozen`, installed with their hashes) and the kiosk's own wheel
#      (`uv build`); nothing is resolved afresh, so the Pi runs what `make test` tested
#   5. the session script, foot.ini, systemd units; tty1 belongs to the kiosk from now on
# Then: edit /etc/furusato-kiosk/kiosk.toml and provision (printed at the end).
set -euo pipefail

PREFIX=/opt/furusato-kiosk
USER_NAME=furusato-kiosk
ETC=/etc/furusato-kiosk
STATE=/var/lib/furusato-kiosk
LOGS=/var/log/furusato-kiosk
LIBEXEC=/usr/lib/furusato-kiosk
UNITS=/etc/systemd/system
UV_VERSION="0.13.9"  # the same uv as scripts/bootstrap.sh (a test keeps them equal)
UV_TOOLS=/var/cache/furusato-kiosk/uv  # where uv is installed when this machine has none
APT_PACKAGES=(python3 python3-venv libzbar0 cage foot fonts-noto-cjk sqlite3 alsa-utils)
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WHEEL=""
DRY_RUN=0
ARCH="$(uname -m)"

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --wheel) WHEEL="$2"; shift ;;
        --arch) ARCH="$2"; shift ;;  # for tests of the dry run on other machines
        -h|--help) usage; exit 0 ;;
        *) echo "install-pi: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

run() {
    if [[ $DRY_RUN -eq 1 ]]; then
        printf '+'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

step() { printf '\n== %s\n' "$*"; }

if [[ "$ARCH" != "aarch64" ]]; then
    echo "install-pi: this is $ARCH; use Raspberry Pi OS 64-bit (aarch64): wheels for" \
         "opencv-python-headless and zxing-cpp exist only there (armv7l builds take hours)" >&2
    exit 2
fi
if [[ $DRY_RUN -eq 0 && $EUID -ne 0 ]]; then
    echo "install-pi: run as root (sudo), or with --dry-run to see the steps" >&2
    exit 2
fi

step "1. system packages"
run apt-get update
run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"

step "2. service user"
if ! id -u "$USER_NAME" >/dev/null 2>&1 || [[ $DRY_RUN -eq 1 ]]; then
    run useradd --system --user-group --home-dir "$STATE" --no-create-home \
        --shell /usr/sbin/nologin --groups video,input,render,audio "$USER_NAME"
fi

step "3. folders and permissions"
run install -d -o root -g root -m 0755 "$ETC"
run install -d -o root -g root -m 0700 "$ETC/credentials"
run install -d -o "$USER_NAME" -g "$USER_NAME" -m 0700 "$STATE"
run install -d -o "$USER_NAME" -g "$USER_NAME" -m 0700 "$STATE/credentials"
run install -d -o "$USER_NAME" -g "$USER_NAME" -m 0750 "$LOGS"

step "4. the kiosk software in $PREFIX (the versions locked in uv.lock)"
# uv: the one on PATH, the source tree's (scripts/bootstrap.sh), or a pinned one installed now
if command -v uv >/dev/null 2>&1; then
    UV="$(command -v uv)"
elif [[ -x "$SOURCE/.tools/bin/uv" ]]; then
    UV="$SOURCE/.tools/bin/uv"
else
    UV="$UV_TOOLS/bin/uv"
    if [[ ! -x "$UV" || $DRY_RUN -eq 1 ]]; then
        run python3 -m venv "$UV_TOOLS"
        run "$UV_TOOLS/bin/pip" install --quiet "uv==$UV_VERSION"
    fi
fi
# the system Python, never a downloaded one; copies, not links into root's uv cache
export UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy
LOCKED="$PREFIX/requirements.lock.txt"
run "$UV" venv --allow-existing --python /usr/bin/python3 "$PREFIX"
run "$UV" export --project "$SOURCE" --frozen --no-dev --no-emit-project \
    --format requirements-txt --quiet --output-file "$LOCKED"
# exactly the locked set, each file checked against its hash; anything else is removed
run "$UV" pip sync --python "$PREFIX/bin/python" --require-hashes --compile-bytecode "$LOCKED"
if [[ -z "$WHEEL" ]]; then
    BUILD_DIR=/tmp/furusato-kiosk-build.XXXXXXXX  # a placeholder in a dry run
    if [[ $DRY_RUN -eq 0 ]]; then
        BUILD_DIR="$(mktemp -d /tmp/furusato-kiosk-build.XXXXXXXX)"
        trap 'rm -rf "$BUILD_DIR"' EXIT
    fi
    run "$UV" build --wheel --quiet --out-dir "$BUILD_DIR" "$SOURCE"
    WHEEL="$BUILD_DIR/furusato_kiosk-*.whl"
    if [[ $DRY_RUN -eq 0 ]]; then
        WHEEL="$(echo "$BUILD_DIR"/furusato_kiosk-*.whl)"
    fi
fi
# its dependencies are the locked ones already there; `pip check` proves nothing is missing
run "$UV" pip install --python "$PREFIX/bin/python" --no-deps --reinstall --compile-bytecode \
    "$WHEEL"
run "$UV" pip check --python "$PREFIX/bin/python"
run ln -sf "$PREFIX/bin/kiosk" /usr/local/bin/kiosk

step "5. kiosk session and systemd units"
run install -d -m 0755 "$LIBEXEC"
run install -m 0755 "$SOURCE/deploy/kiosk-session.sh" "$LIBEXEC/kiosk-session"
run install -m 0644 "$SOURCE/deploy/foot.ini" "$ETC/foot.ini"
for unit in furusato-kiosk.service furusato-kiosk-purge.service furusato-kiosk-purge.timer; do
    run install -m 0644 "$SOURCE/deploy/$unit" "$UNITS/$unit"
done
if [[ ! -e "$ETC/kiosk.toml" || $DRY_RUN -eq 1 ]]; then
    run install -m 0644 "$SOURCE/config/examples/pi-beach-cleanup.toml" "$ETC/kiosk.toml"
fi
# daemon-reload needs a running systemd; in a chroot or an image build the units load at boot
if [[ -d /run/systemd/system || $DRY_RUN -eq 1 ]]; then
    run systemctl daemon-reload
else
    echo "systemd is not running here (a chroot or an image build): the units load at boot"
fi
run systemctl disable getty@tty1.service
run systemctl set-default graphical.target
run systemctl enable furusato-kiosk.service furusato-kiosk-purge.timer

cat <<NEXT

furusato-kiosk is installed. Next, on this Pi:
  1. edit $ETC/kiosk.toml (device id/name, municipality, activity, api url)
     and put the municipality's trust list at $ETC/jwks.json (or let provisioning fetch it)
  2. provision (secrets go to the root-only $ETC/credentials/credentials.json):
       sudo KIOSK_CREDENTIALS_DIR=$ETC/credentials KIOSK_ENROLLMENT_TOKEN=fke_... \\
            kiosk provision $ETC/kiosk.toml        # asks for the coordinator PIN twice
     (a fleet file: kiosk provision fleet.toml --device ID --write-config $ETC/kiosk.toml)
  3. sudo KIOSK_CREDENTIALS_DIR=$ETC/credentials kiosk doctor --config $ETC/kiosk.toml
  4. sudo systemctl start furusato-kiosk   (or reboot: the Pi boots into the kiosk)
NEXT
