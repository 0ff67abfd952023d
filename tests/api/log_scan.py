#!/usr/bin/env python3
"""log_scan.py LOG_DIR [SECRETS_FILE]: after the API suite, every file under
the stack's log directory (rotated and compressed ones too) must hold no
credential and be readable by its owner's group at most.

Credentials: every one the API tests sent or received (SECRETS_FILE, written
by lib.py), and anything shaped like one: a JWT, an API key (es_...), a
session cookie or a bearer header with its value. Prints what it found and
`log scan: N files, ok` or the failures; exits 1 on any."""

import gzip
import os
import re
import stat
import sys

SHAPES = [
    ("a JWT", re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.")),
    ("an API key", re.compile(r"\bes_[A-Za-z0-9_-]{20,}")),
    ("a session cookie", re.compile(r"edgescout_session=[A-Za-z0-9_-]{8,}")),
    ("a bearer credential", re.compile(r"Bearer [A-Za-z0-9_.-]{16,}")),
]
PIECE = re.compile(r"[A-Za-z0-9_-]{10,}")


def pieces(text):
    return set(PIECE.findall(text))


def secrets_of(path):
    """The distinctive pieces (10+ characters of [A-Za-z0-9_-]) of every
    recorded secret, so a secret is found however a log line splits it."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    with open(path, errors="replace") as f:
        for line in f:
            for p in pieces(line.strip()):
                out.setdefault(p, line.strip()[:12] + "...")
    return out


def read(path):
    if path.endswith(".gz"):
        with gzip.open(path, "rt", errors="replace") as f:
            return f.read()
    with open(path, errors="replace") as f:
        return f.read()


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    log_dir = argv[1]
    secrets = secrets_of(argv[2] if len(argv) > 2 else None)
    problems, files = [], 0
    for root, _, names in os.walk(log_dir):
        for name in sorted(names):
            path = os.path.join(root, name)
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                continue
            files += 1
            if st.st_mode & 0o007:
                problems.append(f"{path}: readable by others ({oct(stat.S_IMODE(st.st_mode))})")
            text = read(path)
            for what, rx in SHAPES:
                m = rx.search(text)
                if m:
                    problems.append(f"{path}: {what}: {m.group(0)[:24]}...")
            for p in pieces(text) & secrets.keys():
                problems.append(f"{path}: a secret the tests used ({secrets[p]})")
    for p in problems[:40]:
        print(f"  {p}")
    print(f"log scan: {files} files, {len(secrets)} secret pieces, "
          f"{'ok' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
