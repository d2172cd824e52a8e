"""constraints.txt pins exactly what the bot needs at run time, at versions pyproject allows."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) and re.fullmatch(r"[0-9][0-9A-Za-z.+!-]*", version), line
        assert canonical(name) not in found, f"{name} is pinned twice"
        found[canonical(name)] = version
    return found


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in project["dependencies"]]


def test_every_dependency_in_pyproject_is_pinned_at_a_version_it_allows() -> None:
    pinned = pins()
    for requirement in runtime_requirements():
        version = pinned.get(canonical(requirement.name))
        assert version is not None, f"{requirement.name} is a dependency but not in constraints.txt"
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{requirement.name}=={version} is outside {requirement.specifier}"
        )


def test_the_pins_are_the_runtime_dependencies_and_nothing_else() -> None:
    """What pyproject's dependencies pull in, read from the installed packages' metadata."""
    needed: set[str] = set()
    todo = [(r.name, frozenset(r.extras)) for r in runtime_requirements()]
    done: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (canonical(name), extras) in done:
            continue
        done.add((canonical(name), extras))
        needed.add(canonical(name))
        for raw in metadata.distribution(name).requires or []:
            requirement = Requirement(raw)
            environments = [{"extra": e} for e in extras] or [{"extra": ""}]
            if requirement.marker is None or any(requirement.marker.evaluate(env) for env in environments):
                todo.append((requirement.name, frozenset(requirement.extras)))
    pinned = set(pins())
    assert not needed - pinned, f"needed at run time but not pinned: {sorted(needed - pinned)}"
    assert not pinned - needed, f"pinned but not needed at run time: {sorted(pinned - needed)}"


def test_the_docker_image_installs_with_the_constraints() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^COPY [^\n]*\bconstraints\.txt\b", dockerfile, re.MULTILINE)
    assert re.search(r"^RUN pip install [^\n]*-c constraints\.txt \.$", dockerfile, re.MULTILINE)
