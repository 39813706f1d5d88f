"""The LMS side of cmi5, plugged into the LRS through its hooks (`setup` is the lrs plug-in)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web


def plugin(settings=None) -> Callable[[web.Application], None]:
    """A plug-in with the given `cmi5.config.Cmi5Settings` (default: from the environment)."""

    def setup_with(app: web.Application) -> None:
        from cmi5 import http, store
        from cmi5.auth import TokenAuthenticator
        from cmi5.config import Cmi5Settings, cmi5_settings_key
        from cmi5.erasure import Cmi5Erasure
        from cmi5.tracking import TrackingHook
        from lrs.erasure import erasure_hooks_key
        from lrs.keys import authenticators_key, index_specs_key, settings_key, statement_hooks_key

        app[cmi5_settings_key] = settings or Cmi5Settings.from_env()
        if not app[cmi5_settings_key].content_url:
            app.on_startup.append(warn_about_shared_origin)
        app[statement_hooks_key].append(TrackingHook(lambda: http.lms_for(app)))
        app[authenticators_key].append(TokenAuthenticator(app, app[settings_key].public_url))
        app[index_specs_key].extend(store.INDEXES)
        app[erasure_hooks_key].append(Cmi5Erasure())
        http.add_routes(app)

    return setup_with


async def warn_about_shared_origin(app: web.Application) -> None:
    # Content then plays in an opaque-origin sandbox, where reading document.cookie or
    # localStorage throws: common AUs (those on @xapi/cmi5, whose axios reads cookies) stop there.
    logging.getLogger("cmi5").warning(
        "LRS_CMI5_CONTENT_URL is not set: course content plays sandboxed on this origin without cookies or "
        "localStorage, which many AUs (e.g. those built on @xapi/cmi5) need; set it to a second host name "
        "of this server (see cmi5/README.md)"
    )


def setup(app: web.Application) -> None:
    """The `lrs.plugins` entry point: cmi5 with settings from the environment."""
    plugin()(app)
