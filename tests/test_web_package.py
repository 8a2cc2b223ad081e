"""web/ as an npm package: its manifest, its lock file, the service worker's list of the page's files, and
`npm test` (the JSDoc checked by tsc, the types a TypeScript user sees, the Node checks of web/test/)."""

import configparser
import json
import re
import shutil
import subprocess

import pytest

from web.harness import WEB

ROOT = WEB.parent
# The TF.js packages the module runs on, handed in by the caller: peers, so an app's own copy is the one used.
PEERS = {"@tensorflow/tfjs-core", "@tensorflow/tfjs-converter", "@tensorflow/tfjs-backend-wasm"}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((WEB / "package.json").read_text())


def test_name_and_version_are_the_projects(manifest):
    """The package is the Python project's browser half: one name, one version (setup.cfg's)."""
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    assert manifest["name"] == setup["metadata"]["name"] and manifest["version"] == setup["metadata"]["version"]
    assert manifest["license"] == setup["metadata"]["license"] and "private" not in manifest


def test_entry_points_are_files_the_package_ships(manifest):
    """`exports`, `module`, `main` and `types` name the public API (src/index.js), the worker script and the types
    that `npm run types` writes (and `npm pack` runs first); `files` ships exactly those folders."""
    root = manifest["exports"]["."]
    assert manifest["module"] == manifest["main"] == root["default"] == "./src/index.js"
    assert manifest["types"] == root["types"] == "./types/index.d.ts"
    assert (WEB / root["default"]).is_file() and (WEB / manifest["exports"]["./liveWorker.js"]).is_file()
    assert manifest["files"] == ["src/", "types/", "README.md"]
    assert manifest["scripts"]["prepack"].startswith("npm run types && ")
    assert "--outDir types" in manifest["scripts"]["types"]


def caret_admits(range_: str, version: str) -> bool:
    """Whether an npm caret range `^X.Y.Z` admits the exact version X'.Y'.Z' (same major, not lower)."""
    low = tuple(map(int, range_.removeprefix("^").split(".")))
    have = tuple(map(int, version.split(".")))
    return range_.startswith("^") and have[0] == low[0] and have >= low


def test_dependencies_peer_and_dev(manifest):
    """TF.js's core, converter and WASM backend are peers (the WASM backend optional); nothing is a runtime
    dependency; the tools (TF.js whole, playwright-core, typescript) are exact devDependencies whose pinned TF.js
    each peer range admits."""
    assert "dependencies" not in manifest
    assert set(manifest["peerDependencies"]) == PEERS
    assert manifest["peerDependenciesMeta"] == {"@tensorflow/tfjs-backend-wasm": {"optional": True}}
    dev = manifest["devDependencies"]
    assert {"@tensorflow/tfjs", "playwright-core", "typescript"} <= set(dev)
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in dev.values()), dev       # exact pins
    for peer, range_ in manifest["peerDependencies"].items():
        assert caret_admits(range_, dev["@tensorflow/tfjs"]), (peer, range_)


def test_lock_file_matches_the_manifest(manifest):
    """`npm ci` (the Makefile's install, so CI's) installs from the lock: it must hold the manifest's pins,
    typescript's among them."""
    lock = json.loads((WEB / "package-lock.json").read_text())
    root = lock["packages"][""]
    assert (lock["name"], root["version"]) == (manifest["name"], manifest["version"])
    for field in ("devDependencies", "peerDependencies", "peerDependenciesMeta"):
        assert root.get(field) == manifest[field], field
    assert "dependencies" not in root
    for name, version in manifest["devDependencies"].items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name


def test_service_worker_keeps_every_page_file():
    """sw.js's list of the page's files holds the page and every module of src/, and nothing that is not there
    (vendor/ comes from vendor/files.json, which tools/vendor.mjs writes)."""
    text = (WEB / "sw.js").read_text()
    listed = re.findall(r"'([^']+)'", re.search(r"const PAGE = \[(.*?)\];", text, re.S).group(1))
    expected = {"./", "index.html", "page.js", "page.css"} | {f"src/{path.name}" for path in (WEB / "src").glob("*.js")}
    assert set(listed) == expected and len(listed) == len(expected)
    assert "vendor/files.json" in text and "files.json" in (WEB / "tools" / "vendor.mjs").read_text()


@pytest.mark.slow                     # runs tsc twice and Node's test runner: about 10 s
def test_npm_test_passes():
    """`npm test`: the declarations build from the JSDoc, tsc finds no type error in src/, a TypeScript user's code
    (web/test/consumer.ts) compiles against the package's types and its wrong calls do not, and web/test/*.test.mjs
    pass (the image kinds and their errors, the package's exports)."""
    npm = shutil.which("npm")
    if npm is None or not (WEB / "node_modules" / "typescript").is_dir():
        pytest.fail("needs npm and web/node_modules with typescript (make install runs `npm ci --prefix web`)")
    result = subprocess.run([npm, "test", "--prefix", str(WEB)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert re.search(r"^# fail 0$", result.stdout, re.M) and re.search(r"^# pass [1-9]", result.stdout, re.M)


@pytest.mark.slow                     # runs tsc: a few seconds
def test_the_tarball_carries_the_licence_and_the_api():
    """`npm pack` (here --dry-run, which runs prepack too) ships the project's LICENSE, copied in by prepack, beside
    the modules and their types."""
    npm = shutil.which("npm")
    if npm is None or not (WEB / "node_modules" / "typescript").is_dir():
        pytest.fail("needs npm and web/node_modules with typescript (make install runs `npm ci --prefix web`)")
    (WEB / "LICENSE").unlink(missing_ok=True)
    result = subprocess.run([npm, "pack", "--dry-run", "--json"], cwd=WEB, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    shipped = {entry["path"] for entry in json.loads(result.stdout)[0]["files"]}
    assert {"LICENSE", "README.md", "package.json", "src/index.js", "types/index.d.ts"} <= shipped, shipped
    assert (WEB / "LICENSE").read_bytes() == (ROOT / "LICENSE").read_bytes()
