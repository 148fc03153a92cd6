import json

import pytest

from discourse.errors import SettingsError
from discourse.settings import Settings


def test_precedence_defaults_file_env_flags(tmp_path):
    (tmp_path / "discourse.toml").write_text('db = "from-file.db"\nconcurrency = 4\ntimeout = 7\n')
    env = {"DISCOURSE_CONCURRENCY": "6", "DISCOURSE_ALLOW_PRIVATE_ADDRESSES": "true"}
    s = Settings.resolve({"timeout": 3.5, "db": None}, cwd=tmp_path, env=env)
    assert s.db == "from-file.db" and s.origins["db"].endswith("discourse.toml")
    assert s.concurrency == 6 and s.origins["concurrency"] == "env DISCOURSE_CONCURRENCY"
    assert s.timeout == 3.5 and s.origins["timeout"] == "flag --timeout"
    assert s.allow_private_addresses is True
    assert s.per_host_delay == 1.0 and s.origins["per_host_delay"] == "default"


def test_settings_file_may_use_a_discourse_table_and_dashes(tmp_path):
    (tmp_path / "discourse.toml").write_text("[discourse]\nper-host-delay = 2.5\n")
    assert Settings.resolve(cwd=tmp_path, env={}).per_host_delay == 2.5


def test_unknown_key_in_settings_file_is_named(tmp_path):
    (tmp_path / "discourse.toml").write_text("concurency = 4\n")
    with pytest.raises(SettingsError, match="unknown setting 'concurency'"):
        Settings.resolve(cwd=tmp_path, env={})


@pytest.mark.parametrize(
    "line, key",
    [
        ('concurrency = "many"', "concurrency"),
        ("timeout = true", "timeout"),
        ("allow_private_addresses = 3", "allow_private_addresses"),
        ("db = 5", "db"),
    ],
)
def test_wrong_type_in_settings_file_is_named(tmp_path, line, key):
    (tmp_path / "discourse.toml").write_text(line + "\n")
    with pytest.raises(SettingsError, match=f"setting '{key}'"):
        Settings.resolve(cwd=tmp_path, env={})


def test_unknown_or_bad_environment_variable_is_named(tmp_path):
    with pytest.raises(SettingsError, match="DISCOURSE_TIMEOUTS"):
        Settings.resolve(cwd=tmp_path, env={"DISCOURSE_TIMEOUTS": "3"})
    with pytest.raises(SettingsError, match="DISCOURSE_CONCURRENCY"):
        Settings.resolve(cwd=tmp_path, env={"DISCOURSE_CONCURRENCY": "lots"})


def test_invalid_toml_names_the_file(tmp_path):
    (tmp_path / "discourse.toml").write_text("db = \n")
    with pytest.raises(SettingsError, match="discourse.toml: not valid TOML"):
        Settings.resolve(cwd=tmp_path, env={})


def test_config_command_shows_values_and_origins(cli, tmp_path):
    (tmp_path / "discourse.toml").write_text("batch_size = 8\n")
    res = cli("--db", "x.db", "config", "--format", "json", env={"DISCOURSE_TIMEOUT": "9"})
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["db"] == {"value": "x.db", "from": "flag --db"}
    assert data["batch_size"]["value"] == 8 and data["batch_size"]["from"].endswith(
        "discourse.toml"
    )
    assert data["timeout"] == {"value": 9.0, "from": "env DISCOURSE_TIMEOUT"}
    assert data["concurrency"]["from"] == "default"


def test_bad_settings_file_fails_the_cli_cleanly(cli, tmp_path):
    (tmp_path / "discourse.toml").write_text("colour = 'blue'\n")
    res = cli("config")
    assert res.returncode == 2
    assert "unknown setting 'colour'" in res.stderr and "Traceback" not in res.stderr
