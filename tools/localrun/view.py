"""What `make run` shows: the banner (where everything is, who to log in as) kept on screen
above the platform's state of the moment, read through the gateway as an admin would see it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

# Lists are read one page deep: a count at the page size is shown as "500+".
PAGE = 500


@dataclass(frozen=True)
class Login:
    role: str
    email: str
    password: str


@dataclass(frozen=True)
class Banner:
    web_url: str | None
    gateway_url: str
    ocpp_url: str
    logins: tuple[Login, ...]
    infra: str
    mail: str | None = None
    logs: str = ".local/logs/  (make logs)"

    def render(self) -> RenderableType:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        if self.web_url:
            grid.add_row("web app", f"{self.web_url}  (console and driver app)")
        grid.add_row("REST API", f"{self.gateway_url}  (/docs, /openapi.json)")
        grid.add_row("chargers", f"{self.ocpp_url}/{{chargePointId}}  (OCPP 1.6J / 2.0.1)")
        for login in self.logins:
            grid.add_row(f"{login.role} login", f"{login.email}  /  {login.password}")
        if self.mail:
            grid.add_row("mail", self.mail)
        grid.add_row("logs", self.logs)
        grid.add_row("infrastructure", self.infra)
        return Panel(grid, title="Ladda is running", subtitle="Ctrl-C stops everything")


@dataclass
class PlatformState:
    services: dict[str, bool] = field(default_factory=dict)
    chargers_online: int | None = None
    chargers_total: int | None = None
    sessions_active: int | None = None
    sessions_done: int | None = None
    invoices: int | None = None
    invoices_paid: int | None = None
    alerts_open: int | None = None
    simulator: str = ""
    note: str = ""
    read_at: float = 0.0


def _count(items: list[Any]) -> int:
    return len(items)


def _shown(value: int | None) -> str:
    if value is None:
        return "…"
    return f"{value}+" if value >= PAGE else str(value)


def render_state(state: PlatformState) -> RenderableType:
    services = Text()
    for name, up in state.services.items():
        services.append(f"{name} ", style="green" if up else "red")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("services", services)
    grid.add_row(
        "chargers", f"{_shown(state.chargers_online)} online of {_shown(state.chargers_total)}"
    )
    grid.add_row(
        "sessions",
        f"{_shown(state.sessions_active)} charging, {_shown(state.sessions_done)} done",
    )
    grid.add_row("invoices", f"{_shown(state.invoices)} issued, {_shown(state.invoices_paid)} paid")
    grid.add_row("alerts", f"{_shown(state.alerts_open)} open")
    if state.simulator:
        grid.add_row("simulator", state.simulator)
    parts: list[RenderableType] = [grid]
    if state.note:
        parts.append(Text(state.note, style="yellow"))
    stamp = time.strftime("%H:%M:%S", time.localtime(state.read_at)) if state.read_at else "-"
    return Panel(Group(*parts), title="platform", subtitle=f"as of {stamp}")


class StateReader:
    """Reads the platform's state through the gateway, logged in as the admin."""

    def __init__(
        self,
        gateway_url: str,
        service_ports: dict[str, int],
        admin: Login,
        simulator_summary: Callable[[], str] | None = None,
    ) -> None:
        self.gateway_url = gateway_url
        self.service_ports = service_ports
        self.admin = admin
        self.simulator_summary = simulator_summary
        self._token: str | None = None

    async def _headers(self, http: httpx.AsyncClient) -> dict[str, str]:
        if self._token is None:
            response = await http.post(
                f"{self.gateway_url}/v1/auth/login",
                json={"email": self.admin.email, "password": self.admin.password},
            )
            response.raise_for_status()
            self._token = str(response.json()["access_token"])
        return {"Authorization": f"Bearer {self._token}"}

    async def _list(self, http: httpx.AsyncClient, path: str, **params: Any) -> list[Any] | None:
        response = await http.get(
            f"{self.gateway_url}{path}",
            params={"limit": PAGE, **params},
            headers=await self._headers(http),
        )
        if response.status_code == 401:
            self._token = None
            return None
        if response.status_code != 200:
            return None
        body = response.json()
        items = body.get("items", body) if isinstance(body, dict) else body
        return items if isinstance(items, list) else None

    async def _ready(self, http: httpx.AsyncClient, port: int) -> bool:
        try:
            response = await http.get(f"http://127.0.0.1:{port}/readyz")
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def read(self) -> PlatformState:
        state = PlatformState(read_at=time.time())
        async with httpx.AsyncClient(timeout=3.0) as http:
            ready = await asyncio.gather(
                *(self._ready(http, port) for port in self.service_ports.values())
            )
            state.services = dict(zip(self.service_ports, ready, strict=True))
            try:
                chargers = await self._list(http, "/v1/charge-points")
                online = await self._list(http, "/v1/charge-points", online="true")
                active = await self._list(http, "/v1/sessions", status="active")
                done = await self._list(http, "/v1/sessions", status="stopped")
                invoices = await self._list(http, "/v1/invoices")
                paid = await self._list(http, "/v1/invoices", status="paid")
                alerts = await self._list(http, "/v1/alerts", status="open")
            except (httpx.HTTPError, KeyError, ValueError) as error:
                state.note = f"platform not answering yet ({type(error).__name__})"
                return state
        state.chargers_total = None if chargers is None else _count(chargers)
        state.chargers_online = None if online is None else _count(online)
        state.sessions_active = None if active is None else _count(active)
        state.sessions_done = None if done is None else _count(done)
        state.invoices = None if invoices is None else _count(invoices)
        state.invoices_paid = None if paid is None else _count(paid)
        state.alerts_open = None if alerts is None else _count(alerts)
        if self.simulator_summary is not None:
            state.simulator = self.simulator_summary()
        return state


def render(banner: Banner, state: PlatformState) -> RenderableType:
    return Group(banner.render(), render_state(state))
