// Test fixture: helpers of the published course.
function CP_timespan(ms) {
  var s = Math.round(ms / 1000);
  function two(n) { return (n < 10 ? "0" : "") + n; }
  return "00" + two(Math.floor(s / 3600)) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
}
