// Test fixture: the classic SCORM 1.2 API discovery, as quiz-tool output ships it. Up to 7
// parents of this window, then the opener and up to 7 of its parents (this course runs in a
// window opened by the launch page, whose frame sits in the LMS's player).
var SCORM_MAX_PARENTS = 7;

function SCORM_findAPI(win) {
  var tries = 0;
  while ((win.API == null) && (win.parent != null) && (win.parent != win)) {
    tries++;
    if (tries > SCORM_MAX_PARENTS) {
      return null;
    }
    win = win.parent;
  }
  return win.API;
}

function SCORM_getAPI() {
  var theAPI = SCORM_findAPI(window);
  if ((theAPI == null) && (window.opener != null) && (typeof window.opener != "undefined")) {
    theAPI = SCORM_findAPI(window.opener);
  }
  return theAPI;
}
