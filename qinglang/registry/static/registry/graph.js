/* Network graph of sources and the identifiers they share (ECharts, served locally). */
(function () {
  "use strict";
  var el = document.getElementById("registry-graph");
  if (!el || typeof echarts === "undefined") { return; }
  var colours = {identifier: "#c23531", report: "#2f4554", "case": "#61a0a8", website: "#d48265",
    account: "#91c7ae", practitioner: "#749f83", intermediary: "#ca8622", hidden: "#bbbbbb"};
  fetch(el.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      if (!data.nodes || !data.nodes.length) { el.textContent = el.dataset.empty; return; }
      var names = Object.keys(colours);
      var words = {};
      (data.categories || []).forEach(function (c) { words[c.code] = c.label; });
      var categories = names.map(function (n) {
        return {name: words[n] || n, itemStyle: {color: colours[n]}};
      });
      var nodes = data.nodes.map(function (n) {
        var idx = names.indexOf(n.category);
        return {id: n.id, name: n.name, url: n.url || "", region: n.region || "",
          category: idx < 0 ? 0 : idx, symbolSize: n.category === "identifier" ? 18 : 28};
      });
      var chart = echarts.init(el);
      chart.setOption({
        tooltip: {formatter: function (p) {
          return p.dataType === "node" ? echarts.format.encodeHTML(p.data.name + (p.data.region ? " · " + p.data.region : "")) : "";
        }},
        legend: [{data: categories.map(function (c) { return c.name; })}],
        series: [{type: "graph", layout: "force", roam: true, draggable: true,
          label: {show: true, position: "right"}, force: {repulsion: 220, edgeLength: 90},
          categories: categories, data: nodes, links: data.links}]
      });
      chart.on("click", function (p) { if (p.dataType === "node" && p.data.url) { window.location.href = p.data.url; } });
      window.addEventListener("resize", function () { chart.resize(); });
    });
}());
