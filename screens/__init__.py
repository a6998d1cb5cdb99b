"""The kiosk's Textual UI — the only package that imports textual.

- `app.py`: `KioskApp` and `make_app(services, scanner_factory=, sync=, language=,
  coordinator=)`, used by `kiosk run`, the demo, tests and benchmarks.
- one screen per module: `start.py` (choose the activity), `scan.py` (the gate: banner,
  counters, status, camera and keyboard-wedge input), `manual.py` (registrant id / paper form),
  `recent.py` (recent check-ins, undo), `confirm.py`, `error.py`; `coordinator/` is opened
  through the `coordinator` hook of `make_app`.
- `widgets/`: banner, counters, status line, key bar (touch targets for the bindings).
- `messages.py`: what worker threads post back; `scanning.py`: the camera-pipeline protocol
  and its adapter to `kiosk.scan`; `sound.py`: per-outcome cues.
- `styles/*.tcss`, `i18n/{ja,en}.toml` (every user-facing string; Japanese by default).
"""
