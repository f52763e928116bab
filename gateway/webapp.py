"""Serving the built web app (`web/dist`) at `/`, beside the API.

- `/assets/*`: Vite's content-hashed files, `Cache-Control: public, max-age=31536000, immutable`.
  A missing asset is a 404 problem, never the app's page (a stale page must fail loudly).
- Other files at the top of `dist/` (manifest, icons): served, revalidated on every use.
- Any other GET/HEAD path that is not the API's is a client route of the single-page app:
  `index.html`, `Cache-Control: no-cache`, rendered per request with a fresh CSP nonce and the
  app's run-time configuration (map tiles). API paths (`/v1`, `/.well-known`, the routing
  table's prefixes, `/docs`, `/openapi.json`, `/healthz`, `/readyz`, `/metrics`) are never
  shadowed: they keep their own answers and 404 problems.

The Content-Security-Policy of the app's responses is strict: scripts only from the gateway's
own origin, style sheets from it or with the per-request nonce (the component library injects its
CSS variables in a `<style>` element carrying it; styles set from script through the CSSOM
are not inline styles and need nothing), images from it, `data:` and the configured
tile server, connections only to the gateway itself. `SecurityHeadersMiddleware` sets it.
"""

from __future__ import annotations

import html
import json
import secrets
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.types import Scope

from shared.problems import problem

# Scope key under which the security-headers middleware leaves the request's CSP nonce.
NONCE_KEY = "ladda.csp_nonce"
NONCE_PLACEHOLDER = "__LADDA_CSP_NONCE__"
CONFIG_PLACEHOLDER = "__LADDA_CONFIG__"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
GATEWAY_PATHS = ("/docs", "/openapi.json", "/healthz", "/readyz", "/metrics")
# API paths a browser may open as a page: a connector's printed QR address (`/c/{cp}/{connector}`)
# answers its offer as JSON to API clients and the app's guest page to a browser (`Accept:
# text/html`), so the code printed on the charger never changes.
PAGE_PREFIXES = ("/c/",)


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def tile_origin(tiles_url: str) -> str | None:
    """`https://tile.example/{z}/{x}/{y}.png` -> `https://tile.example` (for img-src)."""
    parts = urlsplit(tiles_url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    # Leaflet's `{s}` subdomain placeholder: allow the subdomains of the rest of the host.
    host = parts.netloc.replace("{s}.", "*.")
    return f"{parts.scheme}://{host}"


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def app_csp(
    nonce: str, *, tiles_url: str, stripe_js_url: str = "", stripe_api_url: str = ""
) -> str:
    """The app's policy. With Stripe configured, Stripe.js's origin may serve scripts and frames
    (Elements draws card fields in its frames) and its API's origin may be called."""
    images = ["'self'", "data:"]
    origin = tile_origin(tiles_url) if tiles_url else None
    if origin:
        images.append(origin)
    scripts, frames, connect = ["'self'"], ["'none'"], ["'self'"]
    stripe_js = origin_of(stripe_js_url) if stripe_js_url else None
    if stripe_js:
        scripts.append(stripe_js)
        frames = [stripe_js]
        stripe_api = origin_of(stripe_api_url) if stripe_api_url else None
        connect.append(stripe_api or stripe_js)
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {' '.join(scripts)}",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src {' '.join(images)}",
            "font-src 'self'",
            f"connect-src {' '.join(connect)}",
            f"frame-src {' '.join(frames)}",
            "manifest-src 'self'",
            "worker-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ]
    )


class ApiPaths:
    """Which paths belong to the API (and the gateway's own routes), never to the app."""

    def __init__(self, prefixes: Iterable[str]) -> None:
        roots = {"/v1", "/.well-known", *GATEWAY_PATHS}
        roots.update(p.rstrip("/") for p in prefixes if p.rstrip("/"))
        self._roots = tuple(sorted(roots))

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, str):
            return False
        return any(path == root or path.startswith(root + "/") for root in self._roots)


def wants_page(scope: Scope) -> bool:
    """A browser opening one of the API's page-able addresses (`PAGE_PREFIXES`)."""
    if scope.get("method") not in ("GET", "HEAD"):
        return False
    if not str(scope.get("path", "")).startswith(PAGE_PREFIXES):
        return False
    accept = next((v for k, v in scope.get("headers", ()) if k == b"accept"), b"")
    return b"text/html" in accept


class WebApp:
    def __init__(
        self, dist: Path, *, tiles_url: str, tiles_attribution: str, stripe: dict[str, str]
    ) -> None:
        self.dist = dist.resolve()
        self.assets = self.dist / "assets"
        self.index = self.dist / "index.html"
        config = {"mapTilesUrl": tiles_url, "mapAttribution": tiles_attribution, **stripe}
        self._config = html.escape(json.dumps(config, separators=(",", ":")), quote=True)
        self._template: tuple[float, str] | None = None

    def _page(self, nonce: str) -> str:
        # Re-read when the build changes under a running gateway (`npm run build` in dev).
        mtime = self.index.stat().st_mtime
        if self._template is None or self._template[0] != mtime:
            self._template = (mtime, self.index.read_text(encoding="utf-8"))
        return (
            self._template[1]
            .replace(NONCE_PLACEHOLDER, nonce)
            .replace(CONFIG_PLACEHOLDER, self._config)
        )

    def _file(self, base: Path, relative: str) -> Path | None:
        if not relative or "\x00" in relative:
            return None
        candidate = (base / relative).resolve()
        if not candidate.is_relative_to(base) or not candidate.is_file():
            return None
        return candidate

    def asset(self, relative: str) -> Response:
        found = self._file(self.assets, relative)
        if found is None:
            return problem(404, "No such asset.")
        return FileResponse(found, headers={"Cache-Control": IMMUTABLE})

    def page_or_file(self, request: Request, path: str) -> Response:
        if "/" not in path:
            found = self._file(self.dist, path)
            if found is not None and found != self.index:
                return FileResponse(found, headers={"Cache-Control": REVALIDATE})
        nonce = request.scope.get(NONCE_KEY) or new_nonce()
        return HTMLResponse(self._page(nonce), headers={"Cache-Control": REVALIDATE})


def install_web_app(
    app: FastAPI,
    dist: Path,
    *,
    api_paths: ApiPaths,
    tiles_url: str,
    tiles_attribution: str,
    stripe_publishable_key: str = "",
    stripe_js_url: str = "",
) -> None:
    """Add the app's routes; call after every other route (the page route matches anything)."""
    stripe = {"stripePublishableKey": stripe_publishable_key, "stripeJsUrl": stripe_js_url}
    web = WebApp(dist, tiles_url=tiles_url, tiles_attribution=tiles_attribution, stripe=stripe)
    if not web.index.is_file():
        raise FileNotFoundError(f"{web.index} is missing: build the web app (`make web`)")

    @app.api_route("/assets/{relative:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def asset(relative: str) -> Response:
        return web.asset(relative)

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def page(request: Request, path: str) -> Response:
        if request.url.path in api_paths and not wants_page(request.scope):
            return problem(404)
        return web.page_or_file(request, path)
