"""Chinese is the source language; the English catalogue must stay complete and compiled."""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = (
    "manage.py",
    "pyproject.toml",
    "governance",
    "grids",
    "disputes",
    "mediation",
    "visits",
    "templates",
    "locale",
)


def test_english_catalogue_covers_every_string(tmp_path):
    """Regenerate the catalogue from a copy of the sources: nothing may be untranslated or fuzzy."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "--no-location"],
        cwd=tmp_path,
        # The copy has no tests package: the project's own settings, not the suite's.
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "governance.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    stats = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(tmp_path / "locale/en/LC_MESSAGES/django.po")],
        capture_output=True,
        text=True,
    ).stderr
    assert "untranslated" not in stats and "fuzzy" not in stats, stats


def test_compiled_catalogue_matches_the_po_file(tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(PO)], check=True)
    with fresh.open("rb") as a, MO.open("rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog
