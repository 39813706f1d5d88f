// The course: three blocks; the learner's place is kept in suspend data, as Adapt does.
(function () {
  var block = 1;
  function show() { document.getElementById("block").textContent = "Block " + block + " of 3"; }
  window.addEventListener("load", function () {
    if (!ScormWrapper.initialize()) { return; }
    var saved = ScormWrapper.getValue("cmi.suspend_data");
    if (saved) { block = JSON.parse(saved).block; }
    show();
    document.getElementById("next-block").addEventListener("click", function () {
      block = Math.min(block + 1, 3);
      ScormWrapper.setValue("cmi.suspend_data", JSON.stringify({ block: block }));
      ScormWrapper.setValue("cmi.core.lesson_location", "b" + block);
      show();
    });
  });
  // The learner closes the window: Adapt finishes the session from beforeunload.
  window.addEventListener("beforeunload", function () { ScormWrapper.finish(); });
})();
