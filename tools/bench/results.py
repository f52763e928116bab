"""A bench run's table (markdown and JSON under `.local/bench/`) and the history of runs.

Every run writes `latest.md` / `latest.json` (and a copy named by date and revision) and appends
itself to `history.json`, which `make bench-report` draws.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.bench import Figure

BENCH_DIR = Path(
    os.environ.get("LADDA_BENCH_DIR", Path(__file__).resolve().parents[2] / ".local" / "bench")
)


def git_revision(root: Path) -> str:
    """The short revision, with `+dirty` when the work tree has changes."""
    try:
        revision = subprocess.run(
            ["git", "rev-parse", "--short=10", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{revision}+dirty" if dirty else revision


def verdict(figure: Figure) -> str:
    return {True: "met", False: "MISSED", None: "-"}[figure.meets_target]


def target_text(figure: Figure) -> str:
    if figure.target is None:
        return "-"
    return ("≥ " if figure.higher_is_better else "≤ ") + f"{figure.target:g}"


@dataclass
class Run:
    """One `make bench`: its figures, the modules that failed, and where it ran."""

    revision: str
    cores: int
    profile: str
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    seconds: float = 0.0
    figures: list[Figure] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    module_seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "revision": self.revision,
            "cores": self.cores,
            "profile": self.profile,
            "seconds": round(self.seconds, 1),
            "module_seconds": {k: round(v, 1) for k, v in self.module_seconds.items()},
            "failures": self.failures,
            "figures": [
                {**f.as_dict(), "verdict": verdict(f), "target_text": target_text(f)}
                for f in self.figures
            ],
        }

    def markdown(self) -> str:
        lines = [
            f"Measured {self.started_at} at revision `{self.revision}` on {self.cores} cores "
            f"({self.profile} run, {self.seconds / 60:.1f} min).",
            "",
            "| figure | value | baseline | ratio | target | verdict |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for f in self.figures:
            lines.append(
                f"| {f.name} | {f.value:,.2f} {f.unit} | {f.baseline:,.2f} {f.unit} "
                f"| {f.ratio:.3f} | {target_text(f)} | {verdict(f)} |"
            )
        for name, error in self.failures.items():
            lines.append(f"| {name}: failed | {error} | | | | FAILED |")
        return "\n".join(lines) + "\n"


def save(run: Run, directory: Path = BENCH_DIR) -> dict[str, Path]:
    """Write the run's table and append it to the history; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = run.started_at.replace(":", "").replace("-", "")[:15]
    name = f"bench-{stamp}-{run.revision.replace('+', '-')}"
    document = run.as_dict()
    written = {}
    for stem in (name, "latest"):
        (directory / f"{stem}.json").write_text(json.dumps(document, indent=2) + "\n")
        (directory / f"{stem}.md").write_text(run.markdown())
    written["json"] = directory / f"{name}.json"
    written["markdown"] = directory / f"{name}.md"
    history = load_history(directory)
    history.append(document)
    (directory / "history.json").write_text(json.dumps(history, indent=2) + "\n")
    written["history"] = directory / "history.json"
    return written


def load_history(directory: Path = BENCH_DIR) -> list[dict[str, Any]]:
    path = directory / "history.json"
    if not path.exists():
        return []
    history: list[dict[str, Any]] = json.loads(path.read_text())
    return history
