// Test fixture: a presentation published with no tracking of its own. It opens and closes the
// LMS session (LMSInitialize, LMSFinish) and never sets a status, score or location: SCORM 1.2
// leaves it to the LMS to set the status at LMSFinish.
(function () {
  "use strict";
  function lookUp(win) {
    for (var depth = 0; win && depth <= 7; depth++) {
      if (win.API) { return win.API; }
      if (win === win.top) { break; }
      win = win.parent;
    }
    return null;
  }
  var api = lookUp(window) || (window.top.opener ? lookUp(window.top.opener) : null);
  var state = document.getElementById("lms-state");
  var finished = false;
  state.textContent = api && api.LMSInitialize("") === "true" ? "initialized" : "no LMS";

  function finish() {
    if (api && !finished) {
      finished = true;
      api.LMSFinish("");
      state.textContent = "finished";
    }
  }

  var slide = 1;
  document.getElementById("next").addEventListener("click", function () {
    slide = Math.min(2, slide + 1);
    document.getElementById("slide-image").src = "data/img/slide" + slide + ".png";
    document.getElementById("counter").textContent = slide + " / 2";
  });
  document.getElementById("close").addEventListener("click", finish);
  window.addEventListener("pagehide", finish);
})();
