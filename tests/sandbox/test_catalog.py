"""The module catalog (sandbox/catalog.json): `require('name@version')` serves that version, ranges the
newest listed version satisfying them, a bare name the catalog's default; everything else is a clear error."""

import json

import pytest

from scriptd_client import catalog

pytestmark = pytest.mark.scriptd


def outcome_of(run, body, **kwargs):
    return run(f"function login(email, password, callback) {{ {body} }}", timeout_ms=15000, memory_mb=128, **kwargs)


def value_of(run, body, **kwargs):
    outcome = outcome_of(run, body, **kwargs)
    assert outcome.status == "ok", outcome.result
    return outcome.value


def notes(outcome):
    return [line["text"] for line in outcome.logs if line["text"].startswith("[trickle]")]


@pytest.mark.parametrize(
    "spec, version",
    [
        ("mongodb", "3.7.4"),
        ("mongodb@3", "3.7.4"),
        ("mongodb@4", "4.17.2"),
        ("mongodb@^4.1", "4.17.2"),
        ("mongodb@4.17.2", "4.17.2"),
        ("mongodb@5.x", "5.9.2"),
        ("mongodb@>=6", "6.22.0"),
        ("pg@7", "7.18.2"),
        ("jwt-decode@3.1.2", "3.1.2"),
    ],
)
def test_resolution_serves_the_listed_version(run, spec, version):
    # `name@range/package.json` is the version the same pin serves, as Node's require('name/package.json').
    body = f"const m = require({spec!r}); callback(null, [typeof m, require({spec + '/package.json'!r}).version]);"
    outcome = outcome_of(run, body)
    assert outcome.status == "ok", outcome.result
    assert outcome.value[0] in ("object", "function")
    assert outcome.value[1] == version
    assert notes(outcome) == []


def test_mongodb_majors_load_with_their_object_ids(run):
    body = """
      const out = {};
      for (const v of ['3', '4', '5', '6']) {
        const m = require('mongodb@' + v);
        const id = new m.ObjectId('5f0c3c2e9d1b2c3d4e5f6a7b');
        out[v] = { hex: id.toHexString(), legacy: typeof m.ObjectID, client: typeof m.MongoClient };
      }
      callback(null, out);"""
    value = value_of(run, body)
    for v in "3456":
        assert value[v]["hex"] == "5f0c3c2e9d1b2c3d4e5f6a7b"
        assert value[v]["client"] == "function"
    assert value["3"]["legacy"] == "function"


def test_an_exact_pin_not_listed_gets_its_major_and_the_log_says_so(run):
    outcome = outcome_of(run, "const d = require('jwt-decode@3.1.1'); callback(null, typeof d);")
    assert outcome.status == "ok", outcome.result
    # jwt-decode 3.x exports the function itself; 4.x (the default) an object: the pin must be honoured.
    assert outcome.value == "function"
    assert notes(outcome) == [
        "[trickle] require('jwt-decode@3.1.1'): jwt-decode 3.1.1 is not in the catalog; serving jwt-decode 3.1.2, its newest 3.x release"
    ]


def test_jwt_decode_majors_keep_their_export_shapes(run):
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.sig"
    body = f"""
      const three = require('jwt-decode@3.1.1'), four = require('jwt-decode');
      callback(null, {{ three: three({token!r}).sub, four: four.jwtDecode({token!r}).sub, fourIsFn: typeof four }});"""
    assert value_of(run, body) == {"three": "u1", "four": "u1", "fourIsFn": "object"}


@pytest.mark.parametrize(
    "spec, message",
    [
        ("mongodb@2", "no version of mongodb satisfies 2; the sandbox serves mongodb 3.7.4, 4.17.2, 5.9.2, 6.22.0"),
        (
            "mongodb@2.2.36",
            "mongodb 2.2.36 is not in the catalog, nor any 2.x release; the sandbox serves mongodb 3.7.4",
        ),
        (
            "axios@0.19.0",
            "axios 0.19.0 is not in the catalog, nor any 0.19.x release; the sandbox serves axios 0.21.4, 0.22.0, 1.21.1",
        ),
        ("mongodb@banana", "'banana' is not a version or a semver range"),
        ("mysql2/nope", "the sandbox serves mysql2 3.24.6 as 'mysql2' and 'mysql2/promise' only"),
        ("left-pad", "these npm packages"),
    ],
)
def test_unsatisfiable_requires_name_the_versions_served(run, spec, message):
    outcome = outcome_of(run, f"require({spec!r});")
    assert outcome.status == "error"
    assert outcome.result["error"]["code"] == "MODULE_NOT_FOUND"
    assert message in outcome.result["error"]["message"]


def test_subpaths_follow_the_pinned_version(run):
    body = """
      const p2 = require('mysql2@2/promise'), p3 = require('mysql2/promise');
      callback(null, [typeof p2.createConnection, typeof p3.createPool, p2 === p3]);"""
    assert value_of(run, body) == ["function", "function", False]


def test_catalog_listing_matches_the_file():
    listed = catalog.packages()
    data = json.loads(catalog.CATALOG_FILE.read_text())
    for name, pkg in data["packages"].items():
        assert listed[name]["default"] == pkg["default"]
        assert set(listed[name]["versions"]) == set(pkg["versions"])
    assert listed["mongodb"]["default"].startswith("3.")


CATALOG = json.loads(catalog.CATALOG_FILE.read_text())["packages"]
EVERY_VERSION = [(name, version) for name, pkg in CATALOG.items() for version in pkg["versions"]]


@pytest.mark.parametrize("name, version", EVERY_VERSION, ids=[f"{n}@{v}" for n, v in EVERY_VERSION])
def test_every_catalog_version_loads_in_a_fresh_isolate(run, name, version):
    # jose 4 and auth0 3.x/4.x call util.promisify(crypto.generateKeyPair) as they load: the isolate has it.
    spec = f"{name}@{version}"
    body = f"""
      const m = require({spec!r});
      callback(null, {{ type: typeof m, keys: Object.keys(m).length, version: require({spec + "/package.json"!r}).version }});"""
    outcome = run(f"function login(email, password, callback) {{ {body} }}", timeout_ms=20000, memory_mb=256)
    assert outcome.status == "ok", outcome.result
    assert outcome.value["version"] == version
    assert outcome.value["type"] in ("object", "function")


@pytest.mark.parametrize(
    "spec",
    [
        "mongodb@3/../../dist/manifest.json",
        "mongodb@3/../pg@7.18.2",
        "mysql2@3/promise/../../../../catalog.json",
        "mongodb@3.7.4/lib/index.js",
        "mongodb@3/package.json/..",
        "mongodb@3/./package.json",
        "mongodb@3.7.4/../../../../src/host/worker",
        "mongodb@../../x",
        "../../dist/modules/mongodb@3.7.4",
        "./package.json",
        "/etc/passwd",
        "__proto__",
        "constructor",
        "@scope/../mongodb",
    ],
)
def test_paths_and_traversals_are_not_modules(run, spec):
    # Only a listed name, a listed version and a listed subpath (or its package.json) name a bundle file.
    outcome = outcome_of(run, f"require({spec!r});")
    assert outcome.status == "error", outcome.value
    assert outcome.result["error"]["code"] == "MODULE_NOT_FOUND"
