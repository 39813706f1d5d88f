"""Realistic, seeded xAPI statements: thousands of actors, hundreds of activities, registrations.

Same seed, same statements: ingest and query benchmarks can be compared run to run.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

VERBS = [
    "http://adlnet.gov/expapi/verbs/experienced",
    "http://adlnet.gov/expapi/verbs/attempted",
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/failed",
    "http://adlnet.gov/expapi/verbs/answered",
    "http://adlnet.gov/expapi/verbs/interacted",
    "http://adlnet.gov/expapi/verbs/progressed",
    "https://w3id.org/xapi/adl/verbs/logged-in",
    "https://w3id.org/xapi/adl/verbs/logged-out",
    "http://adlnet.gov/expapi/verbs/launched",
    "http://adlnet.gov/expapi/verbs/initialized",
    "http://adlnet.gov/expapi/verbs/terminated",
    "http://adlnet.gov/expapi/verbs/suspended",
    "http://adlnet.gov/expapi/verbs/resumed",
    "http://adlnet.gov/expapi/verbs/scored",
    "http://adlnet.gov/expapi/verbs/commented",
    "http://adlnet.gov/expapi/verbs/shared",
    "http://adlnet.gov/expapi/verbs/registered",
    "http://adlnet.gov/expapi/verbs/asked",
]
LANGUAGES = ["en-US", "fr-FR", "de-DE", "es-ES"]


@dataclass
class Population:
    actors: list[dict]
    instructors: list[dict]
    courses: list[str]
    activities: list[tuple[str, str]]  # (activity id, course id)
    registrations: list[str]
    verbs: list[str]


def make_population(
    seed: int = 7,
    actors: int = 3000,
    courses: int = 40,
    activities: int = 600,
    verbs: int = 20,
    registrations: int = 5000,
) -> Population:
    rng = random.Random(seed)
    people = []
    for n in range(actors):
        kind = n % 4
        if kind == 0:
            person = {"objectType": "Agent", "name": f"Learner {n}", "mbox": f"mailto:learner{n}@example.com"}
        elif kind == 1:
            person = {
                "objectType": "Agent",
                "name": f"Learner {n}",
                "account": {"homePage": "https://lms.example.com", "name": f"user-{n}"},
            }
        elif kind == 2:
            person = {"objectType": "Agent", "mbox_sha1sum": f"{rng.getrandbits(160):040x}"}
        else:
            person = {"objectType": "Agent", "name": f"Learner {n}", "openid": f"https://id.example.com/{n}"}
        people.append(person)
    course_ids = [f"https://courses.example.com/course/{c}" for c in range(courses)]
    activity_ids = [
        (f"https://courses.example.com/course/{a % courses}/activity/{a}", course_ids[a % courses])
        for a in range(activities)
    ]
    return Population(
        actors=people,
        instructors=[
            {"objectType": "Agent", "name": f"Instructor {i}", "mbox": f"mailto:instructor{i}@example.com"}
            for i in range(30)
        ],
        courses=course_ids,
        activities=activity_ids,
        registrations=[str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(registrations)],
        verbs=VERBS[:verbs],
    )


def make_statement(population: Population, rng: random.Random) -> dict:
    activity_id, course_id = rng.choice(population.activities)
    verb = rng.choice(population.verbs)
    language = rng.choice(LANGUAGES)
    statement = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "actor": rng.choice(population.actors),
        "verb": {"id": verb, "display": {language: verb.rsplit("/", 1)[1]}},
        "object": {
            "objectType": "Activity",
            "id": activity_id,
            "definition": {
                "name": {language: f"Activity {activity_id.rsplit('/', 1)[1]}"},
                "type": "http://adlnet.gov/expapi/activities/lesson",
            },
        },
        "context": {
            "registration": rng.choice(population.registrations),
            "platform": "bench",
            "language": language,
            "contextActivities": {
                "parent": [{"id": course_id, "objectType": "Activity"}],
                "grouping": [{"id": "https://courses.example.com/programme"}],
                "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}],
            },
            "extensions": {"https://example.com/ext/session": rng.getrandbits(32)},
        },
        "timestamp": f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
        f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.{rng.randint(0, 999):03d}Z",
    }
    if rng.random() < 0.2:
        statement["context"]["instructor"] = rng.choice(population.instructors)
    if verb.endswith(("passed", "failed", "completed", "scored", "answered")):
        raw = rng.randint(0, 100)
        statement["result"] = {
            "score": {"scaled": raw / 100, "raw": raw, "min": 0, "max": 100},
            "success": raw >= 60,
            "completion": True,
            "duration": f"PT{rng.randint(1, 3600)}S",
            "extensions": {"https://example.com/ext/attempt": rng.randint(1, 5)},
        }
    return statement


def statements(count: int, seed: int = 11, population: Population | None = None):
    """Yield `count` statements; the same seed gives the same statements."""
    population = population or make_population()
    rng = random.Random(seed)
    for _ in range(count):
        yield make_statement(population, rng)
