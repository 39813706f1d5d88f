// Test fixture: the LMS driver of a published quiz, as Articulate-style output ships one. It finds
// the SCORM 1.2 API the way such drivers do (every parent up to the top, then the opener's
// chain, then the top window's opener) and offers the course a few tracking calls.
(function (global) {
  "use strict";
  var MAX_PARENTS = 500;
  var api = null;
  var startedAt = 0;

  function searchParents(win) {
    for (var level = 0; win && level < MAX_PARENTS; level++) {
      try {
        if (win.API && typeof win.API.LMSInitialize === "function") { return win.API; }
      } catch (e) {
        return null; // a cross-origin window: the API cannot be there
      }
      if (!win.parent || win.parent === win) { return null; }
      win = win.parent;
    }
    return null;
  }

  function grabApi() {
    var found = searchParents(window);
    if (!found && window.opener) { found = searchParents(window.opener); }
    if (!found && window.top && window.top.opener) { found = searchParents(window.top.opener); }
    return found;
  }

  function timespan(ms) {
    var total = Math.round(ms / 10);
    var hours = Math.floor(total / 360000);
    var minutes = Math.floor(total / 6000) % 60;
    var seconds = Math.floor(total / 100) % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return (hours < 1000 ? "0" : "") + (hours < 100 ? "0" : "") + two(hours) + ":" + two(minutes) + ":" + two(seconds);
  }

  var errors = [];
  function set(element, value) {
    var result = api.LMSSetValue(element, String(value));
    if (result !== "true") { errors.push(element + " " + api.LMSGetLastError()); }
    return result;
  }

  global.Driver = {
    errors: errors,
    start: function () {
      api = grabApi();
      if (!api || api.LMSInitialize("") !== "true") { return false; }
      startedAt = new Date().getTime();
      if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") { set("cmi.core.lesson_status", "incomplete"); }
      return true;
    },
    get: function (element) { return api.LMSGetValue(element); },
    set: set,
    bookmark: function (slide, state) {
      set("cmi.core.lesson_location", slide);
      set("cmi.suspend_data", state);
    },
    interaction: function (n, fields) {
      var prefix = "cmi.interactions." + n + ".";
      var order = ["id", "type", "objectives.0.id", "correct_responses.0.pattern", "weighting", "student_response",
                   "result", "latency", "time"];
      for (var i = 0; i < order.length; i++) {
        if (fields[order[i]] !== undefined) { set(prefix + order[i], fields[order[i]]); }
      }
    },
    score: function (raw, min, max) {
      set("cmi.core.score.raw", raw);
      set("cmi.core.score.min", min);
      set("cmi.core.score.max", max);
    },
    commit: function () { return api.LMSCommit(""); },
    finish: function (exit) {
      set("cmi.core.exit", exit || "");
      set("cmi.core.session_time", timespan(new Date().getTime() - startedAt));
      return api.LMSFinish("");
    }
  };
})(window);
