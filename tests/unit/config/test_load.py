"""Loading real config files: examples, §6 keys, line numbers, environment, fleet files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli.compose import read_config
from cli.errors import SetupError
from config.fleet import dump_toml
from config.load import ConfigError, load_config, load_fleet

EXAMPLES = Path(__file__).resolve().parents[3] / "config" / "examples"

SECTION_6 = """
[device]
id = "kiosk-festival-01"
name = "Gate 1"
municipality = "131016"            # local government code, check digit verified
database = "/var/lib/furusato-kiosk/kiosk.db"

[trust]
jwks_file = "/etc/furusato-kiosk/jwks.json"            # initial trust list
revocations_file = "/etc/furusato-kiosk/revoked.json"  # optional

[activity]                         # the activity used when none was chosen or pulled
id = "act-2026-11-23-beach"
name = "Beach clean-up"

[api]                              # optional: absent means offline-only
url = "https://api.example.invalid"     # base URL; API paths start with /v1
"""


def write(tmp_path: Path, text: str, name: str = "kiosk.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_every_example_loads(example: Path) -> None:
    configs = load_fleet(example, environ={})
    assert configs
    for device_id, config in configs.items():
        assert config.device.id == device_id
        assert config.device.database.is_absolute()


def test_the_examples_are_the_three_promised() -> None:
    names = {p.name for p in EXAMPLES.glob("*.toml")}
    assert {"festival-laptop.toml", "pi-beach-cleanup.toml", "fleet.toml"} <= names


def test_architecture_section_6_keys_work_exactly(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, SECTION_6), environ={})
    assert config.device.id == "kiosk-festival-01"
    assert config.device.name == "Gate 1"
    assert config.device.municipality == "131016"
    assert config.device.database == Path("/var/lib/furusato-kiosk/kiosk.db")
    assert config.trust.jwks_file == Path("/etc/furusato-kiosk/jwks.json")
    assert config.trust.revocations_file == Path("/etc/furusato-kiosk/revoked.json")
    assert config.activity is not None
    assert config.activity.id == "act-2026-11-23-beach"
    assert config.api is not None
    assert str(config.api.url).startswith("https://api.example.invalid")
    offline = load_config(write(tmp_path, SECTION_6.split("[api]")[0], "offline.toml"), environ={})
    assert offline.api is None


def test_errors_name_file_line_path_value_and_expected_form(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        SECTION_6.replace('"131016"', '"131017"').replace(
            "[activity]", '[camera]\nfps = "fast"\n\n[activity]'
        ),
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    lines = str(caught.value).splitlines()
    assert lines[0] == (
        f"{path}:5: device.municipality: must be a 6-digit local government code with a valid"
        " check digit (check digit should be 6), e.g. \"131016\" (got '131017')"
    )
    assert lines[1] == f"{path}:13: camera.fps: expected a whole number (got 'fast')"


def test_unknown_key_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, SECTION_6.replace('name = "Gate 1"', 'name = "Gate 1"\nnmae = "x"'))
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    assert str(caught.value).startswith(f"{path}:5: device.nmae: unknown key")


def test_syntax_error_and_missing_file(tmp_path: Path) -> None:
    broken = write(tmp_path, '[device]\nid = "x\n')
    with pytest.raises(ConfigError) as caught:
        load_config(broken, environ={})
    assert f"{broken}:2: (syntax): not valid TOML" in str(caught.value)
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml", environ={})


def test_relative_paths_resolve_against_the_file(tmp_path: Path) -> None:
    text = SECTION_6.replace("/var/lib/furusato-kiosk/kiosk.db", "data/kiosk.db")
    text = text.replace("/etc/furusato-kiosk/jwks.json", "jwks.json")
    text = text.replace("[trust]\n", '[trust]\nanchor_file = "anchor.jwk"\n')
    text += '\n[logging]\ndirectory = "log"\n'
    config = load_config(write(tmp_path, text), environ={})
    assert config.device.database == tmp_path / "data" / "kiosk.db"
    assert config.trust.jwks_file == tmp_path / "jwks.json"
    assert config.trust.anchor_file == tmp_path / "anchor.jwk"
    assert config.logging.directory == tmp_path / "log"


def test_environment_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, SECTION_6)
    env = {
        "KIOSK_DEVICE__NAME": "Gate 9",
        "KIOSK_API__BATCH_SIZE": "50",
        "KIOSK_CAMERA__SOURCE": "synthetic:demo",
        "KIOSK_UI__SOUND": "command",
        "KIOSK_UI__SOUND_COMMAND": '["paplay", "{sound}"]',
        "KIOSK_ENROLLMENT_TOKEN": "fke_not_a_config_key",  # no "__": not an override
        "KIOSK_CONFIG_FILE": "/elsewhere.toml",
    }
    config = load_config(path, environ=env)
    assert config.device.name == "Gate 9"
    assert config.api is not None
    assert config.api.batch_size == 50
    assert config.camera.source == "synthetic:demo"
    assert config.ui.sound_command == ["paplay", "{sound}"]


def test_bad_environment_override_names_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, SECTION_6)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={"KIOSK_API__BATCH_SIZE": "0", "KIOSK_CAMRA__X": "1"})
    report = str(caught.value)
    assert "environment KIOSK_API__BATCH_SIZE: api.batch_size: must be at least 1" in report
    assert "environment KIOSK_CAMRA__X: camra: unknown key" in report


def test_config_file_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, SECTION_6)
    monkeypatch.setenv("KIOSK_CONFIG_FILE", str(path))
    assert read_config(None).device.id == "kiosk-festival-01"
    monkeypatch.delenv("KIOSK_CONFIG_FILE")
    with pytest.raises(SetupError, match="KIOSK_CONFIG_FILE"):
        read_config(None)


FLEET = """
[device]
municipality = "131016"
database = "/var/lib/furusato-kiosk/kiosk.db"

[trust]
jwks_file = "/etc/furusato-kiosk/jwks.json"

[api]
url = "https://api.example.invalid"
batch_size = 200

[camera]
source = "/dev/video0"

[devices."gate-1"]
name = "Gate 1"

[devices."gate-2"]
name = "Gate 2"
camera = { source = "/dev/video2", fps = 15 }

[devices."gate-2".api]
batch_size = 50
"""


def test_fleet_defaults_and_per_device_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, FLEET, "fleet.toml")
    configs = load_fleet(path, environ={})
    assert list(configs) == ["gate-1", "gate-2"]
    one, two = configs["gate-1"], configs["gate-2"]
    assert (one.device.id, one.device.name, one.camera.source) == (
        "gate-1",
        "Gate 1",
        "/dev/video0",
    )
    assert (two.device.id, two.device.name, two.camera.source) == (
        "gate-2",
        "Gate 2",
        "/dev/video2",
    )
    assert two.camera.fps == 15
    assert one.camera.fps == 30
    assert one.api is not None
    assert one.api.batch_size == 200
    assert two.api is not None
    assert two.api.batch_size == 50
    assert str(two.api.url) == str(one.api.url)  # inherited, key by key


def test_fleet_device_chosen_by_argument_or_environment(tmp_path: Path) -> None:
    path = write(tmp_path, FLEET, "fleet.toml")
    assert load_config(path, device_id="gate-2", environ={}).device.name == "Gate 2"
    env = {"KIOSK_FLEET_DEVICE": "gate-1"}
    assert load_config(path, environ=env).device.name == "Gate 1"
    with pytest.raises(ConfigError, match="this is a fleet file: name the device"):
        load_config(path, environ={})
    with pytest.raises(ConfigError, match=r"no such device .*devices: gate-1, gate-2"):
        load_config(path, device_id="gate-3", environ={})


def test_fleet_errors_point_at_the_device_table(tmp_path: Path) -> None:
    path = write(tmp_path, FLEET.replace("fps = 15", "fps = 500"), "fleet.toml")
    with pytest.raises(ConfigError) as caught:
        load_fleet(path, environ={})
    assert str(caught.value) == (
        f'{path}:21: devices."gate-2".camera.fps: must be at most 120 (got 500)'
    )
    shared = write(tmp_path, FLEET.replace('"131016"', '"131010"'), "shared.toml")
    with pytest.raises(ConfigError) as caught:
        load_fleet(shared, environ={})
    assert len(caught.value.problems) == 1  # a shared-default problem is reported once
    assert caught.value.problems[0].line == 3


def test_fleet_ids_come_from_table_names(tmp_path: Path) -> None:
    path = write(tmp_path, FLEET.replace("[device]\n", '[device]\nid = "x"\n'), "fleet.toml")
    with pytest.raises(ConfigError, match=r"device\.id: in a fleet file the id is the"):
        load_config(path, device_id="gate-1", environ={})


def test_generated_device_file_round_trips(tmp_path: Path) -> None:
    for source in [write(tmp_path, FLEET, "fleet.toml"), *sorted(EXAMPLES.glob("*.toml"))]:
        for config in load_fleet(source, environ={}).values():
            out = tmp_path / f"{config.device.id}.toml"
            out.write_text(dump_toml(config), encoding="utf-8")
            assert load_config(out, environ={}) == config


def test_loading_has_no_side_effects_on_the_environment(tmp_path: Path) -> None:
    before = dict(os.environ)
    load_config(write(tmp_path, SECTION_6))
    assert dict(os.environ) == before
