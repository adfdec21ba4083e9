"""The compiled core (bot/native.py): used only while it was built from the sources as they
are, and never needed: without a compiler the sources run."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import bot.matching
from bot import native

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A copy of the core's sources."""
    package = tmp_path / "bot"
    package.mkdir()
    for name in native.CORE:
        shutil.copy(ROOT / "bot" / f"{name}.py", package / f"{name}.py")
    return package


def built(tmp_path: Path, sources: Path) -> Path:
    """A build folder stamped with the sources' hash (as ``native.build`` leaves it)."""
    target = tmp_path / "native"
    (target / "bot").mkdir(parents=True)
    (target / native.STAMP).write_text(native.sources_hash(sources) + "\n", encoding="ascii")
    return target


def test_a_build_of_the_sources_as_they_are_goes_first(tmp_path, sources, monkeypatch):
    monkeypatch.delenv(native.PURE, raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    target = built(tmp_path, sources)
    path = [str(sources)]
    assert native.enable(path, target, sources)
    assert path == [str(target / "bot"), str(sources)]
    assert str(target) in sys.path  # where mypyc's runtime for the build is


def test_an_edited_source_runs_as_python_until_it_is_built_again(tmp_path, sources,
                                                                  monkeypatch):
    monkeypatch.delenv(native.PURE, raising=False)
    target = built(tmp_path, sources)
    matching = sources / "matching.py"
    matching.write_text(matching.read_text(encoding="utf-8") + "\n# edited\n",
                        encoding="utf-8")
    path = [str(sources)]
    assert not native.enable(path, target, sources)
    assert path == [str(sources)]


def test_no_build_or_the_pure_switch_runs_the_sources(tmp_path, sources, monkeypatch):
    path = [str(sources)]
    assert not native.enable(path, tmp_path / "nothing here", sources)
    target = built(tmp_path, sources)
    monkeypatch.setenv(native.PURE, "1")
    assert not native.enable(path, target, sources)
    assert path == [str(sources)]


def test_without_a_compiler_there_is_no_build_and_one_line_says_why(tmp_path, monkeypatch):
    target = tmp_path / "native"
    (target / "bot").mkdir(parents=True)  # an older build
    monkeypatch.setattr(native.sysconfig, "get_config_var",
                        lambda name: "no-such-compiler -pthread" if name == "CC" else None)
    message = native.build(target)
    assert message == ("core: no C compiler (no-such-compiler), so it runs as Python "
                       "(the same answers, slower)")
    assert not target.exists()


def test_this_checkout_runs_its_build_when_there_is_a_fresh_one():
    # After `make`, on a machine with a C compiler: the matcher is the compiled one.
    if not native.fresh():
        pytest.skip("no build of these sources here (no C compiler, or not built yet)")
    assert Path(bot.matching.__file__).is_relative_to(native.BUILD)
    assert not Path(bot.matching.__file__).name.endswith(".py")
