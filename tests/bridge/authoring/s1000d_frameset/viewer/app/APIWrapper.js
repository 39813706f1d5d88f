// The viewer's wrapper of the SCORM 2004 API: finds API_1484_11 in the windows above (and the
// opener's), then forwards each call.
var apiHandle = null;

function findAPI(win)
{
    var tries = 0;
    while (win.API_1484_11 == null && win.parent != null && win.parent != win && tries < 500)
    {
        tries++;
        win = win.parent;
    }
    return win.API_1484_11;
}

function getAPIHandle()
{
    if (apiHandle == null)
    {
        apiHandle = findAPI(window);
        if (apiHandle == null && window.opener != null) apiHandle = findAPI(window.opener);
    }
    return apiHandle;
}

function doInitialize()
{
    var api = getAPIHandle();
    return api == null ? "false" : api.Initialize("").toString();
}

function doTerminate()
{
    var api = getAPIHandle();
    return api == null ? "false" : api.Terminate("").toString();
}

function doSetValue(name, value)
{
    var api = getAPIHandle();
    return api == null ? "false" : api.SetValue(name, value).toString();
}
