// The viewer's navigation frame: it shows the data modules of its SCO one after the other in the
// "content" frame beside it (the frameset's sibling frame) and reports completion on the last.
var scoPages = new Array(2);
scoPages[0] = new Array(2);
scoPages[0][0] = "../pages/DMC-SCOOTER-A-00-00-00-00A-040A-A_001-00_EN-US.htm";
scoPages[0][1] = "../pages/DMC-SCOOTER-A-00-00-00-00A-041A-A_001-00_EN-US.htm";
scoPages[1] = new Array(2);
scoPages[1][0] = "../pages/DMC-SCOOTER-A-DA2-00-00-00A-040A-A_001-00_EN-US.htm";
scoPages[1][1] = "../pages/DMC-SCOOTER-A-DA2-00-00-00A-520A-A_001-00_EN-US.htm";

var count = 1;
var loc = get_location('loc');
var initialized = null;
var is_initialized = null;

function get_location(name)
{
    var results = new RegExp("[\\?&]" + name + "=([^&#]*)").exec(window.location.href);
    if (results == null) return ""; else return results[1];
}

function startSCO()
{
    // The first data module goes into the sibling frame before the SCO initializes.
    parent.content.location = scoPages[loc][0];
    scoInit();
}

function scoInit()
{
    if (initialized == null)
    {
        initialized = doInitialize();
        is_initialized = true;
        document.getElementById("lms").innerHTML = initialized == "true" ? "connected" : "no LMS";
    }
}

function scoTerminate()
{
    initialized = doTerminate();
    is_initialized = false;
}

function setStatus(status)
{
    if (is_initialized == true)
    {
        doSetValue("cmi.completion_status", status == "true" ? "completed" : "incomplete");
    }
}

function goNext()
{
    if (count < scoPages[loc].length)
    {
        var nextPage = scoPages[loc][count];
        count++;
        setStatus("false");
        parent.content.location = nextPage;
    }
    if (count == scoPages[loc].length)
    {
        setStatus("true");
        scoTerminate();
        document.getElementById("btnNext").disabled = true;
    }
}

function goBack()
{
    document.getElementById("btnNext").disabled = false;
    if (count > 1)
    {
        count--;
        parent.content.location = scoPages[loc][count - 1];
    }
}
