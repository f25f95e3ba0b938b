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
  // A map of China by province; the bars stay if the shapes cannot be loaded.
  function provinceMap(id) {
    var el = document.getElementById(id);
    if (!el || !data.map_src) { bars(id, data.provinces, true); return; }
    window.qinglangChinaMap.load(data.map_src, function (geo, names) {
      if (!geo) { bars(id, data.provinces, true); return; }
      echarts.registerMap("china", geo);
      var values = data.provinces.map(function (p, i) {
        return { name: data.province_codes[i], value: p[1], label: p[0] };
      });
      var max = values.reduce(function (m, v) { return Math.max(m, v.value); }, 1);
      chart(id, {
        aria: { enabled: true },
        tooltip: { trigger: "item", formatter: function (p) {
          return ((p.data && p.data.label) || names[p.name] || p.name) + ": " + (p.data ? p.data.value : 0);
        } },
        visualMap: { min: 0, max: max, left: 0, bottom: 0, itemHeight: 80,
                     inRange: { color: ["#e6f0f4", "#0b5a7a"] } },
        series: [{ type: "map", map: "china", nameProperty: "code", name: data.labels.count,
                   data: values, select: { disabled: true } }]
      });
      el.setAttribute("data-map-ready", "china");
    });
  }
  provinceMap("chart-provinces");
  bars("chart-categories", data.categories, true);
  bars("chart-measures", data.measures, true);
}());
