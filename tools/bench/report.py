"""`make bench-report`: every figure's ratio over the revisions it was measured at, as charts.

    python -m tools.bench.report [--out .local/bench/report.html]

Reads `.local/bench/history.json` (each `make bench` appends to it) and writes one HTML page
(plotly, self-contained: it opens without a network) with a chart per figure: the ratio to its
same-run baseline, run after run, the target as a dashed line, full runs and default runs as
separate series. People would rather look than read.
"""

from __future__ import annotations

import argparse
import html
from collections import defaultdict
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from tools.bench.results import BENCH_DIR, load_history


def series(history: list[dict[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """figure name -> profile ("default"/"full") -> points in run order."""
    by_figure: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for index, run in enumerate(history):
        profile = "full" if str(run.get("profile", "")).startswith("full") else "default"
        for figure in run.get("figures", []):
            by_figure[figure["name"]][profile].append(
                {
                    "run": index,
                    "label": f"{run['started_at'][:16]} {run['revision']}",
                    "ratio": figure["ratio"],
                    "target": figure.get("target"),
                    "verdict": figure.get("verdict", ""),
                    "higher_is_better": figure.get("higher_is_better", True),
                    "unit": figure.get("unit", ""),
                    "value": figure.get("value"),
                    "cores": run.get("cores"),
                }
            )
    return by_figure


def chart(name: str, profiles: dict[str, list[dict[str, Any]]]) -> go.Figure:
    figure = go.Figure()
    target = None
    better = "higher"
    for profile, points in sorted(profiles.items()):
        figure.add_trace(
            go.Scatter(
                x=[p["label"] for p in points],
                y=[p["ratio"] for p in points],
                mode="lines+markers",
                name=f"{profile} run",
                customdata=[[p["value"], p["unit"], p["verdict"], p["cores"]] for p in points],
                hovertemplate=(
                    "%{x}<br>ratio %{y:.3f}<br>value %{customdata[0]:,.2f} %{customdata[1]}"
                    "<br>%{customdata[2]} (%{customdata[3]} cores)<extra></extra>"
                ),
            )
        )
        for point in points:
            target = point["target"] if point["target"] is not None else target
            better = "higher" if point["higher_is_better"] else "lower"
    if target is not None:
        figure.add_hline(
            y=target, line_dash="dash", line_color="firebrick", annotation_text=f"target {target:g}"
        )
    figure.update_layout(
        title=f"{name}  (ratio to the same-run baseline; {better} is better)",
        height=340,
        margin={"l": 50, "r": 20, "t": 50, "b": 80},
        xaxis={"type": "category", "title": "run (UTC date, revision)"},
        yaxis={"title": "ratio"},
        legend={"orientation": "h"},
    )
    return figure


def report(history: list[dict[str, Any]]) -> str:
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Ladda benchmarks</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}</style></head><body>",
        "<h1>Ladda benchmarks: ratios over revisions</h1>",
    ]
    if not history:
        parts.append("<p>No runs yet: <code>make bench</code> records one.</p>")
    else:
        last = history[-1]
        parts.append(
            f"<p>{len(history)} runs; the last at revision <code>{html.escape(last['revision'])}"
            f"</code>, {html.escape(last['started_at'])}, {last['cores']} cores.</p>"
        )
    include = True
    for name, profiles in sorted(series(history).items()):
        parts.append(chart(name, profiles).to_html(full_html=False, include_plotlyjs=include))
        include = False
    parts.append("</body></html>")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=str(BENCH_DIR / "report.html"))
    args = parser.parse_args()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report(load_history()))
    print(f"[bench] report: {out}")


if __name__ == "__main__":
    main()
