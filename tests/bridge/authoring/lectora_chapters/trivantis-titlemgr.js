// Test fixture: the hidden title manager frame of a chapter. It holds the LMS connection for the
// pages of the content frame beside it; it finds the API by walking up its parents (this frame,
// the chapter's frameset, the LMS's player) and, failing that, the opener's.
(function () {
  "use strict";
  function findAPI(win) {
    var tries = 0;
    while (!win.API && win.parent && win.parent !== win) {
      tries += 1;
      if (tries > 7) { return null; }
      win = win.parent;
    }
    return win.API || null;
  }
  var api = findAPI(window) || (window.opener ? findAPI(window.opener) : null);
  var chapter = new URLSearchParams(location.search).get("chapter");
  var startedAt = Date.now();
  var state = function (text) { document.getElementById("titlemgr-state").textContent = text; };
  var objectives = 0;

  function setObjective(id, status, raw) {
    var n = objectives;
    objectives += 1;
    api.LMSSetValue("cmi.objectives." + n + ".id", id);
    if (raw !== undefined) {
      api.LMSSetValue("cmi.objectives." + n + ".score.raw", String(raw));
      api.LMSSetValue("cmi.objectives." + n + ".score.max", "100");
    }
    api.LMSSetValue("cmi.objectives." + n + ".status", status);
  }

  window.TitleMgr = {
    chapter: chapter,
    objectiveCountAtStart: null,
    finishChapter: function (score) {
      // Every chapter reports the course-wide objective and its own one.
      setObjective("OBJ_FIRE_SAFETY", score === undefined || score >= 70 ? "passed" : "failed", score);
      setObjective("OBJ_CHAPTER_" + chapter, "completed");
      if (score !== undefined) {
        api.LMSSetValue("cmi.core.score.raw", String(score));
        api.LMSSetValue("cmi.core.lesson_status", score >= 70 ? "passed" : "failed");
      } else {
        api.LMSSetValue("cmi.core.lesson_status", "completed");
      }
      api.LMSCommit("");
      state("chapter " + chapter + " done");
    },
    exit: function () {
      var s = Math.round((Date.now() - startedAt) / 1000);
      api.LMSSetValue("cmi.core.session_time", "0000:" + (s < 600 ? "0" : "") + Math.floor(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + (s % 60));
      api.LMSFinish("");
      state("exited");
    }
  };

  if (!api || api.LMSInitialize("") !== "true") {
    state("no LMS");
    return;
  }
  window.TitleMgr.objectiveCountAtStart = api.LMSGetValue("cmi.objectives._count");
  api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  api.LMSSetValue("cmi.core.lesson_location", "a00" + chapter + "_page1");
  state("connected; objectives at start: " + window.TitleMgr.objectiveCountAtStart);
})();
