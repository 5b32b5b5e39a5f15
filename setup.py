"""One build step pyproject.toml cannot declare: ship the repository's data/snapshot inside the package.

The snapshot has to stay at data/snapshot (`aigap snapshot` writes it there, tests and docs read it there), so
the wheel gets a copy at build time, as aigap/data/snapshot, instead of a second copy in git. An editable
install skips the copy: aigap.paths reads data/snapshot in place. All metadata lives in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SNAPSHOT = Path("data/snapshot")


class BuildPyWithSnapshot(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        files = sorted(SNAPSHOT.rglob("*.csv"))
        if not files:
            raise SystemExit(f"{SNAPSHOT} holds no CSV files: build from a repository checkout or its sdist")
        for src in files:
            dest = Path(self.build_lib, "aigap", "data", "snapshot", src.relative_to(SNAPSHOT))
            self.mkpath(str(dest.parent))
            self.copy_file(str(src), str(dest))


setup(cmdclass={"build_py": BuildPyWithSnapshot})
