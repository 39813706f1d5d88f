"""GET /xapi/about: the versions this LRS speaks (no credentials needed)."""

from aiohttp import web

from lrs.http import params
from lrs.versions import SUPPORTED


class AboutView(web.View):
    async def get(self) -> web.Response:
        params.check_parameters(self.request.query, [])
        return web.json_response({"version": [version.name for version in SUPPORTED], "extensions": {}})

    head = get
