// Helpers of the exported projects: objectives by id, shared data by id.
function objectiveIndex(api, id) {
  var count = parseInt(api.GetValue("cmi.objectives._count"), 10) || 0;
  for (var n = 0; n < count; n++) {
    if (api.GetValue("cmi.objectives." + n + ".id") === id) { return n; }
  }
  return -1;
}

function sharedDataIndex(api, id) {
  var count = parseInt(api.GetValue("adl.data._count"), 10) || 0;
  for (var n = 0; n < count; n++) {
    if (api.GetValue("adl.data." + n + ".id") === id) { return n; }
  }
  return -1;
}
