// A lesson of the remediation example: reading it completes it; the post test decides mastery.
var startTime = new Date();

function lessonStart() {
  ScormProcessInitialize();
  document.getElementById("entry").textContent = ScormProcessGetValue("cmi.entry");
  ScormProcessSetValue("cmi.completion_status", "incomplete");
}

function lessonDone() {
  ScormProcessSetValue("cmi.completion_status", "completed");
  ScormProcessSetValue("cmi.session_time", "PT" + Math.round((new Date() - startTime) / 10) / 100 + "S");
  ScormProcessSetValue("adl.nav.request", "continue");
  ScormProcessTerminate();
}

window.addEventListener("beforeunload", function () { ScormProcessTerminate(); });
