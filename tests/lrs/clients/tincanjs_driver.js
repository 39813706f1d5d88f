/*
 * Drives TinCanJS (npm `tincanjs`) through one scenario against an LRS and reports, as JSON,
 * what the library itself returned: ids, documents, ETags, error statuses.
 *
 * Under Node:   node tincanjs_driver.js '<config JSON>'   (prints the report on stdout)
 * In a browser: load TinCanJS's browser build, then this file; call tincanjsDriver.run(config).
 *
 * config: {scenario, endpoint, username, password, agent, activityId, ...scenario options}
 */
(function (root) {
    "use strict";

    // TinCanJS takes node-style callbacks (err, result); err is the HTTP status of a failure.
    function call(start) {
        return new Promise(function (resolve) {
            start(function (err, result) {
                resolve({err: err, result: result});
            });
        });
    }

    function ok(outcome, what) {
        if (outcome.err !== null) {
            var text = outcome.result && outcome.result.responseText;
            throw new Error(what + " failed: " + outcome.err + " " + (text || ""));
        }
        return outcome.result;
    }

    function statement(TinCan, cfg, verb, target) {
        return new TinCan.Statement({
            actor: new TinCan.Agent(cfg.agent),
            verb: {id: "http://adlnet.gov/expapi/verbs/" + verb, display: {"en-US": verb}},
            target: target || new TinCan.Activity({id: cfg.activityId})
        });
    }

    function ids(statements) {
        return statements.map(function (s) { return s.id; });
    }

    var scenarios = {};

    scenarios.statements = async function (TinCan, lrs, cfg) {
        var report = {};
        var one = statement(TinCan, cfg, "experienced");
        ok(await call(function (cb) { lrs.saveStatement(one, {callback: cb}); }), "saveStatement");
        report.one = one.id;

        var batch = [];
        for (var i = 0; i < cfg.batch; i += 1) {
            batch.push(statement(TinCan, cfg, "progressed"));
        }
        var saved = ok(await call(function (cb) { lrs.saveStatements(batch, {callback: cb}); }), "saveStatements");
        report.batch = JSON.parse(saved.responseText);

        var params = {agent: new TinCan.Agent(cfg.agent), limit: cfg.limit};
        report.pages = [];
        var page = ok(await call(function (cb) { lrs.queryStatements({params: params, callback: cb}); }), "queryStatements");
        report.pages.push(ids(page.statements));
        while (page.more) {
            var more = page.more;
            page = ok(await call(function (cb) { lrs.moreStatements({url: more, callback: cb}); }), "moreStatements");
            report.pages.push(ids(page.statements));
        }

        var ascending = ok(await call(function (cb) {
            lrs.queryStatements({params: {agent: params.agent, since: cfg.since, ascending: true}, callback: cb});
        }), "queryStatements ascending");
        report.ascending = ids(ascending.statements);

        var voiding = statement(TinCan, cfg, "voided", new TinCan.StatementRef({id: one.id}));
        ok(await call(function (cb) { lrs.saveStatement(voiding, {callback: cb}); }), "void");
        report.voiding = voiding.id;
        var voided = ok(await call(function (cb) { lrs.retrieveVoidedStatement(one.id, {callback: cb}); }), "retrieveVoidedStatement");
        report.voided = voided.id;
        var gone = await call(function (cb) { lrs.retrieveStatement(one.id, {callback: cb}); });
        report.retrieveVoided = gone.err;
        var kept = ok(await call(function (cb) { lrs.retrieveStatement(batch[0].id, {callback: cb}); }), "retrieveStatement");
        report.retrieved = {id: kept.id, verb: kept.verb.id, actor: kept.actor.mbox};
        return report;
    };

    scenarios.state = async function (TinCan, lrs, cfg) {
        var report = {};
        var where = {agent: new TinCan.Agent(cfg.agent), activity: new TinCan.Activity({id: cfg.activityId}),
                     registration: cfg.registration};
        function opts(extra) { return Object.assign({}, where, extra); }
        function save(key, value, extra) {
            return call(function (cb) { lrs.saveState(key, value, opts(Object.assign({callback: cb}, extra))); });
        }
        function retrieve(key) {
            return call(function (cb) { lrs.retrieveState(key, opts({callback: cb})); });
        }

        ok(await save("bookmark", {page: 1, chapter: "one"}, {contentType: "application/json"}), "saveState json");
        ok(await save("notes", "first notes", {contentType: "text/plain"}), "saveState text");
        var bookmark = ok(await retrieve("bookmark"), "retrieveState");
        report.bookmark = {contents: bookmark.contents, etag: bookmark.etag, contentType: bookmark.contentType};

        ok(await save("bookmark", {page: 2}, {contentType: "application/json", method: "POST"}), "saveState merge");
        var merged = ok(await retrieve("bookmark"), "retrieveState after merge");
        report.merged = merged.contents;

        var notesEtag = ok(await retrieve("notes"), "retrieveState notes").etag;
        ok(await save("notes", "second notes", {contentType: "text/plain", lastSHA1: notesEtag}), "saveState If-Match");
        report.stale = (await save("notes", "third notes", {contentType: "text/plain", lastSHA1: notesEtag})).err;
        report.notes = ok(await retrieve("notes"), "retrieveState notes").contents;

        report.ids = ok(await call(function (cb) { lrs.retrieveStateIds(opts({callback: cb})); }), "retrieveStateIds").sort();
        ok(await call(function (cb) { lrs.dropState("notes", opts({callback: cb})); }), "dropState");
        report.idsAfterDrop = ok(await call(function (cb) { lrs.retrieveStateIds(opts({callback: cb})); }), "retrieveStateIds").sort();
        // TinCanJS answers null for a document that is not there.
        report.dropped = ok(await retrieve("notes"), "retrieveState of a dropped document");

        // Dropping every document of another registration leaves this one's alone.
        var other = {agent: where.agent, activity: where.activity, registration: cfg.otherRegistration};
        ok(await call(function (cb) { lrs.saveState("scratch", "x", Object.assign({callback: cb, contentType: "text/plain"}, other)); }), "saveState other");
        ok(await call(function (cb) { lrs.dropState(null, Object.assign({callback: cb}, other)); }), "dropState all");
        report.otherIds = ok(await call(function (cb) { lrs.retrieveStateIds(Object.assign({callback: cb}, other)); }), "retrieveStateIds other");
        return report;
    };

    // The Activity Profile and Agent Profile calls of TinCanJS differ only in their names and in
    // what identifies the place, so one scenario serves both.
    async function profiles(lrs, names, place) {
        var report = {};
        function opts(extra) { return Object.assign({}, place, extra); }
        function save(key, value, extra) {
            return call(function (cb) { lrs[names.save](key, value, opts(Object.assign({callback: cb}, extra))); });
        }
        function retrieve(key) {
            return call(function (cb) { lrs[names.retrieve](key, opts({callback: cb})); });
        }
        // Without lastSHA1 TinCanJS sends If-None-Match: *, so a second create is refused.
        ok(await save("settings", {theme: "dark"}, {contentType: "application/json"}), "create profile");
        report.secondCreate = (await save("settings", {theme: "light"}, {contentType: "application/json"})).err;
        var first = ok(await retrieve("settings"), "retrieve profile");
        report.created = {contents: first.contents, etag: first.etag, contentType: first.contentType};
        ok(await save("settings", {theme: "light", size: 2}, {contentType: "application/json", lastSHA1: first.etag}), "update profile");
        report.stale = (await save("settings", {theme: "blue"}, {contentType: "application/json", lastSHA1: first.etag})).err;
        var updated = ok(await retrieve("settings"), "retrieve updated profile");
        report.updated = {contents: updated.contents, etag: updated.etag};

        ok(await save("avatar", "plain text", {contentType: "text/plain"}), "create second profile");
        report.ids = ok(await call(function (cb) { lrs[names.ids](opts({callback: cb})); }), "profile ids").sort();
        ok(await call(function (cb) { lrs[names.drop]("avatar", opts({callback: cb})); }), "drop profile");
        report.idsAfterDrop = ok(await call(function (cb) { lrs[names.ids](opts({callback: cb})); }), "profile ids").sort();
        return report;
    }

    scenarios.profiles = async function (TinCan, lrs, cfg) {
        return {
            activity: await profiles(lrs, {save: "saveActivityProfile", retrieve: "retrieveActivityProfile",
                                           ids: "retrieveActivityProfileIds", drop: "dropActivityProfile"},
                                     {activity: new TinCan.Activity({id: cfg.activityId})}),
            agent: await profiles(lrs, {save: "saveAgentProfile", retrieve: "retrieveAgentProfile",
                                        ids: "retrieveAgentProfileIds", drop: "dropAgentProfile"},
                                  {agent: new TinCan.Agent(cfg.agent)})
        };
    };

    // A statement with an attachment goes out as multipart/mixed; read back with attachments=true
    // the library parses the LRS's multipart answer itself.
    scenarios.attachments = async function (TinCan, lrs, cfg) {
        var sent = new TinCan.Statement({
            actor: new TinCan.Agent(cfg.agent),
            verb: {id: "http://adlnet.gov/expapi/verbs/completed", display: {"en-US": "completed"}},
            target: new TinCan.Activity({id: cfg.activityId}),
            attachments: [{
                usageType: "http://id.tincanapi.com/attachment/supporting_media",
                display: {"en-US": "notes"}, contentType: "text/plain", content: cfg.attachment
            }]
        });
        ok(await call(function (cb) { lrs.saveStatement(sent, {callback: cb}); }), "saveStatement with attachment");
        var read = ok(await call(function (cb) {
            lrs.retrieveStatement(sent.id, {params: {attachments: true}, callback: cb});
        }), "retrieveStatement with attachments");
        var attachment = read.attachments[0];
        return {
            id: sent.id,
            sha2: attachment.sha2,
            content: TinCan.Utils.stringFromArrayBuffer(attachment.content)
        };
    };

    // One State document as the library reads it now (called again after it changed).
    scenarios.readState = async function (TinCan, lrs, cfg) {
        var read = ok(await call(function (cb) {
            lrs.retrieveState(cfg.stateId, {agent: new TinCan.Agent(cfg.agent),
                                            activity: new TinCan.Activity({id: cfg.activityId}), callback: cb});
        }), "retrieveState");
        return {contents: read.contents};
    };

    // TinCanJS has no call for the Agents resource.
    scenarios.about = async function (TinCan, lrs, cfg) {
        var about = ok(await call(function (cb) { lrs.about({callback: cb}); }), "about");
        var activity = ok(await call(function (cb) { lrs.retrieveActivity(cfg.activityId, {callback: cb}); }), "retrieveActivity");
        return {
            versions: about.version,
            activity: {id: activity.id, name: activity.definition && activity.definition.name}
        };
    };

    async function run(TinCan, cfg) {
        var lrs = new TinCan.LRS({
            endpoint: cfg.endpoint, username: cfg.username, password: cfg.password,
            version: cfg.version || TinCan.versions()[0], allowFail: false
        });
        return scenarios[cfg.scenario](TinCan, lrs, cfg);
    }

    if (typeof module === "object" && module.exports) {
        module.exports = {run: run};
        if (require.main === module) {
            run(require("tincanjs"), JSON.parse(process.argv[2])).then(function (report) {
                process.stdout.write(JSON.stringify(report));
            }, function (error) {
                process.stderr.write(String(error && error.stack || error));
                process.exitCode = 1;
            });
        }
    } else {
        root.tincanjsDriver = {run: function (cfg) { return run(root.TinCan, cfg); }};
    }
}(this));
