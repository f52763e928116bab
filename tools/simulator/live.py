"""The live terminal view of a simulation (`python -m tools.simulator --scenario X --live`)."""

from __future__ import annotations

import asyncio
from collections import Counter

from rich.console import Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tools.simulator.simulation import Simulation
from tools.simulator.stats import charger_state

STATUS_STYLE = {
    "Available": "green",
    "Preparing": "cyan",
    "Charging": "bold cyan",
    "Finishing": "cyan",
    "Reserved": "magenta",
    "Unavailable": "yellow",
    "Faulted": "bold red",
}
# Chargers listed one per line up to this many; a bigger fleet is shown as counts only.
MAX_ROWS = 20


def render(sim: Simulation) -> RenderableType:
    stats = sim.stats
    states = [charger_state(s) for s in sim.stations]
    online = sum(c.online for c in states)
    by_status = Counter(status for c in states for status in c.connectors.values())
    head = Text.assemble(
        (f"{sim.scenario.name}", "bold"),
        f"  {sim.clock_text()}  (x{sim.scenario.time_factor:g})   chargers ",
        (f"{online}/{len(states)} online", "green" if online == len(states) else "yellow"),
        "   connectors ",
        *[
            Text(f"{status} {count}  ", STATUS_STYLE.get(status, ""))
            for status, count in sorted(by_status.items())
        ],
    )
    totals = Table.grid(padding=(0, 3))
    totals.add_row(
        f"sessions {stats.sessions_started} started, {stats.sessions_completed} done, "
        f"{stats.sessions_refused} refused, "
        f"{sum(c.active_sessions for c in states)} running",
        f"energy {stats.energy_wh / 1000:,.1f} kWh",
    )
    totals.add_row(
        f"transaction messages {stats.tx_sent} sent, {stats.tx_queued_offline} queued offline, "
        f"{stats.tx_replayed} replayed, {stats.tx_refused} refused, {stats.tx_dropped} dropped",
        f"connects {stats.connects}, drops {stats.disconnects}",
    )
    commands = ", ".join(f"{a} {n}" for a, n in stats.commands.most_common(6)) or "none yet"
    totals.add_row(f"commands received: {commands}", "")
    parts: list[RenderableType] = [head, totals]
    if len(states) <= MAX_ROWS:
        table = Table(box=None, pad_edge=False, header_style="dim")
        for column in ("charger", "ocpp", "link", "connectors", "queued"):
            table.add_column(column)
        for c in states:
            connectors = Text(" ").join(
                Text(f"{n}:{status}", STATUS_STYLE.get(status, ""))
                for n, status in sorted(c.connectors.items())
            )
            link = Text("online", "green") if c.online else Text("offline", "red")
            table.add_row(c.id, c.ocpp_version, link, connectors, str(c.queued_messages or ""))
        parts.append(table)
    if stats.events_applied:
        parts.append(Text("events: " + " | ".join(stats.events_applied[-3:]), "yellow"))
    if stats.recent_errors:
        parts.append(Text(f"errors ({stats.errors}): " + stats.recent_errors[-1], "red"))
    return Panel(Group(*parts), title="Ladda simulator", border_style="blue")


async def show(sim: Simulation, until: asyncio.Event, refresh_s: float = 0.5) -> None:
    """Redraw the view until `until` is set."""
    with Live(render(sim), refresh_per_second=4, transient=False) as live:
        while not until.is_set():
            live.update(render(sim))
            try:
                await asyncio.wait_for(until.wait(), refresh_s)
            except TimeoutError:
                continue
        live.update(render(sim))
