// The SCORM 1.2 player. Opened with the cmi5 launch parameters, it trades the fetch URL for the
// launch's auth token, asks the LRS how the SCO starts (entry, location, suspend data, ...),
// exposes window.API (scorm-again's SCORM 1.2 runtime) to the SCO's frame and sends every commit
// to the LRS: LMSInitialize and LMSCommit/auto-commits as synchronous requests (so the SCO gets
// the real result; while the page closes, beacons), LMSFinish and page close as beacons. Each
// request carries a sequence number, so the LRS applies each commit once and never an older one
// after a newer one.
(function () {
  "use strict";
  // Relative to /scorm/player/{package}/{sco}, so that a content origin with a path prefix works.
  var START_URL = new URL("../../runtime/start", location.href).href;
  var COMMIT_URL = new URL("../../runtime/commit", location.href).href;
  var TEXT = "text/plain;charset=UTF-8";  // a beacon can only send CORS-safelisted types
  var AUTOCOMMIT_SECONDS = 10;

  var status = document.getElementById("status");
  var query = new URLSearchParams(location.search);
  var fetchUrl = query.get("fetch");
  var token = null;
  var sequence = 0;
  var initialized = false;
  var finished = false;
  // The values the SCO set cmi.core.lesson_status to since the last request, each once: a commit
  // carries only the last one, and "completed, then passed" is two facts.
  var statuses = [];
  var closing = false;

  function show(text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state);
  }

  function remembered() {
    try { return sessionStorage.getItem("scorm-token:" + fetchUrl); } catch (e) { return null; }
  }

  function remember(value) {
    try { sessionStorage.setItem("scorm-token:" + fetchUrl, value); } catch (e) { /* private mode */ }
  }

  async function authToken() {
    // The fetch URL answers once; a reload of the player uses the token it got then.
    var saved = remembered();
    if (saved) { return saved; }
    if (!fetchUrl) { throw new Error("the player was opened without the cmi5 launch parameters"); }
    var answer = await (await fetch(fetchUrl, { method: "POST" })).json();
    if (!answer["auth-token"]) {
      throw new Error("the launch URL was already used (" + (answer["error-text"] || answer["error-code"]) + ")");
    }
    remember(answer["auth-token"]);
    return answer["auth-token"];
  }

  function request(event, cmi) {
    sequence += 1;
    var body = { auth: token, sequence: sequence, event: event };
    if (cmi) {
      body.cmi = cmi;
      body.statuses = statuses.splice(0);
    }
    return body;
  }

  function postNow(body) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", COMMIT_URL, false);
    xhr.setRequestHeader("Content-Type", TEXT);
    xhr.send(JSON.stringify(body));
    return xhr;
  }

  function beacon(body) {
    return navigator.sendBeacon(COMMIT_URL, new Blob([JSON.stringify(body)], { type: TEXT }));
  }

  // A commit is a synchronous request, so that the SCO gets the real result. Browsers refuse those
  // while a page is being closed (Chromium: "Synchronous XHR in page dismissal"), and SCOs commit
  // then all the same (Adapt, Storyline, Rise and Captivate do in their unload handlers; Adapt does
  // not finish when that commit fails): such a commit goes as a beacon, as LMSFinish does.
  var httpService = {
    processHttpRequest: function (url, commit, immediate, apiLog, processListeners, metadata) {
      var body = request(metadata && metadata.isTerminateCommit ? "finish" : "commit", commit.cmi);
      if (!immediate) {
        try {
          return resultOf(postNow(body));
        } catch (error) {
          if (!closing && !/dismissal/i.test(error.message)) { return { result: "false", errorCode: 101 }; }
        }
      }
      return beacon(body) ? { result: "true", errorCode: 0 } : { result: "false", errorCode: 101 };
    },
    updateSettings: function () {}
  };

  function resultOf(xhr) {
    var ok = xhr.status >= 200 && xhr.status < 300;
    try {
      var answer = JSON.parse(xhr.responseText);
      var result = answer.result === true || answer.result === "true";
      return { result: result ? "true" : "false",
               errorCode: typeof answer.errorCode === "number" ? answer.errorCode : (ok && result ? 0 : 101) };
    } catch (e) {
      return { result: "false", errorCode: 101 };
    }
  }

  function createApi(started) {
    var api = new window.Scorm12API({
      lmsCommitUrl: COMMIT_URL,
      httpService: httpService,
      autocommit: true,
      autocommitSeconds: AUTOCOMMIT_SECONDS,
      mastery_override: true,
      // SCORM 1.2 RTE 3.4.4: a SCO that finishes without setting a status is completed (else
      // scorm-again would report incomplete, and the LRS could not tell it from the SCO's own).
      autoCompleteLessonStatus: true,
      logLevel: 4
    });
    api.loadFromJSON(started.cmi, "");
    var setValue = api.LMSSetValue.bind(api);
    api.LMSSetValue = function (element, value) {
      var result = setValue(element, value);
      if (element === "cmi.core.lesson_status" && result === "true" && statuses.indexOf(String(value)) < 0) {
        statuses.push(String(value));
      }
      return result;
    };
    api.on("LMSInitialize", function () {
      initialized = true;
      postNow(request("initialize"));
    });
    api.on("LMSFinish", function () { finished = true; });
    addEventListener("pagehide", function () {
      closing = true;
      // Closed without LMSFinish: keep what the SCO set since its last commit.
      if (initialized && !finished) { beacon(request("unload", api.renderCommitCMI(false).cmi)); }
    });
    return api;
  }

  async function start() {
    token = await authToken();
    var response = await fetch(START_URL, { method: "POST", headers: { "Content-Type": TEXT },
                                            body: JSON.stringify({ auth: token }) });
    var started = await response.json();
    if (!response.ok) { throw new Error(started.detail || started.error); }
    sequence = started.sequence;
    finished = started.finished;
    initialized = started.initialized;
    window.API = createApi(started);
    document.title = started.title;
    var frame = document.getElementById("sco");
    frame.src = started.launch;
    frame.hidden = false;
    show(started.title, "ready");
  }

  start().catch(function (error) { show("The SCO cannot start: " + error.message, "error"); });
})();
