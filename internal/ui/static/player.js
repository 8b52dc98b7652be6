// callvault's player: skip and speed buttons beside each <audio> element. The page works
// without this script (the browser's own controls seek and play); it only adds the buttons,
// which the page renders hidden until this script shows them.
"use strict";
document.querySelectorAll(".recording").forEach(function (section) {
  var audio = section.querySelector("audio");
  var tools = section.querySelector(".player-tools");
  if (!audio || !tools) return;
  tools.hidden = false;
  tools.querySelectorAll("button[data-skip]").forEach(function (b) {
    b.addEventListener("click", function () {
      var t = audio.currentTime + Number(b.dataset.skip);
      audio.currentTime = Math.max(0, isFinite(audio.duration) ? Math.min(t, audio.duration) : t);
    });
  });
  var speed = tools.querySelector("select.speed");
  if (speed) {
    speed.addEventListener("change", function () { audio.playbackRate = Number(speed.value); });
  }
});
