"""moveOn (cmi5 9.3, 13.1.4) for each value, waivers, and nested blocks."""

from __future__ import annotations

import pytest

from cmi5.course import parse_course_structure
from cmi5.moveon import AUFacts, au_satisfied, evaluate, newly_satisfied_order
from tests.cmi5.conftest import au, block, course_xml


@pytest.mark.parametrize(
    "move_on, satisfied_by",
    [
        ("NotApplicable", {"nothing", "completed", "passed", "both"}),
        ("Completed", {"completed", "both"}),
        ("Passed", {"passed", "both"}),
        ("CompletedAndPassed", {"both"}),
        ("CompletedOrPassed", {"completed", "passed", "both"}),
    ],
)
def test_each_move_on_value(move_on, satisfied_by):
    facts = {
        "nothing": AUFacts(),
        "completed": AUFacts(completed=True),
        "passed": AUFacts(passed=True),
        "both": AUFacts(completed=True, passed=True),
    }
    assert {name for name, f in facts.items() if au_satisfied(move_on, f)} == satisfied_by
    assert au_satisfied(move_on, AUFacts(waived=True))


def nested() -> dict:
    return parse_course_structure(
        course_xml(
            au("https://e.com/p", moveOn="Passed"),
            block(
                "https://e.com/b1",
                au("https://e.com/c", moveOn="Completed"),
                block(
                    "https://e.com/b2",
                    au("https://e.com/cap", moveOn="CompletedAndPassed"),
                    au("https://e.com/cop", moveOn="CompletedOrPassed"),
                ),
            ),
            block("https://e.com/b3", au("https://e.com/na")),
        )
    )


def test_blocks_need_every_member_and_the_course_every_block():
    course = nested()
    nothing = evaluate(course, {})
    assert (nothing.aus, nothing.blocks, nothing.course) == ({4}, {2}, False)
    done = {0: AUFacts(passed=True), 1: AUFacts(completed=True), 2: AUFacts(completed=True), 3: AUFacts(passed=True)}
    partly = evaluate(course, done)
    assert partly.blocks == {2} and not partly.course
    done[2] = AUFacts(completed=True, passed=True)
    everything = evaluate(course, done)
    assert everything.blocks == {0, 1, 2} and everything.course


def test_inner_blocks_are_reported_before_outer_ones():
    assert newly_satisfied_order(nested(), {0, 1, 2}) == [1, 0, 2]
