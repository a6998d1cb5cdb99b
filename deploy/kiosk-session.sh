#!/bin/bash
# Boot-to-kiosk session (started by furusato-kiosk.service on tty1).
#
# cage is a Wayland compositor that shows exactly one full-screen application; foot is a
# small Wayland terminal that draws Japanese with fonts-noto-cjk. Together they give the
# Textual kiosk a kanji-capable screen without a desktop. Any key combination that would
# leave the kiosk ends the session, and systemd starts it again.
set -euo pipefail

KIOSK_BIN="${KIOSK_BIN:-/opt/furusato-kiosk/bin/kiosk}"
FOOT_CONFIG="${FOOT_CONFIG:-/etc/furusato-kiosk/foot.ini}"

export LANG="${LANG:-C.UTF-8}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/run/user/$(id -u)}"
# Hide the mouse pointer on a touch screen; cage -d: no client-side decorations.
export WLR_NO_HARDWARE_CURSORS=1

for tool in cage foot "$KIOSK_BIN"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "kiosk-session: $tool is not installed (run deploy/install-pi.sh)" >&2
        exit 1
    fi
done

# -s: allow switching to another VT (Ctrl+Alt+F2) for maintenance.
exec cage -s -d -- foot --config="$FOOT_CONFIG" --app-id=furusato-kiosk -- "$KIOSK_BIN" run
