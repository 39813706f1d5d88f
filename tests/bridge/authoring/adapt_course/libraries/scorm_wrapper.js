// Written for these tests, in the way Adapt's tracking extension talks SCORM 1.2: it looks for the
// API up the frames, and when the page goes away it sets exit and session time, commits, and only
// calls LMSFinish when that commit succeeded (a failed one is reported to the learner instead).
var ScormWrapper = (function () {
  var api = null;
  var started = new Date();
  var finished = false;

  function findApi(win) {
    for (var tries = 0; win && tries < 10; tries++) {
      if (win.API) { return win.API; }
      if (win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  function timespan(ms) {
    var s = Math.floor(ms / 1000);
    var pad = function (n, w) { n = String(n); while (n.length < w) { n = "0" + n; } return n; };
    return pad(Math.floor(s / 3600), 4) + ":" + pad(Math.floor(s / 60) % 60, 2) + ":" + pad(s % 60, 2);
  }

  function note(text) {
    var el = document.getElementById("lms");
    if (el) { el.textContent = text; }
  }

  return {
    initialize: function () {
      api = findApi(window) || (window.opener && findApi(window.opener));
      if (!api || api.LMSInitialize("") !== "true") { note("no LMS"); return false; }
      if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
        api.LMSSetValue("cmi.core.lesson_status", "incomplete");
      }
      api.LMSCommit("");
      note("connected");
      return true;
    },
    setValue: function (element, value) { return api && api.LMSSetValue(element, value) === "true"; },
    getValue: function (element) { return api ? api.LMSGetValue(element) : ""; },
    commit: function () { return !!api && api.LMSCommit("") === "true"; },
    finish: function () {
      if (!api || finished) { return; }
      finished = true;
      api.LMSSetValue("cmi.core.session_time", timespan(new Date() - started));
      if (api.LMSGetValue("cmi.core.lesson_status") !== "completed") {
        api.LMSSetValue("cmi.core.exit", "suspend");
      }
      if (!this.commit()) {
        // Adapt shows "The course was unable to terminate the learning session" and stops here.
        try { localStorage.setItem("adapt-finish", "commit failed: " + api.LMSGetLastError()); } catch (e) {}
        return;
      }
      api.LMSFinish("");
      try { localStorage.setItem("adapt-finish", "finished"); } catch (e) {}
    }
  };
})();
