"""GET /xapi/activities: the canonical definition of one Activity (Communication 2.5)."""

from aiohttp import web

from lrs.activities.service import get_activity
from lrs.auth.principal import DEFINITIONS_READ
from lrs.http import params
from lrs.http.context import database, principal
from lrs.http.responses import json_response


class ActivitiesView(web.View):
    async def get(self) -> web.Response:
        request = self.request
        principal(request).require(DEFINITIONS_READ, "reading activities")
        params.check_parameters(request.query, ["activityId"], required=["activityId"])
        activity_id = params.required_iri(request.query, "activityId")
        activity = await get_activity(database(request), activity_id)
        return json_response(activity)

    head = get
