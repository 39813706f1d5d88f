// Test fixture: an API wrapper as hand-made SCORM 1.2 content of the early 2000s carries one.
var apiHandle = null;

function findAPI(win) {
  var findAPITries = 0;
  while ((win.API == null) && (win.parent != null) && (win.parent != win)) {
    findAPITries++;
    if (findAPITries > 7) {
      return null;
    }
    win = win.parent;
  }
  return win.API;
}

function getAPIHandle() {
  if (apiHandle == null) {
    apiHandle = findAPI(window);
    if ((apiHandle == null) && (window.opener != null) && (typeof(window.opener) != "undefined")) {
      apiHandle = findAPI(window.opener);
    }
  }
  return apiHandle;
}

function doLMSInitialize() { var api = getAPIHandle(); return api == null ? "false" : api.LMSInitialize(""); }
function doLMSSetValue(name, value) { return getAPIHandle().LMSSetValue(name, value); }
function doLMSFinish() { return getAPIHandle().LMSFinish(""); }
