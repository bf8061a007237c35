// Inside the embedded schedule (/<event>/embed/): tells the page that frames it how tall the schedule is, so
// that static/js/embed.js on that page can size the frame to it. Without this, or without a frame, the page is
// an ordinary page that scrolls.
(function () {
  "use strict";

  if (window.parent === window) return;
  var sent = 0;

  function tell() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === sent) return;
    sent = height;
    // Any page may frame this one only where the Content-Security-Policy lets it, and the message holds
    // nothing but the height and this address, so it goes to whichever page that is.
    window.parent.postMessage({ type: "portal-embed-height", height: height, href: location.href }, "*");
  }

  if (window.ResizeObserver) {
    new ResizeObserver(tell).observe(document.documentElement);
  } else {
    window.addEventListener("resize", tell);
  }
  window.addEventListener("load", tell);
  tell();
})();
