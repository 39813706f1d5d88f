"""Every IRI and fixed name the SCORM bridge uses; no other bridge module spells them out.

Verbs, activity types and document ids follow the ADL xAPI SCORM Profile; the cmi5 ones come
from `cmi5.vocab`.
"""

from __future__ import annotations

# Verbs (xAPI SCORM Profile 3.2, ADL vocabulary).
INITIALIZED = "http://adlnet.gov/expapi/verbs/initialized"
TERMINATED = "http://adlnet.gov/expapi/verbs/terminated"
SUSPENDED = "http://adlnet.gov/expapi/verbs/suspended"
RESUMED = "http://adlnet.gov/expapi/verbs/resumed"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
SCORED = "http://adlnet.gov/expapi/verbs/scored"
RESPONDED = "http://adlnet.gov/expapi/verbs/responded"
COMMENTED = "http://adlnet.gov/expapi/verbs/commented"
PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"

VERB_NAMES = {
    INITIALIZED: "initialized",
    TERMINATED: "terminated",
    SUSPENDED: "suspended",
    RESUMED: "resumed",
    COMPLETED: "completed",
    PASSED: "passed",
    FAILED: "failed",
    SCORED: "scored",
    RESPONDED: "responded",
    COMMENTED: "commented",
    PROGRESSED: "progressed",
}

# Activity types (profile 3.2, "Activity Types").
TYPE_COURSE = "http://adlnet.gov/expapi/activities/course"
TYPE_LESSON = "http://adlnet.gov/expapi/activities/lesson"
TYPE_INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
TYPE_OBJECTIVE = "http://adlnet.gov/expapi/activities/objective"
TYPE_ATTEMPT = "http://adlnet.gov/expapi/activities/attempt"
TYPE_PROFILE = "http://adlnet.gov/expapi/activities/profile"

# Every statement of the profile carries this category activity.
PROFILE_ACTIVITY = "https://w3id.org/xapi/scorm"

# State documents (profile appendix, "xAPI SCORM Data Objects").
ACTIVITY_STATE_ID = "https://w3id.org/xapi/scorm/activity-state"
ATTEMPT_STATE_ID = "https://w3id.org/xapi/scorm/attempt-state"
SUSPEND_DATA_STATE_ID = "https://w3id.org/xapi/scorm/types/adl-suspend-data"
# The bridge's own record of the attempt: everything a relaunch needs, plus commit bookkeeping.
# The profile's documents above are written from it.
RUNTIME_STATE_ID = "LMS.ScormAttempt"
# SCORM 2004: the sequencing state of the course for a registration (scorm-again's serialized
# activity tree: attempts, statuses, global objectives, the suspended activity), on the course's
# activity. Browse and Review sessions keep theirs apart, so they never change the learner's.
SEQUENCING_STATE_ID = "LMS.ScormSequencing"
SEQUENCING_REVIEW_STATE_ID = "LMS.ScormSequencing.review"

# Result and context extensions for SCORM values xAPI has no property for.
EXT_INTERACTION_WEIGHTING = "https://w3id.org/xapi/scorm/extensions/interaction-weighting"
EXT_INTERACTION_RESULT = "https://w3id.org/xapi/scorm/extensions/interaction-result"

# SCORM 1.2 manifest (IMS CP 1.1.2 + ADL CP 1.2).
MANIFEST_FILE = "imsmanifest.xml"
SCORM_12_TYPES = ("sco", "asset")

# SCORM 1.2 run-time values (RTE 3.4); the types and vocabularies of a commit are stated in
# schemas/scorm_commit.json.
ENTRY_AB_INITIO = "ab-initio"
ENTRY_RESUME = "resume"
TIME_LIMIT_ACTIONS = ("exit,message", "exit,no message", "continue,message", "continue,no message")
OBJECTIVE_OUTCOMES = {"passed": PASSED, "failed": FAILED, "completed": COMPLETED}
# cmi5 launchMode -> cmi.core.lesson_mode
LESSON_MODES = {"Normal": "normal", "Browse": "browse", "Review": "review"}

# SCORM 1.2 API error codes the server reports (RTE 3.3.3).
ERROR_GENERAL = 101
ERROR_INCORRECT_DATA_TYPE = 405

# SCORM 2004 run-time values (RTE 4.2) the server acts on; the types and vocabularies of a
# commit are stated in schemas/scorm2004_commit.json.
COMPLETION_OUTCOMES = {"completed": COMPLETED}
SUCCESS_OUTCOMES = {"passed": PASSED, "failed": FAILED}
UNKNOWN = "unknown"
# cmi.exit values that end the attempt (anything but suspend).
EXIT_SUSPEND = "suspend"
# SCORM 2004 API error code for a commit the server refuses (RTE 3.1.7.6: general commit failure).
ERROR_2004_COMMIT_FAILURE = 391
