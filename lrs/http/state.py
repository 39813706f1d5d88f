"""HTTP for the State resource: /xapi/activities/state (Communication 2.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrs.auth.principal import STATE_READ, STATE_WRITE
from lrs.documents.store import STATE, Place
from lrs.http import params
from lrs.http.documents import DocumentView


class StateView(DocumentView):
    resource = "state"
    id_param = "stateId"
    place_params = ("activityId", "agent", "registration")
    required_params = ("activityId", "agent")
    read_scopes = STATE_READ
    write_scopes = STATE_WRITE
    what = "state documents"
    delete_many = True

    def parse_place(self, query: Mapping[str, str]) -> tuple[Place, dict[str, Any]]:
        activity_id = params.required_iri(query, "activityId")
        agent, agent_key = params.identified_agent(query, "agent", groups=True)
        registration = params.uuid(query, "registration")
        parsed = {"activityId": activity_id, "agent": agent}
        if registration is not None:
            parsed["registration"] = registration
        return Place(STATE, activity_id=activity_id, agent=agent_key, registration=registration), parsed
