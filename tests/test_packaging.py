"""The web UI ships in the package: templates and static files live in the top-level web/ (beside
src/), and pyproject.toml maps that folder into the wheel as ``eventsearch.webassets``.

These tests build the sdist and the wheel from a copy of the checkout (``python -m build``, which
builds the wheel from the sdist as pip does for a PyPI user; without ``build``, ``pip wheel``
builds the wheel from the tree), install it in a fresh venv and serve every page from it, and do
the same for an editable install. Each fresh venv borrows its dependencies from the Python
running the tests (a folder of links to its packages, eventsearch and .pth files left out), so it
imports only the eventsearch installed into it, and needs no download. Building needs setuptools
from the package index (pip's isolated build). ~20 s.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from .conftest import PROJECT, SAMPLE_CORPUS, free_port, get_json

pytestmark = pytest.mark.packaging

WEB = PROJECT / "web"
CODE = PROJECT / "src" / "eventsearch"


def files_under(folder: Path) -> list[str]:
    """Every file below folder, relative and with / separators, caches left out."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def test_the_web_assets_live_at_the_top_level():
    assert files_under(WEB / "templates") and files_under(WEB / "static")
    assert not (CODE / "web" / "templates").exists() and not (CODE / "web" / "static").exists()


def run(args: list[str | Path], **kwargs) -> str:  # type: ignore[no-untyped-def]
    """Run a command; its stdout, or a failure showing all it printed."""
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300,
                          **kwargs)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def clean_env() -> dict[str, str]:
    """The environment without what would point a fresh venv at this checkout or its settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
           and not k.startswith("EVENTSEARCH_")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what a build reads, as a clean clone has it (no build/, egg-info or caches)."""
    copy = tmp_path_factory.mktemp("checkout")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT / name, copy / name)
    for name in ("src", "web"):
        shutil.copytree(PROJECT / name, copy / name, ignore=ignore)
    return copy


def have_build() -> bool:
    """Whether `build` is installed (its metadata: a stray build/ folder is no module)."""
    try:
        importlib.metadata.version("build")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.fixture(scope="module")
def dists(checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | None]:
    """{"sdist": the .tar.gz or None, "wheel": the .whl}."""
    out = tmp_path_factory.mktemp("dist")
    if have_build():
        run([sys.executable, "-m", "build", "--outdir", out, checkout])
        (sdist,) = out.glob("*.tar.gz")
    else:
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, checkout])
        sdist = None
    (wheel,) = out.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


def test_the_wheel_holds_the_code_and_every_web_asset(dists):
    names = set(zipfile.ZipFile(dists["wheel"]).namelist())
    expected = [f"eventsearch/{f}" for f in files_under(CODE)]
    expected += [f"eventsearch/webassets/{folder}/{f}" for folder in ("templates", "static")
                 for f in files_under(WEB / folder)]
    assert [f for f in expected if f not in names] == [], (
        "missing from the wheel: add the package or folder to [tool.setuptools] in pyproject.toml")
    assert not any(n.startswith(("web/", "eventsearch/web/templates", "eventsearch/web/static"))
                   for n in names)


def test_the_sdist_holds_web(dists):
    if dists["sdist"] is None:
        message = "`build` is not installed (pip install '.[test]'), so no sdist was built"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with tarfile.open(dists["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    expected = [f"src/eventsearch/{f}" for f in files_under(CODE)]
    expected += [f"web/{f}" for f in files_under(WEB)]
    assert [f for f in expected if f not in names] == []


def borrowed_dependencies(folder: Path) -> Path:
    """A folder of links to everything the running Python imports from outside its standard
    library and this checkout, except eventsearch itself (an installed copy, an editable
    install's finder, their metadata) and .pth files: the dependencies, without the project."""
    folder.mkdir()
    for entry in sys.path:
        path = Path(entry or ".").resolve()
        # installed packages only: not the checkout, the script's folder (a venv's bin/ holds
        # a `flask` script that would shadow the package) or the standard library
        if not path.is_dir() or not {"site-packages", "dist-packages"} & set(path.parts):
            continue
        for item in path.iterdir():
            name = item.name.lower()
            if (name.startswith(("eventsearch", "__editable__", "__pycache__"))
                    or name.endswith(".pth") or (folder / item.name).exists()):
                continue
            (folder / item.name).symlink_to(item)
    return folder


def fresh_venv(folder: Path) -> Path:
    """A venv without pip whose dependencies are the running Python's; its python."""
    run([sys.executable, "-m", "venv", "--without-pip", folder])
    python = folder / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = Path(run([python, "-c", purelib], env=clean_env()).strip())
    deps = borrowed_dependencies(folder / "borrowed")
    (site_packages / "_borrowed_dependencies.pth").write_text(f"{deps}\n")
    return python


def pip_install(python: Path, *args: str | Path) -> None:
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", *args],
        env={**clean_env(), "PIP_DISABLE_PIP_VERSION_CHECK": "1"})


def where_assets(python: Path, cwd: Path) -> tuple[Path, Path]:
    """(eventsearch.web's folder, its asset folder) as that python imports them."""
    out = run([python, "-c", "import eventsearch.web as w; from pathlib import Path;"
                             "print(Path(w.__file__).resolve().parent); print(w.asset_folder())"],
              env=clean_env(), cwd=cwd)
    code, assets = out.split("\n")[:2]
    return Path(code), Path(assets)


def fetch(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_a_wheel_installed_in_a_fresh_venv_serves_every_page(dists, tmp_path):
    python = fresh_venv(tmp_path / "venv")
    pip_install(python, "--no-index", dists["wheel"])
    code, assets = where_assets(python, tmp_path)
    assert code.is_relative_to(tmp_path / "venv") and assets == code.parent / "webassets"

    env = clean_env()
    eventsearch = tmp_path / "venv" / "bin" / "eventsearch"
    index = tmp_path / "index"
    run([eventsearch, "index", SAMPLE_CORPUS, "--index", index, "--workers", "1"],
        env=env, cwd=tmp_path)
    port = free_port()
    server = subprocess.Popen([eventsearch, "serve", "--index", index, "--host", "127.0.0.1",
                               "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get_json(port, "/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, \
                    server.communicate(timeout=10)
                time.sleep(0.2)

        hits = get_json(port, "/api/search?q=kubernetes")[0]["hits"]
        note = "/notes/" + urllib.parse.quote(hits[0]["id"])
        for path in ("/", "/search?q=kubernetes", note, "/opensearch.xml"):
            status, body = fetch(port, path)
            assert status == 200, path
        page = fetch(port, "/search?q=kubernetes")[1].decode()
        assert '<script src="/static/app.js" defer></script>' in page and "kubernetes" in page
        status, body = fetch(port, "/notes/no-such-note.md")  # error.html
        assert status == 404 and b"<html" in body and b"/static/app.css" in body
        for name in files_under(WEB / "static"):
            assert fetch(port, f"/static/{name}") == (200, (WEB / "static" / name).read_bytes())
        assert fetch(port, "/favicon.ico")[0] == 200  # a redirect to /static/favicon.svg
    finally:
        server.terminate()
        server.communicate(timeout=20)


def test_an_editable_install_finds_web_beside_src(checkout, corpus_index, tmp_path):
    python = fresh_venv(tmp_path / "venv")
    pip_install(python, "--editable", checkout)
    code, assets = where_assets(python, tmp_path)
    assert code == checkout.resolve() / "src" / "eventsearch" / "web"
    assert assets == checkout.resolve() / "web"
    script = (
        "from eventsearch.config import load_settings\n"
        "from eventsearch.web import create_app\n"
        f"app = create_app(load_settings(index_dir={str(corpus_index)!r}),"
        " test_config={'TESTING': True})\n"
        "client = app.test_client()\n"
        "for path in ('/', '/search?q=kubernetes', '/static/app.css', '/static/app.js',"
        " '/static/favicon.svg', '/opensearch.xml'):\n"
        "    assert client.get(path).status_code == 200, path\n"
        "print('ok')\n")
    assert run([python, "-c", script], env=clean_env(), cwd=tmp_path).strip() == "ok"
