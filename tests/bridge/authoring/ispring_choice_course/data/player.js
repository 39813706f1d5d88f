// iSpring-style presentation player: slides, a bookmark, and the SCORM 2004 calls it makes.
(function () {
  "use strict";
  function findApi(win) {
    for (var depth = 0; win && depth < 10; depth++) {
      if (win.API_1484_11) { return win.API_1484_11; }
      if (win === win.parent) { break; }
      win = win.parent;
    }
    return null;
  }
  var api = findApi(window.parent) || (window.opener && findApi(window.opener));
  var slides = window.SLIDES;
  var current = 0;
  var finished = false;

  function show() {
    document.getElementById("slide").textContent = slides[current];
    document.getElementById("counter").textContent = (current + 1) + " / " + slides.length;
    api.SetValue("cmi.location", String(current));
    api.SetValue("cmi.progress_measure", String(Math.round((current + 1) / slides.length * 100) / 100));
    api.SetValue("cmi.suspend_data", JSON.stringify({ viewed: current + 1 }));
    if (current === slides.length - 1) {
      api.SetValue("cmi.completion_status", "completed");
      api.SetValue("cmi.exit", "normal");
    }
    api.Commit("");
  }

  document.getElementById("lms").textContent = api && api.Initialize("") === "true" ? "connected" : "no LMS";
  document.getElementById("mode").textContent = api.GetValue("cmi.mode");
  if (api.GetValue("cmi.entry") === "resume") {
    current = parseInt(api.GetValue("cmi.location"), 10) || 0;
    document.getElementById("resumed").textContent = "Resumed at slide " + (current + 1);
  } else {
    api.SetValue("cmi.completion_status", "incomplete");
  }
  api.SetValue("cmi.exit", "suspend");
  show();
  document.getElementById("next").onclick = function () { if (current < slides.length - 1) { current++; show(); } };
  window.addEventListener("unload", function () {
    if (!finished) { finished = true; api.Terminate(""); }
  });
})();
