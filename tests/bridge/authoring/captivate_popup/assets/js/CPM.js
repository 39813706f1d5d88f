// Test fixture: the course runtime. Slides, a two-question quiz, then a results slide that reports
// completion (every slide seen) and the quiz outcome in one go.
(function () {
  "use strict";
  var api = SCORM_getAPI();
  var startedAt = new Date().getTime();
  var state = document.getElementById("cp-state");
  if (!api || api.LMSInitialize("") !== "true") {
    state.textContent = "no LMS";
    return;
  }
  state.textContent = "connected";
  api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  api.LMSCommit("");

  document.getElementById("cp-submit").addEventListener("click", function () {
    var a1 = (document.querySelector("input[name=i1]:checked") || {}).value || "";
    var a2 = (document.querySelector("input[name=i2]:checked") || {}).value || "";
    var answers = [
      { id: "Interaction_1", type: "choice", correct: "c", response: a1 },
      { id: "Interaction_2", type: "true-false", correct: "t", response: a2 }
    ];
    var right = 0;
    answers.forEach(function (a, n) {
      var ok = a.response === a.correct;
      if (ok) { right += 1; }
      api.LMSSetValue("cmi.interactions." + n + ".id", a.id);
      api.LMSSetValue("cmi.interactions." + n + ".type", a.type);
      api.LMSSetValue("cmi.interactions." + n + ".correct_responses.0.pattern", a.correct);
      api.LMSSetValue("cmi.interactions." + n + ".student_response", a.response);
      api.LMSSetValue("cmi.interactions." + n + ".result", ok ? "correct" : "wrong");
      api.LMSSetValue("cmi.interactions." + n + ".weighting", "10");
    });
    var raw = right * 50;
    api.LMSSetValue("cmi.core.score.raw", String(raw));
    api.LMSSetValue("cmi.core.score.max", "100");
    api.LMSSetValue("cmi.core.score.min", "0");
    // Reporting "complete / fail": the course is complete whatever the quiz says.
    api.LMSSetValue("cmi.core.lesson_status", "completed");
    api.LMSSetValue("cmi.core.lesson_status", raw >= 80 ? "passed" : "failed");
    api.LMSCommit("");
    state.textContent = "result " + raw;
  });

  document.getElementById("cp-exit").addEventListener("click", function () {
    api.LMSSetValue("cmi.core.session_time", CP_timespan(new Date().getTime() - startedAt));
    api.LMSFinish("");
    state.textContent = "finished";
  });
})();
