"""The edges stay thin: no page or API route can act as the bootstrap actor, and the web pages read
through the services, never through the API's route handlers."""

from __future__ import annotations

import ast
from pathlib import Path

import highseas

SOURCE = Path(highseas.__file__).parent


def modules_under(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (SOURCE / package).rglob("*.py"))


def imported_names(path: Path) -> set[str]:
    """Every ``module.name`` a module imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_no_edge_serving_a_request_can_act_as_the_bootstrap_actor() -> None:
    reaching = [
        path.relative_to(SOURCE).as_posix()
        for path in modules_under("api", "web")
        if "highseas.auth.permissions.SYSTEM" in imported_names(path) or "SYSTEM" in path.read_text("utf-8")
    ]
    assert reaching == []


def test_the_web_pages_import_no_api_route_module() -> None:
    # The request plumbing (the page's transaction, id parameters) is shared; handlers are not.
    borrowed = {
        f"{path.relative_to(SOURCE).as_posix()}: {name}"
        for path in modules_under("web")
        for name in imported_names(path)
        if name.startswith("highseas.api") and not name.startswith("highseas.api.deps.")
    }
    assert borrowed == set()


def test_the_app_factory_lives_outside_the_api_package() -> None:
    assert (SOURCE / "app.py").is_file() and not (SOURCE / "api" / "app.py").exists()
