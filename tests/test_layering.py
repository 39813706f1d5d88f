"""Imports point one way, console -> bridge -> cmi5 -> lrs (DESIGN.md), as the import-linter
contract in pyproject.toml states and `make lint` checks: the tree keeps it, and a wrong-way
import anywhere in a package breaks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("console", "bridge", "cmi5", "lrs")
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports('pyproject.toml', no_cache=True))"


def copy_tree(target: Path) -> Path:
    shutil.copy(REPO / "pyproject.toml", target)
    for package in LAYERS:
        shutil.copytree(REPO / package, target / package, ignore=shutil.ignore_patterns("__pycache__", "*.png"))
    return target


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    # Run on `root` alone: its packages, not the installed ones, are what gets analysed.
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, env=env, capture_output=True, text=True)


def test_the_tree_keeps_the_layers(tmp_path):
    result = lint_imports(copy_tree(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("lower", "higher"), [("lrs", "cmi5"), ("cmi5", "bridge"), ("bridge", "console"), ("lrs", "console")]
)
def test_an_import_against_the_layers_fails(tmp_path, lower, higher):
    root = copy_tree(tmp_path)
    # Deep inside a function, as a late import to dodge a cycle would be: still a dependency.
    with (root / lower / "__init__.py").open("a") as module:
        module.write(f"\n\ndef _wrong_way():\n    import {higher}\n")
    result = lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{lower} is not allowed to import {higher}" in result.stdout
