"""The deployment settings: log format, shutdown timeout, unconditional profile PUTs."""

from __future__ import annotations

import pytest

from lrs.settings import SettingError, Settings


def test_defaults_drain_for_30_seconds_and_log_key_value_lines():
    settings = Settings.from_env({})
    assert settings.shutdown_timeout == 30 and settings.log_format == "keyvalue"


def test_log_format_and_shutdown_timeout_come_from_the_environment():
    settings = Settings.from_env({"LRS_LOG_FORMAT": "JSON", "LRS_SHUTDOWN_TIMEOUT": "5"})
    assert settings.log_format == "json" and settings.shutdown_timeout == 5


def test_unconditional_profile_put_is_rejected_unless_set_to_create():
    assert Settings.from_env({}).unconditional_profile_put == "reject"
    assert Settings.from_env({"LRS_UNCONDITIONAL_PROFILE_PUT": "Create"}).unconditional_profile_put == "create"


@pytest.mark.parametrize(
    "env, name",
    [
        ({"LRS_UNCONDITIONAL_PROFILE_PUT": "replace"}, "LRS_UNCONDITIONAL_PROFILE_PUT"),
        ({"LRS_LOG_FORMAT": "xml"}, "LRS_LOG_FORMAT"),
        ({"LRS_SHUTDOWN_TIMEOUT": "-1"}, "LRS_SHUTDOWN_TIMEOUT"),
        ({"LRS_SHUTDOWN_TIMEOUT": "soon"}, "LRS_SHUTDOWN_TIMEOUT"),
        ({"LRS_UNSAFE_FAST_WRITES": "maybe"}, "LRS_UNSAFE_FAST_WRITES"),
        ({"LRS_METRICS_PUBLIC": "open"}, "LRS_METRICS_PUBLIC"),
        ({"LRS_HEADER_TIMEOUT": "0"}, "LRS_HEADER_TIMEOUT"),
        ({"LRS_MAX_CONNECTIONS": "0"}, "LRS_MAX_CONNECTIONS"),
    ],
)
def test_bad_values_name_the_variable(env, name):
    with pytest.raises(SettingError, match=name):
        Settings.from_env(env)


def test_writes_are_durable_unless_the_unsafe_mode_is_chosen():
    settings = Settings.from_env({})
    assert not settings.unsafe_fast_writes and not settings.metrics_public
    assert (settings.header_timeout, settings.keepalive_timeout, settings.max_connections) == (20, 75, 1000)
    assert Settings.from_env({"LRS_UNSAFE_FAST_WRITES": "true"}).unsafe_fast_writes
