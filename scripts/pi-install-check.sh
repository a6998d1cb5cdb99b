#!/bin/bash
# Prove the Raspberry Pi install without a Pi: build a Debian bookworm arm64 root with
# debootstrap, run it under qemu-user (binfmt), run the real `deploy/install-pi.sh` in it,
# provision the device offline as docs/operations.md §2 says, then run `kiosk doctor --json`
# as the service user with the service unit's environment. Not part of `make test`: it takes
# tens of minutes under emulation (Python runs ~10-20x slower than native).
#
#   sudo scripts/pi-install-check.sh [--scratch DIR] [--fresh] [--keep] [--base-only]
#
#   --scratch DIR  where the roots live (default /var/tmp/furusato-pi-check); the debootstrap
#                  base is cached there as DIR/base and copied to DIR/root for every run
#   --fresh        debootstrap the base again instead of reusing the cached one
#   --keep         leave DIR/root in place afterwards (to look around: sudo chroot DIR/root)
#   --base-only    build (or check) the cached base and stop
#
# Needs root, network (Debian mirror, PyPI) and a kernel with binfmt_misc. On the host it
# installs debootstrap and qemu-user-static (apt) when missing and registers qemu-aarch64 with
# binfmt when /proc/sys/fs/binfmt_misc/qemu-aarch64 is missing; it changes nothing else outside
# the scratch folder. Exit status 0 when the install passed, the virtualenv is exactly the lock,
# the doctor's checks that need no Pi hardware (config, decoder, keyring, api, database, disk,
# logs, sounds) are all ok, and `kiosk doctor --play` played the three cues through aplay.
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH=/var/tmp/furusato-pi-check
FRESH=0
KEEP=0
BASE_ONLY=0
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
# what Raspberry Pi OS Lite has and a minbase root lacks: systemd (systemctl, the render and
# input groups), and CA certificates
BASE_PACKAGES=(systemd udev ca-certificates)
# checks that must be ok in an emulated root (camera, ntp, terminal need a real Pi and screen)
MUST_PASS=(config decoder keyring api database disk logs sounds)
SERVICE_USER=furusato-kiosk

while [[ $# -gt 0 ]]; do
    case "$1" in
        --scratch) SCRATCH="$2"; shift ;;
        --fresh) FRESH=1 ;;
        --keep) KEEP=1 ;;
        --base-only) BASE_ONLY=1 ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "pi-install-check: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

say() { printf '\n[pi-install-check %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'pi-install-check: %s\n' "$*" >&2; exit 1; }

[[ $EUID -eq 0 ]] || die "run as root (debootstrap, chroot and mounts need it)"
SCRATCH="$(mkdir -p "$SCRATCH" && cd "$SCRATCH" && pwd)"
[[ "$SCRATCH" != / ]] || die "--scratch must not be /"
BASE="$SCRATCH/base"
ROOT="$SCRATCH/root"

mounted_below() { awk -v p="$1/" 'index($2 "/", p) == 1 { print $2 }' /proc/mounts; }

# Never delete a root while something is mounted in it (a bind-mounted /dev would go with it).
remove_root() {
    local dir="$1"
    [[ -e "$dir" ]] || return 0
    if [[ -n "$(mounted_below "$dir")" ]]; then
        die "$dir still has mounts ($(mounted_below "$dir" | tr '\n' ' ')); unmount them first"
    fi
    rm -rf --one-file-system "$dir"
}

MOUNTS=()
TLS_ENV=()
unmount_all() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" || true
    done
    MOUNTS=()
}

bind() {  # bind host path $1 at $2/$1
    mkdir -p "$2$1"
    mount --bind "$1" "$2$1"
    MOUNTS+=("$2$1")
}

enter() {  # run a command inside root $1 with /proc, /sys, /dev bound for the duration
    local root="$1"
    shift
    bind /proc "$root"
    bind /sys "$root"
    bind /dev "$root"
    bind /dev/pts "$root"
    local status=0
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb "${TLS_ENV[@]}" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" || status=$?
    unmount_all
    return "$status"
}

cleanup() {
    unmount_all
    if [[ $KEEP -eq 0 && -d "$ROOT" ]]; then
        remove_root "$ROOT"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# -- host tools and binfmt --------------------------------------------------------------------

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
[[ -x /usr/bin/qemu-aarch64-static ]] || need+=(qemu-user-static)
if [[ ${#need[@]} -gt 0 ]]; then
    say "installing on the host: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    say "registering qemu-aarch64 with binfmt_misc (flag F: the interpreter works in a chroot)"
    if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    fi
    magic='\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
    mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
    printf ':qemu-aarch64:M::%s:%s:/usr/bin/qemu-aarch64-static:F' "$magic" "$mask" \
        >/proc/sys/fs/binfmt_misc/register
fi

# -- the bookworm arm64 base (cached) ---------------------------------------------------------

if [[ $FRESH -eq 1 || ! -e "$BASE/.base-ready" ]]; then
    remove_root "$BASE"
    say "debootstrap --arch=arm64 --variant=minbase $SUITE (second stage runs under qemu)"
    started=$SECONDS
    debootstrap --arch=arm64 --variant=minbase "$SUITE" "$BASE" "$MIRROR"
    # no daemons start inside the root (a chroot has no init to own them)
    printf '#!/bin/sh\nexit 101\n' >"$BASE/usr/sbin/policy-rc.d"
    chmod 0755 "$BASE/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$BASE/etc/resolv.conf"
    enter "$BASE" apt-get update -qq
    enter "$BASE" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${BASE_PACKAGES[@]}"
    enter "$BASE" apt-get clean
    touch "$BASE/.base-ready"
    say "base ready in $((SECONDS - started)) s"
else
    say "reusing the cached base $BASE (--fresh to rebuild it)"
fi

[[ $BASE_ONLY -eq 0 ]] || exit 0

# -- a fresh copy, the source tree, the install -----------------------------------------------

remove_root "$ROOT"
cp -a "$BASE" "$ROOT"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# A TLS-inspecting proxy on this host (its CA in /usr/local/share/ca-certificates): the root
# trusts it too, and pip and uv read the system bundle instead of their built-in ones.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
    enter "$ROOT" update-ca-certificates >/dev/null
    TLS_ENV=(SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt)
    say "the host's own CA certificates are trusted in the root too (TLS-inspecting proxy)"
fi
SRC_IN_ROOT=/usr/src/furusato-kiosk
mkdir -p "$ROOT$SRC_IN_ROOT"
# the files git tracks, as they are in this working tree (uncommitted edits included)
git -C "$SOURCE" ls-files -z | (cd "$SOURCE" && tar --null -T - -cf -) | tar -xf - -C "$ROOT$SRC_IN_ROOT"
say "copied $(git -C "$SOURCE" ls-files | wc -l) tracked files of $SOURCE ($(git -C "$SOURCE" rev-parse --short HEAD)) to $SRC_IN_ROOT"

say "sudo deploy/install-pi.sh (inside the root: $(chroot "$ROOT" uname -m))"
started=$SECONDS
enter "$ROOT" bash "$SRC_IN_ROOT/deploy/install-pi.sh"
INSTALL_SECONDS=$((SECONDS - started))
say "install-pi.sh finished in ${INSTALL_SECONDS} s"

# -- installed = locked -----------------------------------------------------------------------

say "the service virtualenv holds exactly the locked versions (uv pip sync --dry-run)"
# sync computes the difference between the venv and the lock file, markers and all: the only
# change it may want is to remove the kiosk itself (installed from its wheel, not the lock)
enter "$ROOT" /var/cache/furusato-kiosk/uv/bin/uv pip sync --dry-run --offline \
    --python /opt/furusato-kiosk/bin/python --require-hashes \
    /opt/furusato-kiosk/requirements.lock.txt >"$SCRATCH/sync-dry-run.txt" 2>&1
cat "$SCRATCH/sync-dry-run.txt"
if grep -Eq '^ \+ |Would install' "$SCRATCH/sync-dry-run.txt" \
    || [[ "$(grep -c '^ - ' "$SCRATCH/sync-dry-run.txt")" != 1 ]] \
    || ! grep -q '^ - furusato-kiosk==' "$SCRATCH/sync-dry-run.txt"; then
    die "the service virtualenv differs from uv.lock (see above)"
fi

# -- provision offline, then the doctor as the service user -----------------------------------

say "provision offline (example config without [api]; a test trust list; PIN from the environment)"
sed '/^\[api\]/,/^$/d' "$ROOT/etc/furusato-kiosk/kiosk.toml" >"$ROOT/root/offline.toml"
# RFC 8037 A.2's Ed25519 public key: a well-formed trust list for a device that scans nobody
cat >"$ROOT/etc/furusato-kiosk/jwks.json" <<'JSON'
{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "pi-install-check",
           "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}
JSON
enter "$ROOT" env KIOSK_CREDENTIALS_DIR=/etc/furusato-kiosk/credentials \
    KIOSK_COORDINATOR_PIN=2580 \
    kiosk provision /root/offline.toml --write-config /etc/furusato-kiosk/kiosk.toml

say "kiosk doctor --json as $SERVICE_USER, with furusato-kiosk.service's environment"
# LoadCredential= would hand the service a read-only copy of the root-only credential file
CREDS=/run/furusato-kiosk-check-credentials
install -d -m 0700 "$ROOT$CREDS"
install -m 0400 "$ROOT/etc/furusato-kiosk/credentials/credentials.json" "$ROOT$CREDS/"
enter "$ROOT" chown -R "$SERVICE_USER:" "$CREDS"
mapfile -t SERVICE_ENV < <(sed -n 's/^Environment=//p' "$ROOT/etc/systemd/system/furusato-kiosk.service")
started=$SECONDS
doctor_status=0
enter "$ROOT" runuser -u "$SERVICE_USER" -- env "${SERVICE_ENV[@]}" CREDENTIALS_DIRECTORY="$CREDS" \
    kiosk doctor --json >"$SCRATCH/doctor.json" || doctor_status=$?
DOCTOR_SECONDS=$((SECONDS - started))
cat "$SCRATCH/doctor.json"

say "kiosk doctor --play as $SERVICE_USER: aplay plays the three cues to ALSA's null device"
# a chroot has no sound card; the null device still makes aplay open and read every file
enter "$ROOT" runuser -u "$SERVICE_USER" -- env "${SERVICE_ENV[@]}" CREDENTIALS_DIRECTORY="$CREDS" \
    KIOSK_UI__SOUND_COMMAND='["aplay", "-q", "-D", "null", "{sound}"]' \
    kiosk doctor --play >"$SCRATCH/doctor-play.txt" || true
grep -E '^. sounds ' "$SCRATCH/doctor-play.txt" | tee "$SCRATCH/doctor-play-sounds.txt"
grep -q '^✓ sounds .*played all three' "$SCRATCH/doctor-play-sounds.txt" \
    || die "kiosk doctor --play did not play the cues"

python3 - "$SCRATCH/doctor.json" "$doctor_status" "$INSTALL_SECONDS" "$DOCTOR_SECONDS" \
    "${MUST_PASS[@]}" <<'PY'
import json, sys
path, status, install_s, doctor_s, *must = sys.argv[1:]
report = json.load(open(path, encoding="utf-8"))
by_name = {c["name"]: c for c in report["checks"]}
print(f"\ninstall {install_s} s, doctor {doctor_s} s (exit {status}), under qemu-user")
for c in report["checks"]:
    mark = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "-"}[c["status"]]
    print(f"{mark} {c['name']:<10} {c['summary']}")
bad = [n for n in must if by_name.get(n, {}).get("status") != "ok"]
if bad:
    print(f"FAILED: not ok here: {', '.join(bad)}")
    sys.exit(1)
print(f"PASSED: {', '.join(must)} ok as the service user")
PY
