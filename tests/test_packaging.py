"""The wheel and sdist a user installs: what they carry, their metadata, and an sdist that rebuilds the front end."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("build")
pytest.importorskip("hatchling")

import shap_widget

REPO = Path(__file__).resolve().parents[1]
BUNDLES = ["widget.js", "widget.css", "dataset.js", "dataset.css"]
ADAPTER = "shap_widget/demo/sentiment_adapter.safetensors"
FRONT_END_BUILD = ["js/build.mjs", "js/esbuild.options.mjs", "js/package.json", "js/package-lock.json"]


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """An sdist of the working tree and a wheel built from that sdist, as `python -m build` makes them."""
    out = tmp_path_factory.mktemp("dist")
    # No isolation: the build backend comes from this environment, so no network is needed.
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO)],
        check=True, capture_output=True, env={**os.environ, "PIP_NO_INPUT": "1"},
    )
    (wheel,), (sdist,) = out.glob("*.whl"), out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


def _sdist_names(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as tar:
        return [name.split("/", 1)[1] for name in tar.getnames() if "/" in name]


def test_wheel_carries_the_license_bundles_and_adapter_and_no_tests(dists):
    """A wheel install needs no Node or network: the bundles and the demo adapter are inside, tests are not."""
    with zipfile.ZipFile(dists["wheel"]) as whl:
        names = whl.namelist()
        info = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(whl.read(info))
        license_text = whl.read(next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))).decode()
    assert {f"shap_widget/static/{b}" for b in BUNDLES} | {ADAPTER} <= set(names)
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "js/", "benchmarks/", "training/"))]
    assert license_text.startswith("MIT License") and "The shap-widget maintainers" in license_text
    assert metadata["Version"] == shap_widget.__version__
    assert metadata["License-Expression"] == "MIT"
    assert "Framework :: Jupyter" in metadata.get_all("Classifier")
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL"))
    assert {"Homepage", "Documentation", "Repository", "Changelog"} <= set(urls)


def test_sdist_carries_what_rebuilding_the_front_end_needs_and_no_tests(dists):
    """The sdist has the license, the changelog, the JS sources and build scripts, and no tests or notebooks."""
    names = set(_sdist_names(dists["sdist"]))
    tracked = subprocess.run(["git", "ls-files", "js/src"], cwd=REPO, capture_output=True, text=True, check=True)
    assert {"LICENSE", "CHANGELOG.md", "README.md", ADAPTER, *FRONT_END_BUILD} <= names
    assert set(tracked.stdout.split()) <= names
    assert {f"shap_widget/static/{b}" for b in BUNDLES} <= names
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "js/node_modules/", "site/"))]


def test_sdist_rebuilds_the_committed_bundle(dists, tmp_path):
    """`npm run build` in the unpacked sdist (its node_modules borrowed from the checkout) rebuilds the same bundles."""
    node_modules = REPO / "js" / "node_modules"
    if shutil.which("npm") is None or not (node_modules / "esbuild").exists():
        pytest.skip("needs npm and the checkout's js/node_modules (`make setup`)")
    with tarfile.open(dists["sdist"]) as tar:
        tar.extractall(tmp_path, filter="data")
    (root,) = tmp_path.iterdir()
    static = root / "shap_widget" / "static"
    for bundle in BUNDLES:
        (static / bundle).unlink()
    (root / "js" / "node_modules").symlink_to(node_modules, target_is_directory=True)
    subprocess.run(["npm", "run", "build"], cwd=root / "js", check=True, capture_output=True)
    for bundle in BUNDLES:
        assert (static / bundle).read_bytes() == (REPO / "shap_widget" / "static" / bundle).read_bytes(), bundle


@pytest.mark.parametrize("given, torch_first, expected", [
    (None, False, "PASSIVE"),  # torch's threads sleep between passes instead of spinning
    ("ACTIVE", False, "ACTIVE"),  # the user's choice stays
    (None, True, None),  # torch loaded first has read its policy already: left as it is
])
def test_importing_the_package_lets_torch_s_threads_wait_passively(given, torch_first, expected):
    """Spinning OpenMP threads slow the engine on a busy machine; the package asks for passive waits when it
    loads before torch and leaves a policy the user set alone."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    code = "import os, shap_widget; print(os.environ.get('OMP_WAIT_POLICY'))"
    code = ("import torch; " if torch_first else "") + code
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == str(expected)
