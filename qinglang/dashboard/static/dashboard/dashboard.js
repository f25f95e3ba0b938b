/* Dashboard charts: ECharts over the data embedded in the page; a click opens the list behind it. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  charts.forEach(function (chart) {
    var node = document.querySelector('[data-chart="' + chart.name + '"]');
    if (!node) { return; }
    if (chart.kind === "map") { drawMap(node, chart); return; }
    var instance = echarts.init(node);
    var labels = chart.rows.map(function (row) { return row[0]; });
    // Many bars, or names too long to sit side by side (categories), read better lying down.
    var horizontal = chart.kind === "bar" && (labels.length > 6 || labels.some(function (label) {
      return String(label).length > 8;
    }));
    var series = chart.series.map(function (column) {
      return {
        name: chart.columns[column],
        type: chart.kind === "line" ? "line" : "bar",
        data: chart.rows.map(function (row) { return row[column]; }),
        smooth: chart.kind === "line"
      };
    });
    var category = { type: "category", data: labels,
                     axisLabel: { width: 140, overflow: "truncate",
                                  interval: chart.kind === "bar" ? 0 : "auto" } };
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

  function drawMap(node, chart) {
    window.qinglangChinaMap.load(chart.map.src, function (geo, names) {
      if (!geo) { node.hidden = true; return; }
      echarts.registerMap(chart.map.name, geo);
      var data = chart.rows.map(function (row, i) {
        return { name: chart.codes[i], value: row[1], label: row[0], link: chart.links[i] };
      });
      var max = data.reduce(function (m, d) { return Math.max(m, d.value); }, 1);
      var instance = echarts.init(node);
      instance.setOption({
        tooltip: {
          trigger: "item",
          formatter: function (params) {
            var label = (params.data && params.data.label) || names[params.name] || params.name;
            return label + ": " + (params.data ? params.data.value : 0);
          }
        },
        visualMap: { min: 0, max: max, left: 0, bottom: 0, calculable: false, itemHeight: 80,
                     inRange: { color: ["#e8f1fb", "#0d6efd"] } },
        series: [{
          type: "map", map: chart.map.name, nameProperty: "code", roam: false,
          name: chart.columns[1], data: data,
          emphasis: { label: { show: false } }, select: { disabled: true }
        }]
      });
      node.setAttribute("data-map-ready", chart.map.name);
      instance.on("click", function (params) {
        if (params.data && params.data.link) { window.location.assign(params.data.link); }
      });
      window.addEventListener("resize", function () { instance.resize(); });
    });
  }
})();
