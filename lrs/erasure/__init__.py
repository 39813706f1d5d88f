"""Erasure of a person's data (GDPR right to erasure); see `lrs.erasure.service` for the rules.

A part of lrs built like a plug-in: `setup(app)` adds the admin routes and the audit index.
Plug-ins that keep personal data of their own append an `ErasureHook` to `app[erasure_hooks_key]`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

erasure_hooks_key: web.AppKey[list[Any]] = web.AppKey("erasure_hooks", list)


def setup(app: web.Application) -> None:
    from lrs.erasure import http, store
    from lrs.keys import index_specs_key

    app[erasure_hooks_key] = []
    app[index_specs_key].extend(store.INDEXES)
    http.add_routes(app)
