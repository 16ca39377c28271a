// The timeline chart on narrow screens and the selected event: loaded from a file, as the CSP allows no inline script.
(function () {
  "use strict";

  // Scroll a chart wider than its box so that its first event is in view, and show the cue that says it scrolls.
  function fitCharts(root) {
    root.querySelectorAll(".chart-scroll").forEach(function (box) {
      var cue = box.querySelector(".scroll-cue");
      var wider = box.scrollWidth > box.clientWidth + 1;
      if (cue) cue.hidden = !wider;
      if (!wider) return;
      var marks = box.querySelectorAll("svg.chart .mark, svg.chart .density-cell");
      if (!marks.length) return;
      var earliest = Infinity;
      marks.forEach(function (mark) {
        earliest = Math.min(earliest, mark.getBoundingClientRect().left);
      });
      var left = earliest - box.getBoundingClientRect().left + box.scrollLeft;
      // A little of the days before stays in view, so the event is seen in its place on the axis.
      box.scrollLeft = Math.max(0, left - Math.min(48, box.clientWidth / 6));
    });
  }

  // Highlight on the chart the event whose details are shown, whether picked on the chart or in the list.
  function select(path) {
    document.querySelectorAll("svg.chart .mark").forEach(function (mark) {
      if (mark.getAttribute("href") === path) {
        mark.setAttribute("aria-current", "true");
      } else {
        mark.removeAttribute("aria-current");
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    fitCharts(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) return;
    if (target.id === "event-details") {
      var config = event.detail.requestConfig;
      if (config && config.path) select(config.path);
    } else if (target.querySelector(".chart-scroll")) {
      fitCharts(target);
    }
  });
})();
