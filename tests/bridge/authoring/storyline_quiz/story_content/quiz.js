// Test fixture: the quiz logic of the published course. Nine questions, one per SCORM 1.2
// interaction type; the likert one is a survey question and is not graded.
(function () {
  "use strict";
  var QUESTIONS = [
    { name: "q1", id: "Scene1_Slide2_TrueFalse_0_0", type: "true-false", correct: "f" },
    { name: "q2", id: "Scene1_Slide3_MultiChoice_0_0", type: "choice", correct: "b" },
    { name: "q3", id: "Scene1_Slide4_MultiResponse_0_0", type: "choice", correct: "a,c" },
    { name: "q4", id: "Scene1_Slide5_FillIn_0_0", type: "fill-in", correct: "extinguisher", ignoreCase: true },
    { name: "q5", id: "Scene1_Slide6_DragDrop_0_0", type: "matching", correct: "1.b,2.a,3.c" },
    { name: "q6", id: "Scene1_Slide7_Sequence_0_0", type: "sequencing", correct: "c,a,b,d" },
    { name: "q7", id: "Scene1_Slide8_Numeric_0_0", type: "numeric", correct: "112" },
    { name: "q8", id: "Scene1_Slide9_Likert_0_0", type: "likert", survey: true },
    { name: "q9", id: "Scene1_Slide10_Hotspot_0_0", type: "performance", correct: "pull,aim,squeeze,sweep" }
  ];
  var form = document.getElementById("quiz");
  var shownAt = new Date().getTime();
  var connected = window.Driver.start();
  document.getElementById("lms").textContent = connected ? "connected" : "no LMS";

  function answerOf(question) {
    var fields = form.elements[question.name];
    if (fields.length !== undefined && fields.tagName !== "SELECT") {
      var picked = [];
      for (var i = 0; i < fields.length; i++) { if (fields[i].checked) { picked.push(fields[i].value); } }
      return picked.join(",");
    }
    return fields.value.trim();
  }

  function isCorrect(question, answer) {
    return question.ignoreCase ? answer.toLowerCase() === question.correct : answer === question.correct;
  }

  document.getElementById("submit").addEventListener("click", function () {
    var graded = 0;
    var right = 0;
    var latency = "00:00:" + ("0" + Math.min(59, Math.round((new Date().getTime() - shownAt) / 1000))).slice(-2);
    QUESTIONS.forEach(function (question, n) {
      var answer = answerOf(question);
      var fields = { id: question.id, type: question.type, "objectives.0.id": "FireSafety_Quiz",
                     student_response: answer, latency: latency, time: "10:15:00" };
      if (question.survey) {
        fields.result = "neutral";
      } else {
        graded += 1;
        var correct = isCorrect(question, answer);
        if (correct) { right += 1; }
        fields["correct_responses.0.pattern"] = question.correct;
        fields.weighting = "1";
        fields.result = correct ? "correct" : "wrong";
      }
      window.Driver.interaction(n, fields);
    });
    var raw = Math.round(right / graded * 1000) / 10;
    window.Driver.score(raw, 0, 100);
    window.Driver.set("cmi.core.lesson_status", raw >= Number(window.Driver.get("cmi.student_data.mastery_score") || 80) ? "passed" : "failed");
    window.Driver.bookmark("Scene1_Slide11_Results", "quiz:" + right + "/" + graded);
    window.Driver.commit();
    document.getElementById("result").textContent = raw + "%";
  });

  document.getElementById("exit").addEventListener("click", function () {
    window.Driver.finish("");
    document.getElementById("lms").textContent = "finished";
  });
})();
