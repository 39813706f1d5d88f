"""The launch URL (cmi5 8.1) and the LMS.LaunchData document (cmi5 10). Pure."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit


def content_url(content_base: str, package: str, relative_url: str) -> str:
    """The absolute url of an AU entry point served from its package."""
    return f"{content_base.rstrip('/')}/cmi5/content/{package}/{relative_url}"


def launch_url(au_url: str, endpoint: str, fetch: str, actor: dict, registration: str, activity_id: str) -> str:
    """The AU url with the cmi5 parameters merged into its own query (its parameters first)."""
    parts = urlsplit(au_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [
        ("endpoint", endpoint),
        ("fetch", fetch),
        ("actor", json.dumps(actor, separators=(",", ":"), ensure_ascii=False)),
        ("registration", registration),
        ("activityId", activity_id),
    ]
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def launch_data(template: dict, launch_mode: str, au: dict, return_url: str | None) -> dict:
    document = {
        "contextTemplate": template,
        "launchMode": launch_mode,
        "moveOn": au["moveOn"],
    }
    if au.get("launchParameters"):
        document["launchParameters"] = au["launchParameters"]
    if au.get("masteryScore") is not None:
        document["masteryScore"] = au["masteryScore"]
    if return_url:
        document["returnURL"] = return_url
    if au.get("entitlementKey"):
        document["entitlementKey"] = {"courseStructure": au["entitlementKey"]}
    return document
