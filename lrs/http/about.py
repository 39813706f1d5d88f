"""GET /xapi/about: the versions this LRS speaks (no credentials needed)."""

from aiohttp import web

from lrs.http import params


class AboutView(web.View):
    async def get(self) -> web.Response:
        params.check_parameters(self.request.query, [])
        return web.json_response({"version": ["1.0.3"], "extensions": {}})

    head = get
