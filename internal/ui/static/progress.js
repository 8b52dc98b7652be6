// The audit verification's progress bar: while a verification runs in the background, ask the
// server how far it got once a second and move the bar; when it has ended, load the page again
// to show its result. The page works without this script (reload it to see the progress).
"use strict";
(function () {
  var box = document.getElementById("verify-progress");
  if (!box) return;
  var bar = document.getElementById("verify-bar");
  var status = document.getElementById("verify-status");
  var url = box.getAttribute("data-poll");
  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) {
        if (!p.running) {
          window.location.reload();
          return;
        }
        bar.max = Math.max(p.total, 1);
        bar.value = Math.min(p.checked, bar.max);
        bar.textContent = Math.floor(100 * bar.value / bar.max) + "%";
        status.textContent = p.phase === "recordings" ?
          "all " + p.total + " events checked; now checking the recordings" :
          p.checked + " of " + p.total + " events checked";
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
})();
