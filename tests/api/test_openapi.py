"""docs/openapi.yaml lists exactly the routes the binaries serve."""

import json
import os
import re
import subprocess

from lib import STACK, test

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "..", "..", "docs", "openapi.yaml")


def documented():
    """(METHOD, path) pairs of the spec's paths section (two-space path keys,
    four-space method keys)."""
    pairs, path, in_paths = set(), None, False
    with open(SPEC) as f:
        for line in f:
            if line.startswith("paths:"):
                in_paths = True
                continue
            if not in_paths:
                continue
            m = re.match(r"^  (/\S*):\s*$", line)
            if m:
                path = m.group(1)
                continue
            m = re.match(r"^    (get|post|put|patch|delete):", line)
            if m and path:
                pairs.add((m.group(1).upper(), path))
    return pairs


def served():
    env = dict(os.environ, EDGESCOUT_ENV_FILE=STACK["ENV_FILE"])
    out = subprocess.run([os.path.join(STACK["BIN_DIR"], "edgescout"), "routes", "--json",
                          "--bin", os.path.join(STACK["BIN_DIR"], "cgi-bin")],
                         capture_output=True, text=True, env=env, check=True).stdout
    return {(r["method"], r["path"]) for r in json.loads(out)}


@test
def openapi_paths_match_the_route_tables():
    doc, live = documented(), served()
    assert doc, "no paths parsed from docs/openapi.yaml"
    missing = sorted(live - doc)
    extra = sorted(doc - live)
    assert not missing, f"routes served but not in docs/openapi.yaml: {missing}"
    assert not extra, f"paths in docs/openapi.yaml that no binary serves: {extra}"
