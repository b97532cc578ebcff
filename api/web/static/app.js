// reskill pages: draw each pathway graph (Cytoscape.js, dagre layout, left to right) when
// its fragment arrives. No inline script anywhere: this file and the vendored libraries
// are the only scripts, and nothing here evaluates strings.
(function () {
  "use strict";
  var graphs = {};
  window.reskillGraphs = graphs; // read by the browser tests

  function draw(container) {
    if (container.dataset.rendered === "true" || !window.cytoscape) { return; }
    var elements = JSON.parse(container.dataset.elements);
    var cy = window.cytoscape({
      container: container,
      elements: elements,
      autoungrabify: true,
      userZoomingEnabled: false,
      boxSelectionEnabled: false,
      style: [
        { selector: "node", style: {
          "label": "data(label)", "text-wrap": "wrap", "text-max-width": 120, "font-size": 11,
          "text-valign": "center", "text-halign": "center", "color": "#1b1f24",
          "width": 130, "height": 48, "border-width": 1, "border-color": "#4a525c" } },
        { selector: "node[kind = 'role']", style: {
          "shape": "round-rectangle", "background-color": "#dbe8f7" } },
        { selector: "node[kind = 'course']", style: {
          "shape": "rectangle", "background-color": "#ffffff" } },
        { selector: "edge", style: {
          "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 2,
          "line-color": "#4a525c", "target-arrow-color": "#4a525c" } }
      ],
      layout: { name: "dagre", rankDir: "LR", nodeSep: 20, rankSep: 40 }
    });
    container.dataset.rendered = "true";
    graphs[container.id] = cy;
  }

  function drawAll(root) {
    var found = (root || document).querySelectorAll(".graph[data-elements]");
    for (var i = 0; i < found.length; i++) { draw(found[i]); }
  }

  function start() {
    drawAll(document);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      drawAll(event.detail.target);
      var heading = event.detail.target.querySelector("h2[tabindex]");
      if (heading) { heading.focus(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
