"""Log lines are key=value (logfmt) or JSON, quoted so that every line parses."""

from __future__ import annotations

import json
import logging
import shlex

from lrs.logformat import FIELDS, JsonFormatter, KeyValueFormatter


def make_record(message: str, fields: dict) -> logging.LogRecord:
    record = logging.LogRecord("lrs.access", logging.INFO, __file__, 1, message, (), None)
    setattr(record, FIELDS, fields)
    return record


def test_key_value_lines_quote_values_with_spaces_and_quotes():
    line = KeyValueFormatter().format(
        make_record("request", {"path": "/a b", "note": 'say "hi"', "status": 200, "credential": None})
    )
    pairs = dict(part.split("=", 1) for part in shlex.split(line))
    assert pairs["path"] == "/a b"
    assert pairs["note"] == 'say "hi"'
    assert pairs["status"] == "200"
    assert pairs["level"] == "INFO" and pairs["logger"] == "lrs.access" and pairs["msg"] == "request"
    assert "credential" not in pairs  # unknown values are left out, not logged as "None"


def test_key_value_lines_escape_control_characters_a_value_could_rewrite_the_line_with():
    line = KeyValueFormatter().format(make_record("request", {"path": "/a\rb", "agent": "x\x1b[2K"}))
    assert "\r" not in line and "\x1b" not in line
    assert 'path="/a\\rb"' in line and 'agent="x\\u001b[2K"' in line


def test_json_lines_are_one_object_each():
    line = JsonFormatter().format(make_record("request", {"status": 503, "duration_ms": 1.5}))
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["status"] == 503 and parsed["duration_ms"] == 1.5 and parsed["msg"] == "request"


def test_a_traceback_stays_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("lrs.http", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = KeyValueFormatter().format(record)
    assert "\n" not in line and "ValueError" in line
