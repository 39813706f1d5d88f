// An AU built on @xapi/cmi5 (and @xapi/xapi for what that library does not send itself).
// The browser test calls these functions with page.evaluate, step by step; each answers
// {ok: true, value} or {ok: false, status, detail, message}, so a refusal by the LMS (its HTTP
// status and the detail of its JSON error) is told apart from one by the library itself.
(function () {
  "use strict";
  var CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
  var MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon";
  var params = XAPI.getSearchQueryParamsAsObject(location.search);
  var cmi5 = new Cmi5();
  var direct = null;  // an @xapi/xapi client holding a token fetched without the cmi5 library

  async function attempt(action) {
    try {
      var value = await action();
      return { ok: true, value: value && value.data !== undefined ? value.data : (value === undefined ? null : value) };
    } catch (error) {
      var response = error.response;
      return {
        ok: false, message: String(error.message || error),
        status: response ? response.status : null,
        detail: response && response.data ? response.data.detail || null : null
      };
    }
  }

  function uuid() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  // A cmi5 defined statement as 9.x describes it, for verbs the library will not send in a mode.
  function defined(verb, result) {
    var context = JSON.parse(JSON.stringify(cmi5.getLaunchData().contextTemplate));
    context.registration = params.registration;
    context.contextActivities.category = [{ id: CMI5 }];
    if (result && ("success" in result || "completion" in result)) {
      context.contextActivities.category.push({ id: MOVEON });
    }
    var statement = {
      id: uuid(), actor: params.actor, timestamp: new Date().toISOString(),
      verb: { id: "http://adlnet.gov/expapi/verbs/" + verb, display: { "en-US": verb } },
      object: { objectType: "Activity", id: params.activityId },
      context: context
    };
    if (result) { statement.result = result; }
    return statement;
  }

  window.au = {
    // A method of the cmi5 library: initialize, progress, complete, pass, fail, terminate, ...
    call: function (name) {
      var args = Array.prototype.slice.call(arguments, 1);
      return attempt(function () { return cmi5[name].apply(cmi5, args); });
    },
    // A call of the xAPI client the cmi5 library made for the session (its `xapi`).
    libraryXapi: function (name, options) {
      return attempt(function () { return cmi5.xapi[name](options); });
    },
    // A cmi5 defined statement sent through the library's own xAPI client.
    sendDefined: function (verb, result) {
      return attempt(function () { return cmi5.sendXapiStatement(defined(verb, result)); });
    },
    // What the session's launch data and the learner's preferences were, as the library read them.
    launchData: function () { return cmi5.getLaunchData(); },
    learnerPreferences: function () { return cmi5.getLearnerPreferences(); },
    // The cmi5 handshake done by hand with @xapi/xapi: fetch the token, read LMS.LaunchData.
    startWithoutLibrary: function () {
      return attempt(async function () {
        var answer = await (await fetch(params.fetch, { method: "POST" })).json();
        direct = new XAPI({ endpoint: params.endpoint, auth: "Basic " + answer["auth-token"] });
        var launchData = (await direct.getState({
          agent: params.actor, activityId: params.activityId, registration: params.registration,
          stateId: "LMS.LaunchData"
        })).data;
        cmi5.getLaunchData = function () { return launchData; };
        return launchData;
      });
    },
    // An @xapi/xapi call with that token: getAgentProfile, sendStatement, voidStatement, ...
    direct: function (name, options) {
      return attempt(function () { return direct[name](options); });
    },
    defined: defined,
    params: params
  };
  document.getElementById("status").textContent = "ready";
})();
