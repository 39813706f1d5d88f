"""Every xAPI route; each resource is a view so alternate-syntax requests dispatch by method."""

from aiohttp import web

from lrs.http.about import AboutView
from lrs.http.activities import ActivitiesView
from lrs.http.agents import AgentsView
from lrs.http.profiles import ActivityProfileView, AgentProfileView
from lrs.http.state import StateView
from lrs.http.statements import StatementsView

XAPI = "/xapi"


def add_routes(app: web.Application) -> None:
    app.router.add_view(f"{XAPI}/about", AboutView)
    app.router.add_view(f"{XAPI}/statements", StatementsView)
    app.router.add_view(f"{XAPI}/activities", ActivitiesView)
    app.router.add_view(f"{XAPI}/agents", AgentsView)
    app.router.add_view(f"{XAPI}/activities/state", StateView)
    app.router.add_view(f"{XAPI}/activities/profile", ActivityProfileView)
    app.router.add_view(f"{XAPI}/agents/profile", AgentProfileView)
