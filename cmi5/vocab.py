"""Every IRI and fixed name that cmi5 defines; no other module spells them out."""

from __future__ import annotations

# Verbs (cmi5 9.3).
LAUNCHED = "http://adlnet.gov/expapi/verbs/launched"
INITIALIZED = "http://adlnet.gov/expapi/verbs/initialized"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
ABANDONED = "https://w3id.org/xapi/adl/verbs/abandoned"
WAIVED = "https://w3id.org/xapi/adl/verbs/waived"
TERMINATED = "http://adlnet.gov/expapi/verbs/terminated"
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"

VERB_NAMES = {
    LAUNCHED: "launched",
    INITIALIZED: "initialized",
    COMPLETED: "completed",
    PASSED: "passed",
    FAILED: "failed",
    ABANDONED: "abandoned",
    WAIVED: "waived",
    TERMINATED: "terminated",
    SATISFIED: "satisfied",
}
# What an AU may send as "cmi5 defined"; the others are the LMS's own.
AU_VERBS = frozenset({INITIALIZED, COMPLETED, PASSED, FAILED, TERMINATED})
LMS_VERBS = frozenset({LAUNCHED, ABANDONED, WAIVED, SATISFIED})

# Context activities (9.6.2).
CATEGORY_CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CATEGORY_MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"

# Context extensions (9.6.3).
EXT_SESSION_ID = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
EXT_MASTERY_SCORE = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
EXT_LAUNCH_MODE = "https://w3id.org/xapi/cmi5/context/extensions/launchmode"
EXT_LAUNCH_URL = "https://w3id.org/xapi/cmi5/context/extensions/launchurl"
EXT_MOVE_ON = "https://w3id.org/xapi/cmi5/context/extensions/moveon"
EXT_LAUNCH_PARAMETERS = "https://w3id.org/xapi/cmi5/context/extensions/launchparameters"

# Result extensions (9.5.5).
EXT_PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
EXT_REASON = "https://w3id.org/xapi/cmi5/result/extensions/reason"

# Activity types of the LMS's block and course objects (9.4).
TYPE_BLOCK = "https://w3id.org/xapi/cmi5/activitytype/block"
TYPE_COURSE = "https://w3id.org/xapi/cmi5/activitytype/course"

# Course structure XML (14.0).
COURSE_NAMESPACE = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
COURSE_FILE = "cmi5.xml"

# Documents (10.0, 11.0).
LAUNCH_DATA_STATE_ID = "LMS.LaunchData"
LEARNER_PREFERENCES_PROFILE_ID = "cmi5LearnerPreferences"

# Launch URL parameters (8.1): an AU url must not use these names itself.
LAUNCH_PARAMETERS = ("endpoint", "fetch", "actor", "registration", "activityId")

LAUNCH_MODES = ("Normal", "Browse", "Review")
MOVE_ON_VALUES = ("NotApplicable", "Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed")
LAUNCH_METHODS = ("AnyWindow", "OwnWindow")

# Fetch URL error codes (8.2.3.2).
FETCH_ALREADY_USED = "1"
FETCH_SECURITY_ERROR = "2"
FETCH_APPLICATION_ERROR = "3"

WAIVE_REASONS = ("Tested Out", "Equivalent AU", "Equivalent Outside Activity", "Administrative")
