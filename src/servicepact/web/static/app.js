// Draws every <canvas data-chart="…"> with Chart.js; the data comes from the server.
// Pages are complete without this file: tables carry every number the charts show.
(function () {
  "use strict";
  function draw(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = "1";
      try {
        new Chart(canvas, JSON.parse(canvas.dataset.chart));
      } catch (error) {
        console.error("chart", error);
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
// An upload form shows how much of the file has been sent (htmx reports the progress).
(function () {
  "use strict";
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-upload-progress]") : null;
    if (!form || !event.detail.lengthComputable) return;
    var bar = document.getElementById(form.dataset.uploadProgress);
    if (!bar) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });
})();
