// Test fixture: the course bundle. Lessons, then a knowledge check; it reports through the driver
// of its parent page (window.parent.Driver), never through the API directly.
(function () {
  "use strict";
  var driver = window.parent.Driver;
  var LESSONS = ["Introduction", "Fire exits", "Assembly point"];
  var current = 0;
  var show = function () {
    document.getElementById("lesson-title").textContent = LESSONS[current];
    document.getElementById("state").textContent = "lesson " + (current + 1) + " of " + LESSONS.length;
  };
  show();
  document.getElementById("continue").addEventListener("click", function () {
    if (current < LESSONS.length - 1) {
      current += 1;
      show();
      driver.progress("#/lessons/" + current, JSON.stringify({ v: 1, lesson: current }));
    } else {
      document.getElementById("knowledge-check").hidden = false;
    }
  });
  document.getElementById("submit-check").addEventListener("click", function () {
    var picked = document.querySelector("input[name=kc]:checked");
    var raw = picked && picked.value === "car-park" ? 100 : 0;
    driver.reachedEnd(raw);
    document.getElementById("state").textContent = "done: " + driver.status();
  });
  document.getElementById("exit-course").addEventListener("click", function () {
    driver.exit();
    document.getElementById("state").textContent = "exited";
  });
})();
