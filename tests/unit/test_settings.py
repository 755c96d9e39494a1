"""Settings: defaults, TOML file, VERIFLIEN_* variables (in that order of priority), coercion and
validation errors that name the variable to fix, and the per-process random instance key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from veriflien.settings import SETTINGS, Settings, SettingsError, load


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    return path


def toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "veriflien.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_match_the_settings_table() -> None:
    settings = load(env={})
    for setting in SETTINGS:
        if setting.name == "instance_key":
            continue
        assert getattr(settings, setting.name) == setting.default, setting.name
        assert getattr(Settings(), setting.name) == setting.default, setting.name


def test_every_setting_has_an_env_var_and_help() -> None:
    for setting in SETTINGS:
        assert setting.env == "VERIFLIEN_" + setting.name.upper()
        assert setting.help.strip()


def test_environment_is_read_and_coerced(ca_file: Path) -> None:
    settings = load(
        env={
            "VERIFLIEN_HOST": "0.0.0.0",
            "VERIFLIEN_PORT": " 9090 ",
            "VERIFLIEN_CHECK_DEADLINE": "7.5",
            "VERIFLIEN_MAX_REDIRECTS": "3",
            "VERIFLIEN_ALLOWED_PORTS": " 80, 443 ,8443,,",
            "VERIFLIEN_ALLOW_NETWORKS": "127.0.0.2/32,10.0.0.0/8",
            "VERIFLIEN_RESOLVE": "www.youtube.com:443:127.0.0.2:8443",
            "VERIFLIEN_CA_BUNDLE": str(ca_file),
            "VERIFLIEN_LOG_LEVEL": "debug",
            "VERIFLIEN_DEFAULT_LANG": "en",
            "VERIFLIEN_INSTANCE_KEY": "k" * 32,
            "UNRELATED": "x",
            "VERIFLIEN_NOT_A_SETTING": "ignored",
        }
    )
    assert settings.host == "0.0.0.0"
    assert settings.port == 9090
    assert settings.check_deadline == 7.5
    assert settings.max_redirects == 3
    assert settings.allowed_ports == ["80", "443", "8443"]
    assert settings.port_set == frozenset({80, 443, 8443})
    assert settings.allow_networks == ["127.0.0.2/32", "10.0.0.0/8"]
    assert settings.resolve == ["www.youtube.com:443:127.0.0.2:8443"]
    assert settings.ca_bundle == str(ca_file)
    assert settings.log_level == "debug"
    assert settings.default_lang == "en"
    assert settings.instance_key == "k" * 32
    assert settings.secret == b"k" * 32


def test_toml_file_is_read(tmp_path: Path) -> None:
    path = toml(
        tmp_path,
        'port = 8181\ncheck_deadline = 5\nallowed_ports = [80, 443, 8080]\nlog_level = "warning"\n'
        'default_country = "BE"\n',
    )
    settings = load(env={}, config_file=path)
    assert settings.port == 8181
    assert settings.check_deadline == 5.0
    assert isinstance(settings.check_deadline, float)
    assert settings.allowed_ports == ["80", "443", "8080"]
    assert settings.log_level == "warning"
    assert settings.default_country == "BE"


def test_precedence_defaults_then_toml_then_env(tmp_path: Path) -> None:
    path = toml(tmp_path, 'port = 8181\nhost = "127.0.0.3"\nread_timeout = 3.0\n')
    settings = load(env={"VERIFLIEN_PORT": "8282"}, config_file=path)
    assert settings.port == 8282  # env beats the file
    assert settings.host == "127.0.0.3"  # the file beats the default
    assert settings.read_timeout == 3.0
    assert settings.connect_timeout == 5.0  # untouched: the default


def test_load_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VERIFLIEN_PORT", "8383")
    assert load().port == 8383


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VERIFLIEN_PORT": "eighty"}, "VERIFLIEN_PORT"),
        ({"VERIFLIEN_PORT": ""}, "VERIFLIEN_PORT"),
        ({"VERIFLIEN_PORT": "80.5"}, "VERIFLIEN_PORT"),
        ({"VERIFLIEN_CHECK_DEADLINE": "soon"}, "VERIFLIEN_CHECK_DEADLINE"),
        ({"VERIFLIEN_MAX_REDIRECTS": "ten"}, "VERIFLIEN_MAX_REDIRECTS"),
        ({"VERIFLIEN_MEDIA_BUDGET_BYTES": "512k"}, "VERIFLIEN_MEDIA_BUDGET_BYTES"),
        ({"VERIFLIEN_YTDLP_TIMEOUT": "12s"}, "VERIFLIEN_YTDLP_TIMEOUT"),
    ],
)
def test_coercion_errors_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load(env=env)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('port = "eighty"', "VERIFLIEN_PORT"),
        ("port = 80.5", "VERIFLIEN_PORT"),
        ('check_deadline = "soon"', "VERIFLIEN_CHECK_DEADLINE"),
        ("allowed_ports = [80, 0]", "VERIFLIEN_ALLOWED_PORTS"),
    ],
)
def test_toml_coercion_errors_name_the_setting(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load(env={}, config_file=toml(tmp_path, text))


def test_toml_unknown_key_missing_file_and_syntax_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="unknown setting 'prot'"):
        load(env={}, config_file=toml(tmp_path, "prot = 8080"))
    with pytest.raises(SettingsError, match="config file not found"):
        load(env={}, config_file=tmp_path / "missing.toml")
    with pytest.raises(SettingsError, match="config file"):
        load(env={}, config_file=toml(tmp_path, "port = = 1"))


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VERIFLIEN_ALLOWED_PORTS": "80,https"}, "VERIFLIEN_ALLOWED_PORTS"),
        ({"VERIFLIEN_ALLOWED_PORTS": "80,0"}, "VERIFLIEN_ALLOWED_PORTS"),
        ({"VERIFLIEN_ALLOWED_PORTS": "80,65536"}, "VERIFLIEN_ALLOWED_PORTS"),
        ({"VERIFLIEN_ALLOWED_PORTS": "80,-1"}, "VERIFLIEN_ALLOWED_PORTS"),
        ({"VERIFLIEN_ALLOW_NETWORKS": "10.0.0.0/33"}, "VERIFLIEN_ALLOW_NETWORKS"),
        ({"VERIFLIEN_ALLOW_NETWORKS": "not-a-cidr"}, "VERIFLIEN_ALLOW_NETWORKS"),
        ({"VERIFLIEN_CA_BUNDLE": "/nonexistent/ca.pem"}, "VERIFLIEN_CA_BUNDLE"),
        ({"VERIFLIEN_RESOLVE": "www.youtube.com:443"}, "VERIFLIEN_RESOLVE"),
        ({"VERIFLIEN_RESOLVE": "www.youtube.com:443:not-an-ip"}, "VERIFLIEN_RESOLVE"),
        ({"VERIFLIEN_RESOLVE": "www.youtube.com:https:127.0.0.2"}, "VERIFLIEN_RESOLVE"),
        ({"VERIFLIEN_RESOLVE": "www.youtube.com:443:127.0.0.2:x"}, "VERIFLIEN_RESOLVE"),
        ({"VERIFLIEN_LOG_LEVEL": "loud"}, "VERIFLIEN_LOG_LEVEL"),
        ({"VERIFLIEN_LOG_LEVEL": ""}, "VERIFLIEN_LOG_LEVEL"),
        ({"VERIFLIEN_DEFAULT_LANG": "de"}, "VERIFLIEN_DEFAULT_LANG"),
        ({"VERIFLIEN_CHECK_DEADLINE": "0"}, "VERIFLIEN_CHECK_DEADLINE"),
        ({"VERIFLIEN_READ_TIMEOUT": "-1"}, "VERIFLIEN_READ_TIMEOUT"),
        ({"VERIFLIEN_MAX_RESPONSE_BYTES": "0"}, "VERIFLIEN_MAX_RESPONSE_BYTES"),
        ({"VERIFLIEN_MAX_CONCURRENT_CHECKS": "0"}, "VERIFLIEN_MAX_CONCURRENT_CHECKS"),
        ({"VERIFLIEN_MAX_REDIRECTS": "51"}, "VERIFLIEN_MAX_REDIRECTS"),
        ({"VERIFLIEN_MAX_REDIRECTS": "-1"}, "VERIFLIEN_MAX_REDIRECTS"),
    ],
)
def test_validation_errors_name_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load(env=env)


def test_ca_bundle_must_be_a_file_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="VERIFLIEN_CA_BUNDLE"):
        load(env={"VERIFLIEN_CA_BUNDLE": str(tmp_path)})


@pytest.mark.parametrize("value", ["-5", "65536", "70000"])
def test_listen_port_out_of_range_is_refused(value: str) -> None:
    # Otherwise `veriflien serve` dies in bind() with an OverflowError traceback.
    with pytest.raises(SettingsError, match="VERIFLIEN_PORT"):
        load(env={"VERIFLIEN_PORT": value})


@pytest.mark.parametrize(
    "name", ["VERIFLIEN_CHECK_DEADLINE", "VERIFLIEN_CONNECT_TIMEOUT", "VERIFLIEN_READ_TIMEOUT"]
)
def test_nan_durations_are_refused(name: str) -> None:
    # float("nan") <= 0 is False, so a NaN deadline passes a "must be positive" check.
    with pytest.raises(SettingsError, match=name):
        load(env={name: "nan"})


@pytest.mark.parametrize("level", ["debug", "info", "warning", "error", "DEBUG", "Info"])
def test_log_levels_accepted(level: str) -> None:
    assert load(env={"VERIFLIEN_LOG_LEVEL": level}).log_level == level


def test_valid_resolve_pins_are_accepted() -> None:
    pins = [
        "www.youtube.com:443:127.0.0.2:8443",
        "bit.ly:80:127.0.0.2",
        "v6.example:443:[::1]:8443",
    ]
    assert load(env={"VERIFLIEN_RESOLVE": ",".join(pins)}).resolve == pins


def test_instance_key_is_random_when_empty_and_differs_between_loads() -> None:
    first = load(env={})
    second = load(env={"VERIFLIEN_INSTANCE_KEY": ""})
    assert len(first.instance_key) >= 32
    assert first.instance_key != second.instance_key
    assert first.secret != second.secret
    assert Settings().with_overrides().instance_key != Settings().with_overrides().instance_key


def test_instance_key_is_kept_when_given() -> None:
    assert load(env={"VERIFLIEN_INSTANCE_KEY": "operator-key"}).instance_key == "operator-key"


def test_with_overrides_coerces_and_validates(ca_file: Path) -> None:
    base = load(env={})
    changed = base.with_overrides(port="9191", allowed_ports="80,8443", ca_bundle=str(ca_file))
    assert changed.port == 9191
    assert changed.allowed_ports == ["80", "8443"]
    assert base.port == 8080  # frozen: the original is untouched
    with pytest.raises(SettingsError, match="VERIFLIEN_ALLOWED_PORTS"):
        base.with_overrides(allowed_ports=["80", "http"])
    with pytest.raises(SettingsError, match="VERIFLIEN_PORT"):
        base.with_overrides(port=80.5)
    with pytest.raises(SettingsError, match="VERIFLIEN_CA_BUNDLE"):
        base.with_overrides(ca_bundle=str(ca_file) + ".missing")


def test_settings_are_immutable() -> None:
    settings = load(env={})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_redis_without_an_instance_key_refuses_to_start() -> None:
    # Each replica would draw its own random key: the shared Redis would silently share nothing.
    refusal = r"VERIFLIEN_INSTANCE_KEY is empty while VERIFLIEN_REDIS_URL is set"
    with pytest.raises(SettingsError, match=refusal) as error:
        load(env={"VERIFLIEN_REDIS_URL": "redis://valkey:6379/0"})
    assert "VERIFLIEN_ALLOW_RANDOM_INSTANCE_KEY" in str(error.value)
    with pytest.raises(SettingsError, match="VERIFLIEN_INSTANCE_KEY"):
        Settings().with_overrides(redis_url="redis://valkey:6379/0")


def test_redis_without_an_instance_key_starts_when_explicitly_accepted(tmp_path: Path) -> None:
    accepted = load(
        env={
            "VERIFLIEN_REDIS_URL": "redis://valkey:6379/0",
            "VERIFLIEN_ALLOW_RANDOM_INSTANCE_KEY": "1",
        }
    )
    assert accepted.allow_random_instance_key is True
    assert len(accepted.instance_key) >= 32
    path = toml(tmp_path, 'redis_url = "redis://valkey:6379/0"\nallow_random_instance_key = true\n')
    assert load(env={}, config_file=path).allow_random_instance_key is True
    # With a key, or without Redis, nothing needs accepting.
    keyed = {"VERIFLIEN_REDIS_URL": "redis://valkey:6379/0", "VERIFLIEN_INSTANCE_KEY": "k" * 64}
    assert load(env=keyed).instance_key == "k" * 64
    assert load(env={}).redis_url == ""


def test_serve_with_redis_and_no_instance_key_stops_with_the_reason() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERIFLIEN_")}
    env["VERIFLIEN_REDIS_URL"] = "redis://valkey:6379/0"
    # A subprocess with a timeout: should the refusal ever regress, the test fails, not hangs.
    serve = subprocess.run(
        [sys.executable, "-m", "veriflien", "serve", "--port", "0"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert serve.returncode == 3  # before listening
    assert serve.stderr.startswith("veriflien: VERIFLIEN_INSTANCE_KEY is empty")
    assert "share neither cache nor rate limits" in serve.stderr
