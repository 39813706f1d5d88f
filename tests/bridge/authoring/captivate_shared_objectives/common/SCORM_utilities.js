// In the manner of Captivate's SCORM_utilities.js: find the SCORM 2004 API in the parents, then
// in the opener's window, and keep it in one variable.
var g_objAPI = null;
var g_nFindAPITries = 0;

function findAPI(win) {
  while (win.API_1484_11 == null && win.parent != null && win.parent != win) {
    g_nFindAPITries++;
    if (g_nFindAPITries > 500) { return null; }
    win = win.parent;
  }
  return win.API_1484_11;
}

function getAPI() {
  if (g_objAPI == null) {
    g_objAPI = findAPI(window);
    if (g_objAPI == null && window.top != null && window.top.opener != null) { g_objAPI = findAPI(window.top.opener); }
  }
  return g_objAPI;
}
