"""SCORM bridge (SCORM 1.2 and 2004): import packages as cmi5 courses, play SCOs in the browser,
turn their run-time calls into xAPI statements and State documents. An `lrs` plug-in that needs
cmi5 plugged in too.
"""

from __future__ import annotations

from aiohttp import web


async def require_cmi5(app: web.Application) -> None:
    from cmi5.config import cmi5_settings_key

    if cmi5_settings_key not in app:
        raise RuntimeError("the SCORM bridge needs the cmi5 plug-in (entry point lrs.plugins: cmi5)")


def setup(app: web.Application) -> None:
    """The `lrs.plugins` entry point. Plug-ins load in name order, so cmi5's settings and launch
    tokens are only looked up once the app starts, when every plug-in is in."""
    from bridge import http, store
    from lrs.keys import index_specs_key

    app[index_specs_key].extend(store.INDEXES)
    app.on_startup.append(require_cmi5)
    http.add_routes(app)
