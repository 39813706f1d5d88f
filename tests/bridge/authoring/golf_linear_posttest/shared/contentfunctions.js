// Pages of each part of the course, and the navigation inside a SCO (golf-example style).
var pageArray = {
  playing: ["../Playing/Playing.html", "../Playing/Rules.html"],
  etiquette: ["../Etiquette/Course.html", "../Etiquette/Safety.html"],
  assessment: ["../Assessment/Questions.html"]
};
var content = new URLSearchParams(location.search).get("content");
var pages = pageArray[content];
var currentPage = 0;
var startTime = new Date();

function ConvertMilliSecondsIntoSCORM2004Time(ms) {
  var seconds = Math.floor(ms / 10) / 100;
  var hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  var minutes = Math.floor(seconds / 60);
  seconds = Math.round((seconds - minutes * 60) * 100) / 100;
  return "PT" + hours + "H" + minutes + "M" + seconds + "S";
}

function goToPage() {
  document.getElementById("contentFrame").src = pages[currentPage];
  document.getElementById("page").textContent = (currentPage + 1) + " / " + pages.length;
  document.getElementById("butPrevious").disabled = currentPage === 0;
  ScormProcessSetValue("cmi.location", String(currentPage));
}

function doStart() {
  ScormProcessInitialize();
  if (ScormProcessGetValue("cmi.entry") === "resume") {
    var bookmark = parseInt(ScormProcessGetValue("cmi.location"), 10);
    if (!isNaN(bookmark) && bookmark < pages.length) { currentPage = bookmark; }
  }
  if (ScormProcessGetValue("cmi.completion_status") !== "completed") {
    ScormProcessSetValue("cmi.completion_status", "incomplete");
  }
  ScormProcessSetValue("cmi.exit", "suspend");
  goToPage();
}

function leave(request) {
  ScormProcessSetValue("cmi.session_time", ConvertMilliSecondsIntoSCORM2004Time(new Date() - startTime));
  if (request) { ScormProcessSetValue("adl.nav.request", request); }
  ScormProcessTerminate();
}

function doPrevious() {
  if (currentPage > 0) { currentPage -= 1; goToPage(); }
}

function doNext() {
  if (currentPage < pages.length - 1) {
    currentPage += 1;
    goToPage();
    return;
  }
  if (content === "assessment") { return; }
  // Reaching the end of a lesson completes (and, for the golf examples, satisfies) it.
  ScormProcessSetValue("cmi.completion_status", "completed");
  ScormProcessSetValue("cmi.success_status", "passed");
  ScormProcessSetValue("cmi.exit", "normal");
  leave("continue");
}

// Called by the assessment page with [id, type, response, correct pattern, result] per question.
function RecordTest(answers) {
  var correct = 0;
  answers.forEach(function (answer, n) {
    var prefix = "cmi.interactions." + n + ".";
    ScormProcessSetValue(prefix + "id", answer[0]);
    ScormProcessSetValue(prefix + "type", answer[1]);
    ScormProcessSetValue(prefix + "correct_responses.0.pattern", answer[3]);
    ScormProcessSetValue(prefix + "learner_response", answer[2]);
    ScormProcessSetValue(prefix + "result", answer[4] ? "correct" : "incorrect");
    if (answer[4]) { correct += 1; }
  });
  var scaled = Math.round(correct / answers.length * 100) / 100;
  ScormProcessSetValue("cmi.score.raw", String(correct));
  ScormProcessSetValue("cmi.score.min", "0");
  ScormProcessSetValue("cmi.score.max", String(answers.length));
  ScormProcessSetValue("cmi.score.scaled", String(scaled));
  ScormProcessSetValue("cmi.completion_status", "completed");
  ScormProcessSetValue("cmi.success_status", scaled >= 0.7 ? "passed" : "failed");
  ScormProcessSetValue("cmi.exit", "normal");
  API.Commit("");
  return scaled;
}

function doFinish() {
  leave("continue");
}

window.addEventListener("beforeunload", function () { leave(null); });
