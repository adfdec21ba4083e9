"""The answering core compiled to C with mypyc, where a C compiler is at hand.

``make`` calls ``build`` after installing. It compiles bot/words.py,
normalise.py, classifier.py and matching.py, unchanged, into ``.venv/native`` (about 20 s)
and records a hash of the sources it compiled. On import, ``bot`` puts that build ahead of
the sources only while the hash still matches them: an edited source runs as Python until
the next ``make``, never an older build of it. Without a C compiler (or Python's headers),
or with ``RESIDENCY_BOT_PURE=1`` set, the sources run as they are: the same answers, slower
(a warm match 56–62 µs against 38–44 µs in stop 31's runs; BENCHMARKS.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

CORE = ("words", "normalise", "classifier", "matching")  # = CORE in the Makefile
PACKAGE = Path(__file__).resolve().parent
# With the environment it was built for, not with the data in var/: it is code.
BUILD = PACKAGE.parent / ".venv" / "native"
STAMP = "SOURCES"  # in the build: the hash of the sources it was compiled from
PURE = "RESIDENCY_BOT_PURE"  # set (to anything but "" or "0"): always run the sources
GROUP = "residency_bot_core"  # mypyc's runtime for the build: a top-level module of its own


def sources_hash(package: Path = PACKAGE) -> str:
    """A hash of the core's sources, and of the interpreter whose ABI a build has."""
    digest = hashlib.sha256(sys.implementation.cache_tag.encode())
    for name in CORE:
        digest.update((package / f"{name}.py").read_bytes())
    return digest.hexdigest()


def fresh(build: Path = BUILD, package: Path = PACKAGE) -> bool:
    """Whether ``build`` holds a build of the current sources, to be run: False when there
    is none, it is stale, or ``RESIDENCY_BOT_PURE`` is set."""
    if os.environ.get(PURE, "") not in ("", "0"):
        return False
    try:
        recorded = (build / STAMP).read_text(encoding="ascii").strip()
    except OSError:
        return False
    return recorded == sources_hash(package)


def enable(package_path: list[str], build: Path = BUILD, package: Path = PACKAGE) -> bool:
    """Put a build of the current sources ahead of them on the package's path (when
    ``fresh``); False, and the sources run, otherwise."""
    if not fresh(build, package):
        return False
    package_path.insert(0, str(build / "bot"))
    if str(build) not in sys.path:
        sys.path.append(str(build))
    return True


def _compiler() -> str | None:
    """Why the core cannot be compiled here, or None when it can be tried."""
    compiler = str(sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "no Python headers (Python.h)"
    try:
        import mypyc.build  # noqa: F401  (mypy is a development dependency)
    except ImportError:
        return "no mypyc (pip install mypy)"
    return None


def build(target: Path = BUILD) -> str:
    """Compile the core into ``target`` (replacing what is there); one line on what
    happened. A failed build leaves no build, so the sources run."""
    shutil.rmtree(target, ignore_errors=True)  # whatever happens next, no older build stays
    missing = _compiler()
    if missing is not None:
        return f"core: {missing}, so it runs as Python (the same answers, slower)"
    from mypyc.build import mypycify
    from setuptools import setup

    compiled = sources_hash()
    root = PACKAGE.parent
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        log = work / "build.log"
        try:
            with (log.open("w") as out, contextlib.redirect_stdout(out),
                  contextlib.redirect_stderr(out), contextlib.chdir(root)):
                modules = mypycify([f"bot/{name}.py" for name in CORE], group_name=GROUP,
                                   target_dir=str(work / "c"))
                setup(name="residency-bot-core", ext_modules=modules, script_args=[
                    "build_ext", "--build-lib", str(work / "out"),
                    "--build-temp", str(work / "o")])
        except (Exception, SystemExit) as error:  # any failure: no build, the sources run
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
            return f"core: the build failed ({error!r}), so it runs as Python: " + " | ".join(tail)
        if sources_hash() != compiled:  # edited while it compiled
            return "core: a source changed during the build; run make again"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(work / "out", target)
    (target / STAMP).write_text(compiled + "\n", encoding="ascii")
    return f"core: compiled with mypyc into {target}"
