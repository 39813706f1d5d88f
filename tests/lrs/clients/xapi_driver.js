/*
 * Drives @xapi/xapi (npm) through one scenario against an LRS and reports, as JSON, what the
 * library itself returned: ids, documents, ETags, error statuses.
 *
 * Under Node:   node xapi_driver.js '<config JSON>'   (prints the report on stdout)
 * In a browser: load the library's UMD build (global XAPI), then this file; call
 *               xapiDriver.run(config).
 *
 * config: {scenario, endpoint, username, password, agent, activityId, ...scenario options}
 *
 * Under Node the library's default adapter (axios) sends a Blob body as application/octet-stream,
 * dropping the multipart/mixed Content-Type of a statement with attachments; the tests pass
 * adapter "fetch" (one of the library's own options) for that scenario.
 */
(function (root) {
    "use strict";

    // The library rejects on any non-2xx answer; the status is what a caller would look at.
    async function status(promise) {
        try {
            return (await promise).status;
        } catch (error) {
            if (error.response) {
                return error.response.status;
            }
            throw error;
        }
    }

    function statement(XAPI, cfg, verb, object) {
        return {
            actor: cfg.agent,
            verb: XAPI.Verbs[verb],
            object: object || {objectType: "Activity", id: cfg.activityId}
        };
    }

    function ids(statements) {
        return statements.map(function (s) { return s.id; });
    }

    var scenarios = {};

    scenarios.statements = async function (XAPI, xapi, cfg) {
        var report = {};
        var bust = {useCacheBuster: cfg.cacheBuster};
        report.one = (await xapi.sendStatement({statement: statement(XAPI, cfg, "COMPLETED")})).data[0];
        var batch = [];
        for (var i = 0; i < cfg.batch; i += 1) {
            batch.push(statement(XAPI, cfg, "PROGRESSED"));
        }
        report.batch = (await xapi.sendStatements({statements: batch})).data;

        report.pages = [];
        var page = (await xapi.getStatements(Object.assign({agent: cfg.agent, limit: cfg.limit}, bust))).data;
        report.pages.push(ids(page.statements));
        while (page.more) {
            page = (await xapi.getMoreStatements({more: page.more})).data;
            report.pages.push(ids(page.statements));
        }

        report.ascending = ids((await xapi.getStatements({agent: cfg.agent, since: cfg.since, ascending: true})).data.statements);

        report.voiding = (await xapi.voidStatement({actor: cfg.agent, statementId: report.one})).data[0];
        report.voided = (await xapi.getVoidedStatement(Object.assign({voidedStatementId: report.one}, bust))).data.id;
        report.retrieveVoided = await status(xapi.getStatement({statementId: report.one}));
        var kept = (await xapi.getStatement(Object.assign({statementId: report.batch[0]}, bust))).data;
        report.retrieved = {id: kept.id, verb: kept.verb.id, actor: kept.actor.mbox};
        return report;
    };

    scenarios.state = async function (XAPI, xapi, cfg) {
        var report = {};
        var bust = {useCacheBuster: cfg.cacheBuster};
        function where(extra) {
            return Object.assign({agent: cfg.agent, activityId: cfg.activityId, registration: cfg.registration}, extra);
        }
        await xapi.setState(where({stateId: "bookmark", state: {page: 1, chapter: "one"}}));
        await xapi.setState(where({stateId: "notes", state: "first notes", contentType: "text/plain"}));
        var bookmark = await xapi.getState(where(Object.assign({stateId: "bookmark"}, bust)));
        report.bookmark = {contents: bookmark.data, etag: bookmark.headers.etag,
                           contentType: bookmark.headers["content-type"]};

        await xapi.createState(where({stateId: "bookmark", state: {page: 2}}));
        report.merged = (await xapi.getState(where({stateId: "bookmark"}))).data;

        var notesEtag = (await xapi.getState(where({stateId: "notes"}))).headers.etag;
        await xapi.setState(where({stateId: "notes", state: "second notes", contentType: "text/plain",
                                   etag: notesEtag, matchHeader: "If-Match"}));
        report.stale = await status(xapi.setState(where({stateId: "notes", state: "third notes",
                                                         contentType: "text/plain", etag: notesEtag,
                                                         matchHeader: "If-Match"})));
        report.notes = (await xapi.getState(where({stateId: "notes"}))).data;

        report.ids = (await xapi.getStates(where(bust))).data.sort();
        var current = (await xapi.getState(where({stateId: "notes"}))).headers.etag;
        await xapi.deleteState(where({stateId: "notes", etag: current}));
        report.idsAfterDrop = (await xapi.getStates(where())).data.sort();
        report.dropped = await status(xapi.getState(where({stateId: "notes"})));

        // Deleting every document of another registration leaves this one's alone.
        var other = {agent: cfg.agent, activityId: cfg.activityId, registration: cfg.otherRegistration};
        await xapi.setState(Object.assign({stateId: "scratch", state: "x", contentType: "text/plain"}, other));
        await xapi.deleteStates(other);
        report.otherIds = (await xapi.getStates(other)).data;
        return report;
    };

    // Activity Profile and Agent Profile calls differ only in names and in what identifies the
    // place, so one scenario serves both.
    async function profiles(xapi, names, place, bust) {
        var report = {};
        function at(extra) { return Object.assign({}, place, extra); }
        await xapi[names.set](at({profileId: "settings", profile: {theme: "dark"}, etag: "*",
                                  matchHeader: "If-None-Match"}));
        report.secondCreate = await status(xapi[names.set](at({profileId: "settings", profile: {theme: "light"},
                                                               etag: "*", matchHeader: "If-None-Match"})));
        var first = await xapi[names.get](at(Object.assign({profileId: "settings"}, bust)));
        report.created = {contents: first.data, etag: first.headers.etag, contentType: first.headers["content-type"]};
        await xapi[names.set](at({profileId: "settings", profile: {theme: "light", size: 2}, etag: first.headers.etag,
                                  matchHeader: "If-Match"}));
        report.stale = await status(xapi[names.set](at({profileId: "settings", profile: {theme: "blue"},
                                                        etag: first.headers.etag, matchHeader: "If-Match"})));
        var updated = await xapi[names.get](at({profileId: "settings"}));
        report.updated = {contents: updated.data, etag: updated.headers.etag};

        // create* is a POST: it makes the document when there is none.
        await xapi[names.create](at({profileId: "avatar", profile: {shape: "round"}}));
        report.ids = (await xapi[names.list](at(bust))).data.sort();
        var avatar = await xapi[names.get](at({profileId: "avatar"}));
        await xapi[names.remove](at({profileId: "avatar", etag: avatar.headers.etag}));
        report.idsAfterDrop = (await xapi[names.list](at())).data.sort();
        return report;
    }

    scenarios.profiles = async function (XAPI, xapi, cfg) {
        var bust = {useCacheBuster: cfg.cacheBuster};
        return {
            activity: await profiles(xapi, {set: "setActivityProfile", get: "getActivityProfile",
                                            create: "createActivityProfile", list: "getActivityProfiles",
                                            remove: "deleteActivityProfile"},
                                     {activityId: cfg.activityId}, bust),
            agent: await profiles(xapi, {set: "setAgentProfile", get: "getAgentProfile",
                                         create: "createAgentProfile", list: "getAgentProfiles",
                                         remove: "deleteAgentProfile"},
                                  {agent: cfg.agent}, bust)
        };
    };

    // A statement with an attachment goes out as multipart/mixed; read back with attachments=true
    // the library parses the LRS's multipart answer into [statement, attachment, ...].
    scenarios.attachments = async function (XAPI, xapi, cfg) {
        var sent = statement(XAPI, cfg, "COMPLETED");
        sent.attachments = [{
            usageType: XAPI.AttachmentUsages.SUPPORTING_MEDIA, display: {"en-US": "notes"},
            contentType: "text/plain", length: cfg.attachmentLength, sha2: cfg.attachmentSha2
        }];
        var id = (await xapi.sendStatement({statement: sent, attachments: [cfg.attachment]})).data[0];
        var parts = (await xapi.getStatement({statementId: id, attachments: true})).data;
        return {id: id, sha2: parts[0].attachments[0].sha2, content: String(parts[1])};
    };

    scenarios.about = async function (XAPI, xapi, cfg) {
        var bust = {useCacheBuster: cfg.cacheBuster};
        var about = (await xapi.getAbout(bust)).data;
        var activity = (await xapi.getActivity(Object.assign({activityId: cfg.activityId}, bust))).data;
        var person = (await xapi.getAgent(Object.assign({agent: cfg.agent}, bust))).data;
        return {
            versions: about.version,
            activity: {id: activity.id, name: activity.definition && activity.definition.name},
            person: person
        };
    };

    async function run(XAPI, cfg) {
        var xapi = new XAPI({
            endpoint: cfg.endpoint,
            auth: XAPI.toBasicAuth(cfg.username, cfg.password),
            version: cfg.version,
            adapter: cfg.adapter
        });
        return scenarios[cfg.scenario](XAPI, xapi, cfg);
    }

    if (typeof module === "object" && module.exports) {
        module.exports = {run: run};
        if (require.main === module) {
            run(require("@xapi/xapi"), JSON.parse(process.argv[2])).then(function (report) {
                process.stdout.write(JSON.stringify(report));
            }, function (error) {
                var answer = error.response ? " " + error.response.status + " " + JSON.stringify(error.response.data) : "";
                process.stderr.write(String(error && error.stack || error) + answer);
                process.exitCode = 1;
            });
        }
    } else {
        root.xapiDriver = {run: function (cfg) { return run(root.XAPI, cfg); }};
    }
}(this));
