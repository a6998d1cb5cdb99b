"""Whatever is in the file, loading ends in a config or a ConfigError (never a traceback)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from config.load import ConfigError, key_lines, load_config, load_fleet

BASE = """[device]
id = "d1"
name = "n"
municipality = "131016"
database = "k.db"
[trust]
jwks_file = "j.json"
"""

keys = st.sampled_from(
    ["device", "trust", "camera", "api", "ui", "devices", 'devices."a"', "x", "logging"]
)
values = st.one_of(
    st.integers(-(10**6), 10**6),
    st.text(max_size=20).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
    st.just("[1, 2]"),
    st.just("{ a = 1 }"),
    st.booleans().map(lambda b: str(b).lower()),
)
lines = st.one_of(
    keys.map(lambda k: f"[{k}]"),
    st.tuples(st.sampled_from(["id", "name", "url", "fps", "source", "a.b", "level"]), values).map(
        lambda kv: f"{kv[0]} = {kv[1]}"
    ),
    st.text(max_size=30),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(lines, max_size=12))
def test_any_text_loads_or_reports(extra: list[str]) -> None:
    text = BASE + "\n".join(extra) + "\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "k.toml"
        path.write_text(text, encoding="utf-8", errors="replace")
        for loader in (
            lambda: load_config(path, environ={}),
            lambda: load_fleet(path, environ={}),
            lambda: load_config(path, device_id="a", environ={}),
        ):
            report = "loaded"
            try:
                loader()
            except ConfigError as exc:
                report = str(exc)
            assert report  # a config, or a readable report
        key_lines(text)
