// Test fixture: page script of the content frame. It talks to the title manager frame beside it.
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var chapter = new URLSearchParams(location.search).get("chapter");
  var titleMgr = function () { return window.parent.frames.titlemgrframe.TitleMgr; };
  document.getElementById("chapter-title").textContent = "Chapter " + chapter;
  document.getElementById("finish-chapter").addEventListener("click", function () {
    var score = document.getElementById("score").value;
    titleMgr().finishChapter(score === "" ? undefined : Number(score));
  });
  document.getElementById("exit-chapter").addEventListener("click", function () { titleMgr().exit(); });
});
