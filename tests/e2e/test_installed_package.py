"""The engine installed as a deployment installs it: a wheel, not editable, used from another directory.

The wheel is built from a copy of what pyproject.toml packages (offline: --no-build-isolation with
the virtualenv's setuptools), installed without its dependencies into a fresh virtualenv that sees
this one's dependencies through a .pth file, and run from a folder outside the checkout: the
console command, a shipped strategy, the migrations (a report on an empty store), the report, channel
and web templates. Nothing of the checkout is importable there; the test checks where modules load from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120
PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"


def packaged_sources(destination: Path) -> list[str]:
    """Copy what pyproject.toml names (its modules, its packages, the README it reads) to `destination`;
    the top-level names copied."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    patterns = setuptools["packages"]["find"]["include"]
    names = [f"{module}.py" for module in setuptools["py-modules"]]
    names += sorted(
        path.name
        for path in ROOT.iterdir()
        if path.is_dir() and (path / "__init__.py").exists() and any(fnmatch(path.name, p) for p in patterns)
    )
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in names:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignore)
        else:
            shutil.copy2(source, destination / name)
    for name in ("pyproject.toml", config["project"]["readme"]):
        shutil.copy2(ROOT / name, destination / name)
    return names


def run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """(the fresh virtualenv, the wheel, the top-level names packaged)."""
    base = tmp_path_factory.mktemp("installed")
    source, wheels, venv = base / "source", base / "wheels", base / "venv"
    source.mkdir()
    names = packaged_sources(source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "--quiet"]
    quiet = {**os.environ, "PYTHONWARNINGS": "ignore"}
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheels), str(source)], base, quiet)
    (wheel,) = wheels.glob("*.whl")
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], base, quiet)
    python = venv / "bin" / "python"
    run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], base, quiet)
    # The dependencies come from this virtualenv (a path in a .pth is appended after the new
    # site-packages, and the .pth files there, the editable install's among them, are not run).
    site = Path(run([str(python), "-c", PURELIB], base, quiet).strip())
    dependencies = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_collections_engine_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n")
    return venv, wheel, names


@pytest.fixture
def elsewhere(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A working directory outside the checkout and an environment pointing at nothing of it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "DATABASE_URL"}}
    env |= {"COLUMNS": "200", "NO_COLOR": "1", "PYTHONSAFEPATH": "1"}
    return folder, env


def test_the_wheel_carries_every_file_of_its_packages(installed: tuple[Path, Path, list[str]]) -> None:
    """Strategies, templates, migrations: whatever lies in a package's folder ships with it."""
    _, wheel, names = installed
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        path.relative_to(ROOT).as_posix()
        for name in names
        if (ROOT / name).is_dir()
        for path in (ROOT / name).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert expected - shipped == set()
    for needed in ("strategies/default.toml", "strategies/demo.toml", "store/migrations/env.py",
                   "channels/templates/en/letter_validation_notice.txt", "ops/report_templates/statement.html",
                   "web/templates/dashboard.html"):  # fmt: skip
        assert needed in shipped
    (entry_points_file,) = [name for name in shipped if name.endswith(".dist-info/entry_points.txt")]
    entry_points = zipfile.ZipFile(wheel).read(entry_points_file)
    assert b"collections = starter:main" in entry_points and b"collections-worker = worker:main" in entry_points


def test_the_installed_command_runs_from_another_directory(
    installed: tuple[Path, Path, list[str]], elsewhere: tuple[Path, dict[str, str]]
) -> None:
    venv, _, _ = installed
    folder, env = elsewhere
    collections = str(venv / "bin" / "collections")

    assert "Usage: collections [OPTIONS] COMMAND [ARGS]..." in run([collections, "--help"], folder, env)

    checked = run([collections, "strategy", "check", "default"], folder, env)
    assert "strategy default version" in checked and "valid" in checked
    assert "strategy demo version" in run([collections, "strategy", "check", "demo"], folder, env)

    # An empty store in this folder's .data/: migrated from the installed package, then read.
    aging = run([collections, "report", "aging", "--as-of", "2026-03-31"], folder, env)
    assert "as of 2026-03-31" in aging, aging  # a table, or one line for a store with nothing open
    assert (folder / ".data" / "collections.db").exists()

    written = run([collections, "report", "month-end", "--month", "2026-03", "--out", "reports"], folder, env)
    pages = list((folder / "reports").rglob("*.html"))
    assert pages and "<html" in pages[0].read_text(encoding="utf-8").lower(), written


def test_the_installed_modules_find_their_files_without_the_checkout(
    installed: tuple[Path, Path, list[str]], elsewhere: tuple[Path, dict[str, str]]
) -> None:
    venv, _, names = installed
    folder, env = elsewhere
    probe = """
import importlib, sys
from pathlib import Path
site = Path(sys.argv[1]).resolve()
for name in sys.argv[2:]:
    module = importlib.import_module(name.removesuffix(".py"))
    assert site in Path(module.__file__).resolve().parents, f"{name} from {module.__file__}"
from channels.render import check_templates
from ops.strategies import STRATEGY_DIR, load_strategy
from store.db import MIGRATIONS
from web.pages import templates
assert site in STRATEGY_DIR.resolve().parents
assert sorted(p.stem for p in STRATEGY_DIR.glob("*.toml")) == ["default", "demo"], STRATEGY_DIR
load_strategy("demo")
assert len(check_templates()) >= 9
assert len(list((MIGRATIONS / "versions").glob("0*.py"))) >= 6
for page in ("base.html", "dashboard.html", "account.html", "login.html"):
    templates.get_template(page)
print("ok")
"""
    python = str(venv / "bin" / "python")
    site = run([python, "-c", PURELIB], folder, env).strip()
    assert run([python, "-c", probe, site, *names], folder, env).strip() == "ok"
    assert str(ROOT) not in site
