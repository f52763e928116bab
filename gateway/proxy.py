"""Forward a request to the service that owns its path prefix, streaming both bodies."""

from __future__ import annotations

import httpx
from fastapi import Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from shared.logging import CORRELATION_HEADER, current_correlation_id
from shared.problems import problem

# RFC 9110 §7.6.1 connection-specific headers, never forwarded.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)

# The gateway's own server sets these on the way out.
RESPONSE_SKIPPED = HOP_BY_HOP | {"date", "server"}


class RoutingTable:
    def __init__(self, routes: dict[str, str]) -> None:
        # Longest prefix first, so /v1/stats/me cannot be shadowed by a shorter prefix.
        self._routes = sorted(routes.items(), key=lambda item: len(item[0]), reverse=True)

    def service_for(self, path: str) -> str | None:
        for prefix, service in self._routes:
            if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return service
        return None


async def forward(request: Request, client: httpx.AsyncClient, upstream: str) -> Response:
    headers = [
        (name, value) for name, value in request.headers.items() if name.lower() not in HOP_BY_HOP
    ]
    headers.append((CORRELATION_HEADER, current_correlation_id()))
    if request.client is not None:
        headers.append(("X-Forwarded-For", request.client.host))
    outgoing = client.build_request(
        request.method,
        upstream + request.url.path,
        params=str(request.query_params),
        headers=headers,
        content=request.stream(),
    )
    try:
        response = await client.send(outgoing, stream=True)
    except httpx.TimeoutException:
        return problem(504, "The service did not answer in time.", slug="upstream-timeout")
    except httpx.TransportError:
        return problem(503, "The service is unavailable; try again shortly.", slug="upstream-down")
    return StreamingResponse(
        response.aiter_raw(),
        status_code=response.status_code,
        headers={k: v for k, v in response.headers.items() if k.lower() not in RESPONSE_SKIPPED},
        background=BackgroundTask(response.aclose),
    )
