// What both players (SCORM 1.2 and SCORM 2004) do with the LRS for one launch: trade the cmi5 fetch
// URL for the launch's auth token (kept in sessionStorage, so a reload goes on), number every
// request (the LRS applies each once, never an older one after a newer one), and send requests
// synchronously (the SCO gets the real result) or as beacons (the page is going away).
(function () {
  "use strict";
  var TEXT = "text/plain;charset=UTF-8";  // a beacon can only send CORS-safelisted types
  var GENERAL_EXCEPTION = 101;

  window.ScormPlayerSession = function () {
    var query = new URLSearchParams(location.search);
    var fetchUrl = query.get("fetch");

    function remembered() {
      try { return sessionStorage.getItem("scorm-token:" + fetchUrl); } catch (e) { return null; }
    }

    function remember(value) {
      try { sessionStorage.setItem("scorm-token:" + fetchUrl, value); } catch (e) { /* private mode */ }
    }

    var session = {
      TEXT: TEXT,
      GENERAL_EXCEPTION: GENERAL_EXCEPTION,
      query: query,
      token: null,
      sequence: 0,

      // The run-time endpoints, relative to /scorm/player/{package}/{sco}, so that a content
      // origin with a path prefix works.
      url: function (name) { return new URL("../../runtime/" + name, location.href).href; },

      authToken: async function () {
        var saved = remembered();
        if (saved) { session.token = saved; return saved; }
        if (!fetchUrl) { throw new Error("the player was opened without the cmi5 launch parameters"); }
        var answer = await (await fetch(fetchUrl, { method: "POST" })).json();
        if (!answer["auth-token"]) {
          throw new Error("the launch URL was already used (" + (answer["error-text"] || answer["error-code"]) + ")");
        }
        remember(answer["auth-token"]);
        session.token = answer["auth-token"];
        return session.token;
      },

      start: async function () {
        var response = await fetch(session.url("start"), { method: "POST", headers: { "Content-Type": TEXT },
                                                           body: JSON.stringify({ auth: session.token }) });
        var started = await response.json();
        if (!response.ok) { throw new Error(started.detail || started.error); }
        session.sequence = started.sequence;
        return started;
      },

      request: function (event, fields) {
        session.sequence += 1;
        return Object.assign({ auth: session.token, sequence: session.sequence, event: event }, fields || {});
      },

      postNow: function (url, body) {
        var xhr = new XMLHttpRequest();
        xhr.open("POST", url, false);
        xhr.setRequestHeader("Content-Type", TEXT);
        xhr.send(JSON.stringify(body));
        return xhr;
      },

      beacon: function (url, body) {
        return navigator.sendBeacon(url, new Blob([JSON.stringify(body)], { type: TEXT }));
      },

      // The LRS's answer as scorm-again wants it; `failure` is the edition's error code for a
      // commit the LRS did not take without saying why.
      resultOf: function (xhr, failure) {
        var ok = xhr.status >= 200 && xhr.status < 300;
        try {
          var answer = JSON.parse(xhr.responseText);
          var result = answer.result === true || answer.result === "true";
          return { result: result ? "true" : "false",
                   errorCode: typeof answer.errorCode === "number" ? answer.errorCode : (ok && result ? 0 : failure) };
        } catch (e) {
          return { result: "false", errorCode: GENERAL_EXCEPTION };
        }
      }
    };
    return session;
  };
})();
