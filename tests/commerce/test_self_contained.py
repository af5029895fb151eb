"""`commerce` stands alone: it imports itself, the standard library and the distributions
its pyproject.toml declares, never this project's own modules (config, home, tests, the
Stripe emulator), which a site that installs the wheel does not have."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.processes import PROJECT_ROOT

APP = PROJECT_ROOT / "commerce"


def imported_modules(path: Path) -> set[str]:
    """The top-level names of the absolute imports in one module (relative ones stay
    inside the app by construction)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def imports_by_module() -> dict[str, set[str]]:
    modules = {
        str(path.relative_to(PROJECT_ROOT)): imported_modules(path) for path in APP.rglob("*.py")
    }
    assert len(modules) > 50, "found too few of commerce's modules"
    return modules


def project_modules() -> set[str]:
    """What this checkout makes importable besides the app: its packages and modules."""
    packages = {path.parent.name for path in PROJECT_ROOT.glob("*/__init__.py")}
    return (packages | {path.stem for path in PROJECT_ROOT.glob("*.py")}) - {"commerce"}


def test_project_modules_are_known():
    assert {"config", "home", "tests", "stripe_emulator", "manage"} <= project_modules()


def test_commerce_imports_nothing_of_the_project():
    project = project_modules()
    offending = {
        module: sorted(names & project)
        for module, names in imports_by_module().items()
        if names & project
    }
    assert offending == {}


def test_every_distribution_commerce_imports_is_declared():
    declared = {
        re.match(r"[A-Za-z0-9_.-]+", requirement)[0].lower().replace("_", "-")
        for requirement in tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"][
            "dependencies"
        ]
    }
    distributions = packages_distributions()
    third_party = (
        set().union(*imports_by_module().values()) - set(sys.stdlib_module_names) - {"commerce"}
    )
    undeclared = {
        name: distributions.get(name)
        for name in sorted(third_party)
        if not {dist.lower().replace("_", "-") for dist in distributions.get(name, [])} & declared
    }
    assert undeclared == {}
