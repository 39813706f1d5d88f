"""moveOn (cmi5 9.3, 13.1.4): which AUs, blocks and the course a registration has satisfied.

Pure: it takes the course dict of `cmi5.course` and what the registration has recorded for
each AU, and returns the satisfied sets. An AU is satisfied by its moveOn rule or by a waiver;
a block when every AU and block in it is; the course when every top-level member is.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AUFacts:
    completed: bool = False
    passed: bool = False
    waived: bool = False


@dataclass(frozen=True)
class Satisfaction:
    aus: frozenset[int]
    blocks: frozenset[int]
    course: bool


def au_satisfied(move_on: str, facts: AUFacts) -> bool:
    if facts.waived:
        return True
    if move_on == "NotApplicable":
        return True
    if move_on == "Completed":
        return facts.completed
    if move_on == "Passed":
        return facts.passed
    if move_on == "CompletedAndPassed":
        return facts.completed and facts.passed
    if move_on == "CompletedOrPassed":
        return facts.completed or facts.passed
    raise ValueError(f"unknown moveOn value {move_on!r}")


def evaluate(course: dict, facts: dict[int, AUFacts]) -> Satisfaction:
    aus = frozenset(
        au["index"] for au in course["aus"] if au_satisfied(au["moveOn"], facts.get(au["index"], AUFacts()))
    )
    blocks: set[int] = set()

    def satisfied(members: list[dict]) -> bool:
        # Every block is visited (no short-circuit), so nested satisfied blocks are all found.
        results = []
        for member in members:
            if "au" in member:
                results.append(member["au"] in aus)
            else:
                index = member["block"]
                if satisfied(course["blocks"][index]["children"]):
                    blocks.add(index)
                    results.append(True)
                else:
                    results.append(False)
        return all(results)

    whole = satisfied(course["children"])
    return Satisfaction(aus, frozenset(blocks), whole)


def newly_satisfied_order(course: dict, blocks: set[int]) -> list[int]:
    """Blocks innermost first (a block after the blocks inside it), for statement order."""

    def depth(index: int) -> int:
        level, parent = 0, course["blocks"][index]["parent"]
        while parent is not None:
            level, parent = level + 1, course["blocks"][parent]["parent"]
        return level

    return sorted(blocks, key=lambda index: (-depth(index), index))
