// The SCORM 2004 player. One page plays one SCO, in one cmi5 session of its AU, like the SCORM 1.2
// player (and through the same ScormPlayerSession): it trades the fetch URL for the launch's auth
// token, asks the LRS how the SCO starts, exposes window.API_1484_11 (scorm-again's SCORM 2004
// runtime) and sends every commit with a growing sequence number. Sequencing is scorm-again's
// engine, loaded with the course's activity tree and the state the course was left in: it decides
// what every navigation request (the SCO's adl.nav.request, or this page's buttons and menu)
// delivers. When it delivers another SCO, the page saves the engine's state and asks the LRS to
// launch that SCO in the same registration, then opens its launch URL; that page restores the
// state and plays on.
(function () {
  "use strict";
  var session = window.ScormPlayerSession();
  var COMMIT_URL = session.url("commit");
  var SEQUENCING_URL = session.url("sequencing");
  var TEXT = session.TEXT;
  var AUTOCOMMIT_SECONDS = 10;
  var COMMIT_FAILURE = 391;
  var REQUESTS = ["previous", "continue", "suspendAll", "exitAll"];

  var status = document.getElementById("status");
  var frame = document.getElementById("sco");
  var bar = document.getElementById("bar");
  var menu = document.getElementById("menu");
  var initialized = false;
  var finished = false;
  var leaving = false;
  var started = null;
  var api = null;
  var delivered = null;     // the activity the engine delivered last
  var sessionEnd = null;    // why the engine ended the sequencing session, if it did
  var validity = null;
  var dismissing = false;   // the player is unloading the SCO's frame (the learner navigated)
  var dismissed = false;    // the learner navigated away before the SCO initialized
  var pendingFinish = Promise.resolve();

  function show(text, state) {
    status.textContent = text;
    status.setAttribute("data-state", state);
  }

  function failed(error) {
    frame.hidden = true;
    show("The course cannot go on: " + error.message, "error");
  }

  // --- talking to the LRS -------------------------------------------------------------------

  function request(event, cmi) {
    return session.request(event, cmi ? { cmi: cmi } : null);
  }

  function resultOf(xhr) {
    return session.resultOf(xhr, COMMIT_FAILURE);
  }

  function keepalive(body) {
    // Browsers refuse synchronous requests while a document is being unloaded (a SCO ending its
    // session in its unload handler); this one outlives the SCO, and the player waits for it
    // before it launches the next SCO.
    var sent = fetch(COMMIT_URL, { method: "POST", keepalive: true, headers: { "Content-Type": TEXT },
                                   body: JSON.stringify(body) }).catch(function () { return null; });
    pendingFinish = Promise.all([pendingFinish, sent]);
    return { result: "true", errorCode: 0 };
  }

  // scorm-again's commits go through this service: synchronous requests, so the SCO gets the real
  // result and the finish is applied before the next SCO is launched (a beacon could arrive after
  // that launch and be refused as superseded); while the SCO's frame is being unloaded, requests
  // the player waits for; a beacon only when the page itself is going away.
  var http = {
    processHttpRequest: function (url, params, immediate) {
      var cmi = params.cmi || (params.runtimeData && params.runtimeData.cmi) || {};
      if (immediate && api && api.adl.nav.request === "suspendAll") {
        // The whole course is suspended: so is this SCO's attempt, whatever cmi.exit says.
        cmi = Object.assign({}, cmi, { exit: "suspend" });
      }
      var body = request(immediate ? "finish" : "commit", cmi);
      if (leaving) {
        return session.beacon(COMMIT_URL, body) ? { result: "true", errorCode: 0 } : { result: "false", errorCode: COMMIT_FAILURE };
      }
      if (dismissing) { return keepalive(body); }
      try {
        return resultOf(session.postNow(COMMIT_URL, body));
      } catch (refused) {
        return keepalive(body);
      }
    },
    updateSettings: function () {}
  };

  function sequencingRequest() {
    return { auth: session.token, state: api.serializeSequencingState(), endpoint: session.query.get("endpoint") };
  }

  function saveState(deliver) {
    var body = sequencingRequest();
    if (deliver) { body.deliver = deliver; }
    var xhr = session.postNow(SEQUENCING_URL, body);
    var answer = {};
    try { answer = JSON.parse(xhr.responseText); } catch (e) { /* reported below */ }
    if (xhr.status < 200 || xhr.status >= 300) {
      throw new Error(answer.detail || answer.error || "the LRS answered " + xhr.status);
    }
    return answer;
  }

  // --- sequencing -----------------------------------------------------------------------------

  function navigateFromStart(item, state) {
    // What the LMS launching this SCO asks of the engine: resume a suspended course; go on in the
    // SCO the course was left in; else deliver this SCO (choice), and where choice is not allowed,
    // what the course's start (or the SCO it was left in) delivers.
    if (state && state.sequencing && state.sequencing.suspendedActivity) {
      api.processNavigationRequest("resumeAll");
      return;
    }
    var current = api.getSequencingState().currentActivity;
    if (current && current.isActive && current.id === item) {
      delivered = item;
      return;
    }
    api.processNavigationRequest("choice", item);
    if (!delivered && !sessionEnd) {
      if (current && current.isActive) {
        delivered = current.id;
      } else {
        api.processNavigationRequest("start");
      }
    }
  }

  function afterNavigation() {
    dismissing = false;
    if (delivered && (finished || delivered !== started.sequencing.item)) {
      handOver(delivered);  // another SCO, or this one again in a new session
    } else if (delivered) {
      play();
    } else {
      saveState();
      if (sessionEnd) {
        bar.hidden = true;
        menu.hidden = true;
        show(sessionEnd === "suspend_all" ? "The course is suspended: it resumes where you left it."
                                          : "You have left the course.", "ended");
      } else {
        frame.hidden = true;
        show("Choose where to go next.", "waiting");
        refreshControls();
      }
    }
  }

  function handOver(item) {
    show("Opening the next part…", "navigating");
    var answer = saveState(item);
    leaving = true;
    location.replace(answer.url);
  }

  // --- the learner's controls -----------------------------------------------------------------

  function buildMenu(tree) {
    var list = menu.querySelector("ol");
    function add(node, into) {
      if (node.isVisible === false) { return; }
      var entry = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = node.title;
      button.setAttribute("data-item", node.id);
      button.addEventListener("click", function () { navigate("choice", node.id); });
      entry.appendChild(button);
      if (node.children && node.children.length) {
        var inner = document.createElement("ol");
        node.children.forEach(function (child) { add(child, inner); });
        entry.appendChild(inner);
      }
      into.appendChild(entry);
    }
    (tree.children || []).forEach(function (child) { add(child, list); });
  }

  function refreshControls() {
    var hidden = (validity && validity.hideLmsUi) || [];
    REQUESTS.forEach(function (name) {
      var button = document.getElementById(name);
      button.hidden = hidden.indexOf(name) >= 0;
      if (name === "continue" || name === "previous") {
        button.disabled = !!validity && !validity[name];
      }
    });
    var choices = (validity && validity.choice) || {};
    var any = false;
    menu.querySelectorAll("button[data-item]").forEach(function (button) {
      var item = button.getAttribute("data-item");
      var allowed = validity ? choices[item] === "true" : false;
      any = any || allowed;
      button.disabled = !allowed;
      button.setAttribute("aria-current", String(item === started.sequencing.item));
    });
    menu.hidden = !any;
    bar.hidden = false;
  }

  function navigate(kind, target) {
    if (leaving || status.getAttribute("data-state") === "navigating") { return; }
    show("…", "navigating");
    if (api.isInitialized()) {
      // The SCO is running: the request waits in adl.nav.request while the SCO is unloaded; it
      // ends its session itself when it handles unload, else the player does.
      api.adl.nav.request = kind === "choice" ? "{target=" + target + "}choice" : kind;
      dismissing = true;
      frame.addEventListener("load", function () {
        setTimeout(function () { if (!finished && api.isInitialized()) { api.Terminate(""); } }, 0);
      }, { once: true });
      frame.src = "about:blank";
    } else {
      if (!finished && !frame.hidden) {
        // Delivered but not initialized yet (a frameset still loading): the SCO is taken away
        // before the request is handled, or it would initialize later in a session nobody ends.
        dismissed = true;
        frame.hidden = true;
        frame.src = "about:blank";
      }
      delivered = null;
      api.processNavigationRequest(kind, target);
      try { afterNavigation(); } catch (error) { failed(error); }
    }
  }

  // --- the runtime ------------------------------------------------------------------------------

  function createApi() {
    var sequencing = started.sequencing;
    var settings = {
      lmsCommitUrl: COMMIT_URL,
      autocommit: true,
      autocommitSeconds: AUTOCOMMIT_SECONDS,
      logLevel: 4,
      sequencing: {
        activityTree: sequencing.tree,
        eventListeners: {
          onActivityDelivery: function (activity) { delivered = activity.id; },
          onSequencingSessionEnd: function (data) { sessionEnd = (data && data.reason) || "ended"; },
          onNavigationValidityUpdate: function (data) { validity = data; }
        }
      }
    };
    var created = new window.Scorm2004API(settings, http);
    created.loadFromJSON(started.cmi, "cmi");
    if (sequencing.state) {
      created.deserializeSequencingState(sequencing.state);
    }
    var initialize = created.lmsInitialize.bind(created);
    created.Initialize = function (parameter) {
      if (dismissed) { return "false"; }  // the learner navigated away before the SCO got this far
      var result = initialize(parameter);
      if (result === "true") {
        initialized = true;
        // With the data model as the SCO starts with it, once the engine has filled in the objectives
        // it reads from global objectives: those are what the SCO was told, not what it did.
        session.postNow(COMMIT_URL, request("initialize", created.renderCommitCMI(false).cmi));
      }
      return result;
    };
    created.on("Terminate", function () {
      finished = true;
      delivered = null;
      sessionEnd = null;
      // The engine handles the navigation request after Terminate has returned to this listener;
      // the next SCO is launched once this one's finish has reached the LRS.
      setTimeout(function () { pendingFinish.then(afterNavigation).catch(failed); }, 0);
    });
    addEventListener("pagehide", function () {
      if (leaving) { return; }
      leaving = true;
      // Closed without Terminate: keep what the SCO set since its last commit, and the course's state.
      if (initialized && !finished) {
        session.beacon(COMMIT_URL, request("unload", created.renderCommitCMI(false).cmi));
        session.beacon(SEQUENCING_URL, sequencingRequest());
      }
    });
    return created;
  }

  function play() {
    if (!validity) {
      // Handed over, nothing was navigated on this page yet: ask the engine what is allowed now.
      var service = api.getSequencingService();
      var process = service && service.getOverallSequencingProcess();
      if (process) { process.updateNavigationValidity(); }
    }
    window.API_1484_11 = api;
    dismissed = false;
    document.getElementById("title").textContent = started.title;
    document.title = started.title;
    frame.src = started.launch;
    frame.hidden = false;
    refreshControls();
    show(started.title, "ready");
  }

  async function start() {
    await session.authToken();
    started = await session.start();
    if (!started.sequencing || !started.sequencing.tree) { throw new Error("this package has no SCORM 2004 activity tree"); }
    finished = started.finished;
    initialized = started.initialized;
    api = createApi();
    buildMenu(started.sequencing.tree);
    REQUESTS.forEach(function (name) {
      document.getElementById(name).addEventListener("click", function () { navigate(name); });
    });
    if (finished) {
      // A reload after this SCO ended: its session is over, the course goes on from the engine's state.
      afterNavigation();
      return;
    }
    if (started.sequencing.handedOver || initialized) {
      delivered = started.sequencing.item;
    } else {
      navigateFromStart(started.sequencing.item, started.sequencing.state ? JSON.parse(started.sequencing.state) : null);
    }
    afterNavigation();
  }

  start().catch(function (error) { show("The SCO cannot start: " + error.message, "error"); });
})();
