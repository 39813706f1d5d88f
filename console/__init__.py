"""The admin web console under /console: an `lrs` plug-in over the services of lrs, cmi5 and the
SCORM bridge (it needs both plugged in), with its own sign-in sessions and write-time rollups.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web


async def require_plugins(app: web.Application) -> None:
    from cmi5.config import cmi5_settings_key

    if cmi5_settings_key not in app:
        raise RuntimeError("the admin console needs the cmi5 and bridge plug-ins (entry points lrs.plugins)")


def plugin(settings=None) -> Callable[[web.Application], None]:
    """A plug-in with the given `console.config.ConsoleSettings` (default: from the environment)."""

    def setup_with(app: web.Application) -> None:
        import time

        import aiohttp_jinja2
        import jinja2

        from console import store
        from console.config import ConsoleSettings, console_settings_key
        from console.erasure import ConsoleErasure
        from console.http.guard import jinja_key
        from console.http.routes import add_routes
        from console.rollups import Rollups, flush_rollups, rollups_key
        from console.system import Started, started_key
        from lrs.erasure import erasure_hooks_key
        from lrs.keys import index_specs_key, settings_key, statement_hooks_key

        app[console_settings_key] = settings or ConsoleSettings.from_env()
        app[rollups_key] = Rollups()
        app[started_key] = Started(time.monotonic(), app[settings_key].embedded)
        app[statement_hooks_key].append(app[rollups_key])
        app[erasure_hooks_key].append(ConsoleErasure(app[rollups_key]))
        app[index_specs_key].extend(store.INDEXES)
        app.cleanup_ctx.append(flush_rollups)
        app.on_startup.append(require_plugins)
        aiohttp_jinja2.setup(
            app, app_key=jinja_key, autoescape=True, loader=jinja2.PackageLoader("console", "templates")
        )
        add_routes(app)

    return setup_with


def setup(app: web.Application) -> None:
    """The `lrs.plugins` entry point: the console with settings from the environment."""
    plugin()(app)
