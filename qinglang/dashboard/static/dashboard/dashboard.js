/* Dashboard charts: ECharts over the data embedded in the page; a click opens the list behind it. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  charts.forEach(function (chart) {
    var node = document.querySelector('[data-chart="' + chart.name + '"]');
    if (!node) { return; }
    var instance = echarts.init(node);
    var labels = chart.rows.map(function (row) { return row[0]; });
    var horizontal = chart.kind === "bar" && labels.length > 6;
    var series = chart.series.map(function (column) {
      return {
        name: chart.columns[column],
        type: chart.kind === "line" ? "line" : "bar",
        data: chart.rows.map(function (row) { return row[column]; }),
        smooth: chart.kind === "line"
      };
    });
    var category = { type: "category", data: labels, axisLabel: { width: 140, overflow: "truncate" } };
    var value = { type: "value", minInterval: 1 };
    instance.setOption({
      tooltip: { trigger: "axis" },
      legend: { show: series.length > 1 },
      grid: { left: horizontal ? 150 : 40, right: 16, top: series.length > 1 ? 30 : 10, bottom: 30 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: series
    });
    instance.on("click", function (params) {
      var link = chart.links[params.dataIndex];
      if (link) { window.location.assign(link); }
    });
    window.addEventListener("resize", function () { instance.resize(); });
  });
})();
