"""`GET /docs`: Swagger UI served from the installed `swagger-ui-bundle-v2` assets.

No CDN: deployments may have no internet access, and a docs page that silently loads
third-party scripts is a supply-chain risk.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

__all__ = ["SWAGGER_UI_DIR", "docs_routes"]

# The package names its directory after the bundled Swagger UI version; it exports the
# path so we do not have to guess it.
SWAGGER_UI_DIR: Final = Path(str(swagger_ui_path))

_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" href="{static}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{static}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{static}/swagger-ui-bundle.js"></script>
  <script src="{static}/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      url: {spec_url},
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
    }});
  </script>
</body>
</html>
"""


def docs_routes(
    *, title: str, path: str = "/docs", openapi_url: str = "/openapi.json"
) -> list[BaseRoute]:
    """The Swagger UI page at `path` and its assets under `path/static`."""
    static = f"{path}/static"
    safe_title = html.escape(f"{title}: API documentation")

    async def swagger_ui(request: Request) -> HTMLResponse:
        # Honour a proxy's root_path so the page works when mounted under a prefix.
        root = request.scope.get("root_path", "").rstrip("/")
        page = _PAGE.format(
            title=safe_title,
            static=html.escape(root + static),
            # JSON-encode (and escape "</") so the URL cannot break out of the script.
            spec_url=json.dumps(root + openapi_url).replace("</", "<\\/"),
        )
        return HTMLResponse(page)

    return [
        Route(path, swagger_ui, methods=["GET"], include_in_schema=False),
        Mount(static, app=StaticFiles(directory=SWAGGER_UI_DIR), name="docs-static"),
    ]
