"""Response headers every answer carries: no content sniffing, no framing, a restrictive
content security policy (the Swagger UI page gets the one it needs), nothing stored by caches
unless a view says otherwise (tokens and personal data travel in these answers), HSTS in
production, where eduport is served over HTTPS, and ``Vary: Origin`` where CORS answers
depend on the origin."""

from __future__ import annotations

from flask import Flask, Response, request

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The Swagger UI page loads its own files from /docs/assets/ and starts with an inline script.
DOCS_POLICY = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
               "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
               "frame-ancestors 'none'; base-uri 'none'")
HSTS = "max-age=31536000; includeSubDomains"


def install_security_headers(app: Flask, docs_prefix: str, production: bool,
                             cors: bool) -> None:
    @app.after_request
    def harden(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        docs = request.path == docs_prefix or request.path.startswith(f"{docs_prefix}/")
        headers.setdefault("Content-Security-Policy", DOCS_POLICY if docs else API_POLICY)
        if "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        if production:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if cors:  # the answer depends on the Origin asked from: caches keep one per origin
            response.vary.add("Origin")
        return response
