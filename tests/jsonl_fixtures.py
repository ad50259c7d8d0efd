"""Builders for Claude Code transcript lines in the shapes Claude Code writes (1.0.x and 2.0.x)."""

from __future__ import annotations

import json
from pathlib import Path

SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-haiku-4-5-20251001"


def envelope(
    kind: str,
    ts: str,
    session: str = "s1",
    uuid: str | None = None,
    sidechain: bool = False,
    agent: str | None = None,
    cwd: str = "/home/dev/shop",
    version: str = "2.0.74",
    **extra,
) -> dict:
    d = {
        "parentUuid": None,
        "isSidechain": sidechain,
        "userType": "external",
        "cwd": cwd,
        "sessionId": session,
        "version": version,
        "gitBranch": "main",
        "type": kind,
        "uuid": uuid or f"u-{kind}-{ts}",
        "timestamp": ts,
    }
    if agent:
        d["agentId"] = agent
    d.update(extra)
    return d


def assistant(
    ts: str,
    msg_id: str | None,
    request_id: str | None,
    usage: dict,
    content: list | None = None,
    model: str = SONNET,
    **kw,
) -> dict:
    message = {
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content or [{"type": "text", "text": "ok"}],
        "stop_reason": None,
        "usage": usage,
    }
    if msg_id is not None:
        message["id"] = msg_id
    d = envelope("assistant", ts, message=message, **kw)
    if request_id is not None:
        d["requestId"] = request_id
    return d


def usage(inp=0, out=0, cache_read=0, cache_write=0, w5=None, w1h=None) -> dict:
    u = {
        "input_tokens": inp,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
        "output_tokens": out,
        "service_tier": "standard",
    }
    if w5 is not None or w1h is not None:
        u["cache_creation"] = {"ephemeral_5m_input_tokens": w5 or 0, "ephemeral_1h_input_tokens": w1h or 0}
    return u


def user_prompt(ts: str, text: str, **kw) -> dict:
    return envelope("user", ts, message={"role": "user", "content": text}, **kw)


def tool_use(tool_id: str, name: str, inp: dict) -> dict:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": inp}


def tool_result(ts: str, tool_id: str, content: str, is_error: bool = False, **kw) -> dict:
    block = {"tool_use_id": tool_id, "type": "tool_result", "content": content}
    if is_error:
        block["is_error"] = True
    return envelope("user", ts, message={"role": "user", "content": [block]}, **kw)


def api_error(ts: str, status: int, text: str, **kw) -> dict:
    message = {
        "id": f"err-{ts}",
        "type": "message",
        "role": "assistant",
        "model": "<synthetic>",
        "content": [{"type": "text", "text": f"API Error: {status} {text}"}],
        "usage": usage(),
    }
    return envelope("assistant", ts, message=message, isApiErrorMessage=True, **kw)


def dumps(obj: dict, spaced: bool = False) -> str:
    return json.dumps(obj, separators=(", ", ": ") if spaced else (",", ":"))


def write(path: Path, lines: list, spaced: bool = False, newline_at_end: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(x if isinstance(x, str) else dumps(x, spaced) for x in lines)
    path.write_text(text + ("\n" if newline_at_end and lines else ""))
    return path
