// callvault's player: skip and speed buttons beside each <audio> element, a waveform per
// channel drawn from the peaks the server computes (GET /grants/{id}/waveform/{rec}), with
// the pauses and silenced digits shaded, and buttons that play from each mark. The page works
// without this script (the browser's own controls seek and play, the marks are listed as
// text); it only adds what it draws, which the page renders hidden until this script shows it.
"use strict";
(function () {
  var ink = "#1d4f4a", played = "#0f5e8c", line = "#d9d4c8", cursor = "#a1261b";
  var shade = { pause: "rgba(184, 138, 0, 0.22)", masked: "rgba(161, 38, 27, 0.20)" };

  function seekTo(audio, t) {
    audio.currentTime = Math.max(0, isFinite(audio.duration) ? Math.min(t, audio.duration) : t);
  }

  // draw paints one channel's peaks (min, max pairs of int8), the marks and the play position.
  function draw(canvas, peaks, marks, durationMs, position) {
    var g = canvas.getContext("2d"), w = canvas.width, h = canvas.height, mid = h / 2;
    var n = peaks.length / 2;
    g.clearRect(0, 0, w, h);
    marks.forEach(function (m) {
      if (!durationMs) return;
      var x0 = m.start / durationMs * w, x1 = m.end / durationMs * w;
      g.fillStyle = shade[m.kind] || shade.pause;
      g.fillRect(x0, 0, Math.max(1, x1 - x0), h);
    });
    g.fillStyle = line;
    g.fillRect(0, mid, w, 1);
    var at = durationMs ? position / durationMs * w : 0;
    for (var i = 0; i < n; i++) {
      var x = i / n * w, bw = Math.max(1, w / n);
      var lo = peaks[2 * i], hi = peaks[2 * i + 1];
      var top = mid - hi / 128 * mid, bottom = mid - lo / 128 * mid;
      g.fillStyle = x < at ? played : ink;
      g.fillRect(x, top, bw, Math.max(1, bottom - top));
    }
    if (position > 0) {
      g.fillStyle = cursor;
      g.fillRect(Math.min(at, w - 2), 0, 2, h);
    }
  }

  document.querySelectorAll(".recording").forEach(function (section) {
    var audio = section.querySelector("audio");
    if (!audio) return;
    var tools = section.querySelector(".player-tools");
    if (tools) {
      tools.hidden = false;
      tools.querySelectorAll("button[data-skip]").forEach(function (b) {
        b.addEventListener("click", function () { seekTo(audio, audio.currentTime + Number(b.dataset.skip)); });
      });
      var speed = tools.querySelector("select.speed");
      if (speed) {
        speed.addEventListener("change", function () { audio.playbackRate = Number(speed.value); });
      }
    }
    var marks = [];
    section.querySelectorAll(".marker").forEach(function (li) {
      marks.push({ kind: li.classList.contains("marker-masked") ? "masked" : "pause",
        start: Number(li.dataset.startMs), end: Number(li.dataset.endMs) });
      var b = li.querySelector("button.seek");
      if (b) {
        b.hidden = false;
        b.addEventListener("click", function () { seekTo(audio, Number(b.dataset.seek)); audio.play(); });
      }
    });
    var wave = section.querySelector(".waveform");
    if (!wave) return;
    fetch(wave.dataset.src, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("waveform: " + r.status); return r.json(); })
      .then(function (data) {
        var durationMs = data.duration_ms || Number(wave.dataset.durationMs);
        var canvases = [];
        wave.querySelectorAll("canvas.wave").forEach(function (c) {
          var ch = data.channels[Number(c.dataset.channel)];
          if (!ch) return;
          canvases.push({ canvas: c, peaks: ch.peaks });
          c.addEventListener("click", function (e) {
            var box = c.getBoundingClientRect();
            var t = (e.clientX - box.left) / box.width * (durationMs / 1000);
            seekTo(audio, t);
          });
        });
        var redraw = function () {
          canvases.forEach(function (c) { draw(c.canvas, c.peaks, marks, durationMs, audio.currentTime * 1000); });
        };
        redraw();
        canvases.forEach(function (c) { c.canvas.dataset.drawn = "true"; });
        audio.addEventListener("timeupdate", redraw);
        audio.addEventListener("seeked", redraw);
        wave.hidden = false;
      })
      .catch(function () { /* the player works without its waveform */ });
  });
})();
