"""scripts/mutation's configuration stays true to the tree: the modules it mutates and the test files
it runs exist, every rule module is in it, and every reviewed equivalent mutant names a module of it
and says why. (The mutation run itself is on demand, not in CI: README, "Mutation testing".)"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "scripts" / "mutation.toml").read_text("utf-8"))
EQUIVALENTS = ROOT / "scripts" / "mutation-equivalents"

# The modules that decide permissions, deadlines, reminders, statistics or states (issue 18).
RULE_MODULES = {
    "governance/workdays.py",
    "governance/scoping.py",
    "disputes/rules.py",
    "disputes/deadlines.py",
    "disputes/scan.py",
    "grids/zero_report.py",
    "mediation/rules.py",
    "visits/rules.py",
    "visits/scan.py",
    "governance/throttle.py",
    "disputes/workorders.py",
    "disputes/consultations.py",
    "disputes/consultation_scan.py",
    "mediation/online.py",
}


def test_every_rule_module_is_mutation_tested():
    assert RULE_MODULES - set(CONFIG["modules"]) == set()


def test_modules_and_their_test_files_exist():
    missing = [
        path
        for module, spec in CONFIG["modules"].items()
        for path in [module, *(test.split("::")[0] for test in spec["tests"])]
        if not (ROOT / path).is_file()
    ]
    assert missing == []
    assert all(spec["tests"] for spec in CONFIG["modules"].values())
    # A module with a PostgreSQL-only path runs against a throwaway cluster; the others on SQLite.
    assert {spec.get("database", "sqlite") for spec in CONFIG["modules"].values()} <= {"sqlite", "postgresql"}


def test_equivalent_mutants_are_reviewed_entries_of_configured_modules():
    dotted = {module.removesuffix(".py").replace("/", ".") for module in CONFIG["modules"]}
    for path in sorted(EQUIVALENTS.glob("*.toml")):
        assert path.stem in dotted, f"{path.name}: no such module in scripts/mutation.toml"
        entries = tomllib.loads(path.read_text("utf-8"))["equivalent"]
        for entry in entries:
            assert set(entry) == {"function", "mutant", "why"}, (path.name, entry)
            assert entry["function"] and entry["mutant"] and len(entry["why"]) >= 20, (path.name, entry)
        keys = [(e["function"], "".join(e["mutant"].split())) for e in entries]
        assert len(keys) == len(set(keys)), f"{path.name}: an equivalent listed twice"
