// For the community's own site, beside an <iframe> of the portal's embedded schedule (/<event>/embed/): sizes
// each such frame to the schedule's height, which the framed page sends (static/js/embed-frame.js). Messages
// count only from the portal this script came from, and only for the frame they came from.
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !window.URL || !window.postMessage) return;
  var portal = new URL(script.src, location.href).origin;

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== portal || !data || data.type !== "portal-embed-height") return;
    var height = Number(data.height);
    if (!isFinite(height) || height <= 0) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        // The schedule now scrolls with the page rather than inside the frame.
        frames[i].style.height = Math.min(Math.ceil(height), 100000) + "px";
      }
    }
  });
})();
