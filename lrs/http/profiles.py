"""HTTP for the Agent Profile and Activity Profile resources: /xapi/agents/profile and
/xapi/activities/profile (Communication 2.6, 2.7)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrs.auth.principal import PROFILE_READ, PROFILE_WRITE
from lrs.documents.store import ACTIVITY_PROFILE, AGENT_PROFILE, Place
from lrs.http import params
from lrs.http.documents import DocumentView


class ProfileView(DocumentView):
    id_param = "profileId"
    read_scopes = PROFILE_READ
    write_scopes = PROFILE_WRITE
    delete_many = False


class AgentProfileView(ProfileView):
    resource = "agents/profile"
    place_params = required_params = ("agent",)
    what = "agent profiles"

    def parse_place(self, query: Mapping[str, str]) -> tuple[Place, dict[str, Any]]:
        # An Agent, not a Group (Communication 2.6); a Group's IFI can be sent as an Agent.
        agent, agent_key = params.identified_agent(query, "agent")
        return Place(AGENT_PROFILE, agent=agent_key), {"agent": agent}


class ActivityProfileView(ProfileView):
    resource = "activities/profile"
    place_params = required_params = ("activityId",)
    what = "activity profiles"

    def parse_place(self, query: Mapping[str, str]) -> tuple[Place, dict[str, Any]]:
        activity_id = params.required_iri(query, "activityId")
        return Place(ACTIVITY_PROFILE, activity_id=activity_id), {"activityId": activity_id}
