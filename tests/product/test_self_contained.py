"""A fresh clone is all the tests need: nothing refers to a folder outside the repository, and the README's test
command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import REPO

SKIP_DIRS = {".git", ".tox", ".venv", ".venv-tox", "build", "dist", "__pycache__", ".pytest_cache", ".ruff_cache",
             ".hypothesis", "sellintegro-demo", "node_modules"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".ini", ".cfg", ".txt", ".sql", ".html", ".css", ".json", ".sh", ".yml",
                 ".yaml", ".j2", ""}
# The folder beside the project on the machines it was built on ("../" + it, it + "/reference", a Path's parent
# joined with it) and that machine's absolute paths. Built from pieces so that this file does not match itself.
SHARED = "sha" + "red"
OUTSIDE = re.compile(
    r"\.\./" + SHARED
    + r"|\b" + SHARED + r"/(reference|design|hooks)\b"
    + r"|parents?(\[\d+\])?\s*/\s*[\"']" + SHARED
    + r"|/" + "work" + r"/"
)


def repository_text_files() -> list[Path]:
    out = []
    for path in REPO.rglob("*"):
        rel = path.relative_to(REPO)
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix in TEXT_SUFFIXES and path.stat().st_size < 2_000_000:
            out.append(path)
    return out


def test_nothing_in_the_repository_refers_to_a_folder_outside_it() -> None:
    files = repository_text_files()
    assert len(files) > 100, files  # the walk really saw the repository
    found = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not found, "references to a folder outside the repository:\n" + "\n".join(found)


def test_the_files_the_tests_read_are_in_the_repository() -> None:
    columns = REPO / "tests" / "data" / "subiekt_gt_2026_columns.md"
    tables = [line for line in columns.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    assert "## dok__Dokument" in tables and len(tables) > 10
    for name in ("baselinker_api.md", "ksef_visualisation.md", "subiekt_gt_database.md"):
        assert (REPO / "docs" / "reference" / name).is_file(), name


def readme_test_command() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block, "README has no bash block with the commands"
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if "the tests" in line]
    assert len(commands) == 1, block.group(1)
    assert "repository root" in readme, "README must say the commands are run from the repository root"
    return commands[0]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    command = readme_test_command()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    steps = [line.strip() for line in ci.splitlines()
             if line.strip() and not line.lstrip().startswith("#") and not line.startswith(("set ", "cd "))]
    assert steps == [command], steps


def test_the_test_command_installs_the_system_packages_and_tox_and_fails_when_pytest_fails() -> None:
    command = readme_test_command()
    script = (REPO / command).read_text(encoding="utf-8")
    assert "set -euo pipefail" in script
    assert "scripts/install-system-packages" in script and "pip install" in script and "tox" in script
    install = (REPO / "scripts" / "install-system-packages").read_text(encoding="utf-8")
    for package in ("libsqliteodbc", "unixodbc", "poppler-utils", "zbar-tools", "libpango-1.0-0"):
        assert package in install, package
    assert install.index("apt-get update") < install.index("apt-get install")
    tox = (REPO / "tox.ini").read_text(encoding="utf-8")
    commands = tox.split("commands =", 1)[1].split("\n[", 1)[0]
    pytest_line = next(line.strip() for line in commands.splitlines() if "pytest" in line)
    # tox fails on any non-zero exit (exit code 5 = no test collected included) unless told to ignore it
    assert not pytest_line.startswith("-") and "ignore_outcome" not in tox and "|| true" not in tox
