"""docs/openapi.yaml is what `edgescout openapi` makes from the binaries'
route tables, a valid OpenAPI 3.1 document (checked by a validator holding
the official OAS 3.1 schema), served at /api/openapi.json; and the reply
checks every API test makes against it can fail."""

import copy
import json
import os
import re
import subprocess
import tempfile

import lib
from lib import STACK, expect_error, get, test

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SPEC = os.path.join(REPO, "docs", "openapi.yaml")
VALIDATOR = os.path.join(REPO, "tests", "openapi", "node_modules", ".bin", "validate-api")


def cli(*args):
    env = dict(os.environ, EDGESCOUT_ENV_FILE=STACK["ENV_FILE"])
    return subprocess.run([os.path.join(STACK["BIN_DIR"], "edgescout"), *args,
                           "--bin", os.path.join(STACK["BIN_DIR"], "cgi-bin")],
                          capture_output=True, text=True, env=env, timeout=120)


def generated():
    p = cli("openapi")
    assert p.returncode == 0, p.stderr
    return p.stdout


def validate_file(path):
    """(valid, output) of the OAS validator on the file."""
    assert os.access(VALIDATOR, os.X_OK), \
        f"{VALIDATOR} is missing: scripts/deps.sh installs it (npm ci in tests/openapi)"
    p = subprocess.run([VALIDATOR, path], capture_output=True, text=True, timeout=120)
    out = p.stdout + p.stderr
    try:
        valid = json.loads(p.stdout)["valid"] is True
    except ValueError:
        valid = False
    return valid and p.returncode == 0, out


@test
def committed_document_is_the_generated_one():
    text = generated()
    with open(SPEC) as f:
        committed = f.read()
    assert committed == text, ("docs/openapi.yaml differs from `edgescout openapi`; "
                               "run build/cli/edgescout openapi --out docs/openapi.yaml")


@test
def document_is_valid_openapi_3_1_and_a_broken_one_is_not():
    ok, out = validate_file(SPEC)
    assert ok, out[:3000]
    doc = json.load(open(SPEC))
    assert doc["openapi"] == "3.1.0", doc["openapi"]
    # the validator is not a rubber stamp: a response without its
    # description, and an unknown parameter location, are refused
    for damage in ("no_description", "bad_in"):
        bad = copy.deepcopy(doc)
        op = bad["paths"]["/api/admin/users"]["get"]
        if damage == "no_description":
            del op["responses"]["200"]["description"]
        else:
            op["parameters"][0]["in"] = "body"
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(bad, f)
        try:
            ok, out = validate_file(f.name)
        finally:
            os.unlink(f.name)
        assert not ok, f"{damage}: the validator accepted a broken document"


@test
def every_route_is_documented_with_its_contract():
    p = cli("routes", "--json")
    assert p.returncode == 0, p.stderr
    live = {(r["method"].lower(), r["path"]): r for r in json.loads(p.stdout)}
    doc = json.load(open(SPEC))
    ops = {(m, path): op for path, item in doc["paths"].items() for m, op in item.items()}
    assert set(ops) == set(live), (sorted(set(live) - set(ops)), sorted(set(ops) - set(live)))
    for (m, path), op in ops.items():
        flags = live[(m, path)]["flags"]
        where = f"{m.upper()} {path}"
        # every path parameter declared, and nothing else in the path
        declared = {q["name"] for q in op["parameters"] if q["in"] == "path"}
        assert declared == set(re.findall(r"\{([^}]+)\}", path)), where
        # security from the flags: public routes say so with []
        schemes = {k for s in op["security"] for k in s}
        if "auth" in flags or "admin" in flags:
            want = {"bearer", "session"} | (set() if "no_api_key" in flags else {"api_key"})
            assert schemes == want, (where, schemes)
        else:
            assert op["security"] == [], where
        # a success reply with a schema (204 has no body), errors from the catalogue
        ok = [s for s in op["responses"] if s.startswith("2")]
        assert ok, where
        for s in ok:
            content = op["responses"][s].get("content")
            assert (content is None) == (s == "204"), (where, s)
        assert op["responses"]["default"] == {"$ref": "#/components/responses/Error"}, where
        assert "422" in op["responses"], where
        if "json" in flags:
            assert op["requestBody"]["required"] is True, where
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            assert schema["additionalProperties"] is False, where


@test
def error_responses_come_from_the_catalogue():
    doc = json.load(open(SPEC))
    text = open(os.path.join(REPO, "common", "base", "err.c")).read()
    catalogue = re.findall(r'\{ "([A-Z_]+)", (\d{3}), "([^"]+)" \}', text)
    assert len(catalogue) >= 10, catalogue
    responses = doc["components"]["responses"]
    for code, status, message in catalogue:
        r = responses.get(f"Error{status}")
        assert r is not None, f"no Error{status} response"
        assert f"{code}: {message}" in r["description"], (code, r["description"])
    schema = doc["components"]["schemas"]["Error"]
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]["error"]["required"]) == {"code", "message", "request_id"}


@test
def contract_bounds_appear_in_the_document():
    doc = json.load(open(SPEC))
    q = {p["name"]: p for p in doc["paths"]["/api/admin/users"]["get"]["parameters"]}
    assert q["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100}, q["limit"]
    assert q["role"]["schema"]["enum"] == ["user", "admin"], q["role"]
    body = doc["paths"]["/api/auth/api-keys"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert body["required"] == ["name", "scopes"], body
    assert body["properties"]["scopes"]["items"]["enum"] == ["read", "write", "export", "ingest"]
    assert body["properties"]["name"]["maxLength"] == 100
    assert doc["paths"]["/api/stock-analysis"]["get"]["x-quota-class"] == "analysis"


@test
def served_at_api_openapi_json():
    r = get("/api/openapi.json")
    assert r.status == 200 and r.header("content-type") == "application/json", r
    assert r.json() == json.load(open(SPEC))
    again = get("/api/openapi.json")
    assert again.body == r.body
    expect_error(get("/api/openapi.json?x=1"), 422, "VALIDATION_FAILED", field="x")


@test
def reply_validation_catches_a_wrong_reply():
    good = get("/health")
    assert good.status == 200
    lib.validate_reply("GET", "/health", good)
    cases = [
        ("missing key", {"status": "healthy", "service": "edgescout"}),
        ("extra key", dict(good.json(), extra=1)),
        ("wrong type", dict(good.json(), version=5)),
        ("not in enum", dict(good.json(), status="fine")),
    ]
    for what, body in cases:
        wrong = lib.Reply(200, good.headers, json.dumps(body).encode())
        try:
            lib.validate_reply("GET", "/health", wrong)
        except AssertionError:
            continue
        raise AssertionError(f"{what}: a wrong reply passed validation")
    # an undocumented status, an error without the envelope, an unknown route
    for status, body, path in ((201, good.body, "/health"),
                               (422, b'{"message":"x"}', "/health"),
                               (200, b"{}", "/api/no-such-route")):
        wrong = lib.Reply(status, {"content-type": "application/json"}, body)
        try:
            lib.validate_reply("GET", path, wrong)
        except AssertionError:
            continue
        raise AssertionError(f"{status} {path}: a wrong reply passed validation")
