/*
  SCORM 2004 run-time wrapper in the style of Rustici's golf examples: find API_1484_11 in the
  parents (then the opener's parents), initialize once, terminate once.
*/
var API = null;
var initialized = false;
var terminated = false;

function ScanForAPI(win) {
  var nFindAPITries = 0;
  while (win.API_1484_11 == null && win.parent != null && win.parent != win) {
    nFindAPITries++;
    if (nFindAPITries > 500) { return null; }
    win = win.parent;
  }
  return win.API_1484_11;
}

function GetAPI(win) {
  var found = null;
  if (win.parent != null && win.parent != win) { found = ScanForAPI(win.parent); }
  if (found == null && win.opener != null) { found = ScanForAPI(win.opener); }
  return found;
}

function ScormProcessInitialize() {
  API = GetAPI(window);
  if (API == null) {
    document.getElementById("lms").textContent = "no LMS";
    return;
  }
  if (API.Initialize("") == "false") {
    document.getElementById("lms").textContent = "Initialize failed: " + API.GetLastError();
    return;
  }
  initialized = true;
  document.getElementById("lms").textContent = "connected";
}

function ScormProcessTerminate() {
  if (!initialized || terminated) { return; }
  terminated = API.Terminate("") == "true";
}

function ScormProcessGetValue(element) {
  return initialized && !terminated ? API.GetValue(element) : "";
}

function ScormProcessSetValue(element, value) {
  if (initialized && !terminated) { API.SetValue(element, value); }
}
