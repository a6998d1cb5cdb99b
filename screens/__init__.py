"""The kiosk's Textual UI — the only package that imports textual.

- `app.py`: `KioskApp` and `make_app(services, scanner_factory=, sync=, language=,
  coordinator=)`, used by `kiosk run`, the demo, tests and benchmarks.
- `base.py`: what every screen and dialog shares (`KioskScreen`, `KioskModal`: translator,
  language changes, steady input cursors, `background` thread workers).
- one screen per module: `start.py` (choose the activity), `scan.py` (the gate: banner,
  counters, status, camera and keyboard-wedge input), `manual.py` (registrant id / paper form),
  `recent.py` (recent check-ins, undo), `confirm.py` (yes/no, also for the coordinator),
  `error.py`; `coordinator/` (PIN, close-out, corrections) is opened through the
  `coordinator` hook of `make_app`.
- `results.py`: the rule that every result is seen (numbered, a red one held, queued) and
  the feed the App drives; the gate's banner and the band over other screens show it.
- `widgets/`: banner and its overlay band (`bigtext.py` draws the large symbol and word from
  GNU Unifont bitmaps, `bigfont_glyphs.py`), counters, status line and amber sync bar, key bar
  (touch targets for the bindings), notice line (instead of floating toasts).
- `messages.py`: what worker threads post back; `scanning.py`: the camera-pipeline protocol
  and its adapter to `kiosk.scan`; `sound.py`: per-outcome cues.
- `styles/*.tcss`, `i18n/` (every user-facing string, ja and en, the coordinator's in their
  own catalog files; Japanese by default).
"""
