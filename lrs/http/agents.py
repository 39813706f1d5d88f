"""GET /xapi/agents: the Person object for an Agent (Communication 2.4)."""

from aiohttp import web

from lrs.agents.service import get_person
from lrs.auth.principal import DEFINITIONS_READ
from lrs.http import params
from lrs.http.context import database, principal
from lrs.http.responses import json_response


class AgentsView(web.View):
    async def get(self) -> web.Response:
        request = self.request
        principal(request).require(DEFINITIONS_READ, "reading agents")
        params.check_parameters(request.query, ["agent"], required=["agent"])
        agent, _ = params.identified_agent(request.query, "agent")
        person = await get_person(database(request), agent)
        return json_response(person)

    head = get
