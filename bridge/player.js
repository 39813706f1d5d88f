// The SCORM 1.2 player. Opened with the cmi5 launch parameters, it trades the fetch URL for the
// launch's auth token, asks the LRS how the SCO starts (entry, location, suspend data, ...),
// exposes window.API (scorm-again's SCORM 1.2 runtime) to the SCO's frame and sends every commit
// to the LRS: LMSInitialize and LMSCommit/auto-commits as synchronous requests (so the SCO gets
// the real result; while the page closes, beacons), LMSFinish and page close as beacons. Each request carries a sequence number,
// so the LRS applies each commit once and never an older one after a newer one.
(function () {
  "use strict";
  var session = window.ScormPlayerSession();
  var COMMIT_URL = session.url("commit");
  var GENERAL_EXCEPTION = session.GENERAL_EXCEPTION;
  var AUTOCOMMIT_SECONDS = 10;

  var status = document.getElementById("status");
  var initialized = false;
  var finished = false;
  var closing = false;
  // The values the SCO set cmi.core.lesson_status to since the last request, each once: a commit
  // carries only the last one, and "completed, then passed" is two facts.
  var statuses = [];

  function show(text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state);
  }

  function request(event, cmi) {
    return session.request(event, cmi ? { cmi: cmi, statuses: statuses.splice(0) } : null);
  }

  function postNow(body) {
    return session.postNow(COMMIT_URL, body);
  }

  function beacon(body) {
    return session.beacon(COMMIT_URL, body);
  }

  function resultOf(xhr) {
    return session.resultOf(xhr, GENERAL_EXCEPTION);
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
          if (!closing && !/dismissal/i.test(error.message)) { return { result: "false", errorCode: GENERAL_EXCEPTION }; }
        }
      }
      return beacon(body) ? { result: "true", errorCode: 0 } : { result: "false", errorCode: GENERAL_EXCEPTION };
    },
    updateSettings: function () {}
  };

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
    await session.authToken();
    var started = await session.start();
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
