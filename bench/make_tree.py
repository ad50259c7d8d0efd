"""Build a transcript tree of a given size from real-shaped files, with fresh ids per copy.

    python bench/make_tree.py SOURCE_DIR OUT_DIR [--mb 100]

Every copy rewrites message ids, request ids, tool_use ids, uuids and session
ids, so the copies are distinct requests to the ingester (nothing deduplicates
away) while keeping Claude Code's exact line shapes.
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

ID = re.compile(
    rb"(msg_|req_|toolu_)([A-Za-z0-9]{8,})|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def fresh(data: bytes, copy: int) -> bytes:
    tag = f"{copy:06d}".encode()

    def sub(m: re.Match) -> bytes:
        s = m.group(0)
        return s[:-6] + tag if m.group(1) else tag + s[6:]

    return ID.sub(sub, data)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=100)
    args = ap.parse_args()
    src, out = Path(args.source), Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    files = sorted(src.rglob("*.jsonl"))
    blobs = [(f.relative_to(src), f.read_bytes()) for f in files]
    per_copy = sum(len(b) for _, b in blobs)
    copies = max(1, int(args.mb * 1e6 / per_copy + 0.999))
    total = 0
    for i in range(copies):
        for rel, data in blobs:
            # session files are named by session id: rename them like their contents
            name = fresh(rel.name.encode(), i).decode()
            target = out / f"copy{i:04d}" / rel.parent / name
            target.parent.mkdir(parents=True, exist_ok=True)
            blob = fresh(data, i)
            target.write_bytes(blob)
            total += len(blob)
    print(f"{copies} copies, {sum(1 for _ in out.rglob('*.jsonl'))} files, {total / 1e6:.1f} MB in {out}")


if __name__ == "__main__":
    main()
