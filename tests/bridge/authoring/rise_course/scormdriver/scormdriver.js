// Test fixture: the driver page's LMS code, as Rise-style output ships it. The course frame never
// calls the API itself: it asks its parent (this page) through `Driver`, which found the API by
// walking up its own parents and, failing that, the opener's.
(function (global) {
  "use strict";
  var api = null;
  var startedAt = 0;

  function scan(win) {
    for (var level = 0; win && level < 500; level++) {
      try {
        if (win.API) { return win.API; }
      } catch (e) {
        return null;
      }
      if (!win.parent || win.parent === win) { return null; }
      win = win.parent;
    }
    return null;
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  global.Driver = {
    start: function () {
      api = scan(window) || (window.opener ? scan(window.opener) : null);
      if (!api) { return false; }
      startedAt = Date.now();
      return api.LMSInitialize("") === "true";
    },
    connected: function () { return api !== null; },
    status: function () { return api.LMSGetValue("cmi.core.lesson_status"); },
    progress: function (lesson, data) {
      api.LMSSetValue("cmi.core.lesson_location", lesson);
      api.LMSSetValue("cmi.suspend_data", data);
      if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
        api.LMSSetValue("cmi.core.lesson_status", "incomplete");
      }
      api.LMSCommit("");
    },
    // The course is finished and its quiz judged: both are told, then committed once.
    reachedEnd: function (raw) {
      api.LMSSetValue("cmi.core.lesson_status", "completed");
      api.LMSSetValue("cmi.core.score.raw", String(raw));
      api.LMSSetValue("cmi.core.score.min", "0");
      api.LMSSetValue("cmi.core.score.max", "100");
      api.LMSSetValue("cmi.core.lesson_status", raw >= 80 ? "passed" : "failed");
      return api.LMSCommit("");
    },
    exit: function () {
      var seconds = Math.round((Date.now() - startedAt) / 1000);
      api.LMSSetValue("cmi.core.session_time",
                      "00" + two(Math.floor(seconds / 3600)) + ":" + two(Math.floor(seconds / 60) % 60) + ":" + two(seconds % 60));
      api.LMSSetValue("cmi.core.exit", "");
      return api.LMSFinish("");
    }
  };
})(window);
