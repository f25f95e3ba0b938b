/* Public statistics charts (ECharts, served locally); the tables on the page hold the same figures. */
(function () {
  "use strict";
  var node = document.getElementById("stats-data");
  if (!node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el);
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }
  function bars(id, pairs, horizontal) {
    var names = pairs.map(function (p) { return p[0]; });
    var values = pairs.map(function (p) { return p[1]; });
    var category = { type: "category", data: names, axisLabel: { interval: 0 } };
    var value = { type: "value", minInterval: 1 };
    chart(id, {
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      grid: { containLabel: true, left: 8, right: 16, top: 16, bottom: 8 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? category : value,
      series: [{ type: "bar", name: data.labels.count, data: values, itemStyle: { color: "#0b5a7a" } }]
    });
  }
  chart("chart-monthly", {
    aria: { enabled: true },
    tooltip: { trigger: "axis" },
    grid: { containLabel: true, left: 8, right: 16, top: 16, bottom: 8 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "line", name: data.labels.reports, data: data.reports, itemStyle: { color: "#0b5a7a" } }]
  });
  bars("chart-provinces", data.provinces, true);
  bars("chart-categories", data.categories, true);
  bars("chart-measures", data.measures, true);
}());
