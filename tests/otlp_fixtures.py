"""Claude Code OpenTelemetry events as OTLP/HTTP JSON log bodies, the way the exporter receives them.

Attribute names follow Claude Code's telemetry: every event carries ``session.id``,
``user.email``, ``user.account_uuid``, ``organization.id``, ``terminal.type``,
``app.version``, ``event.name``, ``event.timestamp`` and ``event.sequence``; each event type
adds its own (``model``, ``cost_usd``, ``duration_ms``, token counts, ``tool_name``,
``success``, ``error``, ``status_code``, ``attempt``, ``decision``, ...). Every value is a
string, as Claude Code sends them.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path

_seq = itertools.count()


def record(ts: datetime, event: str, session: str, email: str = "ada@example.com", **attrs) -> dict:
    """One log record of event ``event`` (without the ``claude_code.`` prefix) at ``ts``."""
    common = {
        "session.id": session,
        "user.email": email,
        "user.account_uuid": f"uuid-{email}",
        "organization.id": "org-1",
        "terminal.type": "vscode",
        "app.version": "2.0.14",
        "event.name": event,
        "event.timestamp": ts.isoformat().replace("+00:00", "Z"),
        "event.sequence": str(next(_seq)),
    }
    values = {**common, **{k: str(v) for k, v in attrs.items()}}
    nanos = str(int(ts.timestamp() * 1e9))
    return {
        "timeUnixNano": nanos,
        "observedTimeUnixNano": nanos,
        "body": {"stringValue": f"claude_code.{event}"},
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in values.items()],
    }


def body(records: list[dict], version: str = "2.0.14") -> dict:
    """One OTLP/HTTP JSON logs body from the ``claude-code`` service."""
    resource = [
        {"key": "service.name", "value": {"stringValue": "claude-code"}},
        {"key": "service.version", "value": {"stringValue": version}},
    ]
    scope = {"name": "com.anthropic.claude_code.events", "version": version}
    return {
        "resourceLogs": [
            {"resource": {"attributes": resource}, "scopeLogs": [{"scope": scope, "logRecords": records}]}
        ]
    }


def write(path: Path, records: list[dict]) -> Path:
    """Write one body per line (the exporter's file format: OTLP JSON lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body(records)) + "\n")
    return path
