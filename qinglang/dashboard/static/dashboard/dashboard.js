/* Dashboard charts: ECharts over the data embedded in the page; a click opens the list behind it. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") { return; }
  var charts = JSON.parse(source.textContent);

  // The list behind one number: the column's own link where it has one, else the row's.
  function linkOf(chart, column, row) {
    var links = (chart.column_links || {})[String(column)] || chart.links;
    return links[row] || "";
  }

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
      var line = chart.kind === "line";
      return {
        name: chart.columns[column],
        type: line ? "line" : "bar",
        data: chart.rows.map(function (row) { return row[column]; }),
        smooth: line && !chart.stack,
        stack: chart.stack ? "total" : undefined,
        areaStyle: line && chart.stack ? {} : undefined,
        emphasis: chart.stack ? { focus: "series" } : undefined
      };
    });
    var category = { type: "category", data: labels, boundaryGap: chart.kind === "bar",
                     axisLabel: { width: 140, overflow: "truncate",
                                  interval: chart.kind === "bar" ? 0 : "auto" } };
    var value = { type: "value", minInterval: 1 };
    instance.setOption({
      tooltip: { trigger: "axis" },
      legend: { show: series.length > 1, type: "scroll" },
      grid: { left: horizontal ? 150 : 40, right: 16, top: series.length > 1 ? 30 : 10, bottom: 30 },
      xAxis: horizontal ? value : category,
      yAxis: horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: series
    });
    instance.on("click", function (params) {
      var link = linkOf(chart, chart.series[params.seriesIndex], params.dataIndex);
      if (link) { window.location.assign(link); }
    });
    window.addEventListener("resize", function () { instance.resize(); });
  });

  function drawMap(node, chart) {
    window.qinglangChinaMap.load(chart.map.src, function (geo, names) {
      if (!geo) { node.hidden = true; return; }
      echarts.registerMap(chart.map.name, geo);
      var instance = echarts.init(node);
      var shown = chart.series[0];  // overdue work first

      function draw(column) {
        shown = column;
        var data = chart.rows.map(function (row, i) {
          return { name: chart.codes[i], value: row[column], label: row[0],
                   link: linkOf(chart, column, i) };
        });
        var max = data.reduce(function (m, d) { return Math.max(m, d.value); }, 1);
        var colors = column === chart.series[0] ? ["#fdecea", "#dc3545"] : ["#e8f1fb", "#0d6efd"];
        instance.setOption({
          tooltip: {
            trigger: "item",
            formatter: function (params) {
              var label = (params.data && params.data.label) || names[params.name] || params.name;
              return label + " · " + chart.columns[shown] + ": " +
                (params.data ? params.data.value : 0);
            }
          },
          visualMap: { min: 0, max: max, left: 0, bottom: 0, calculable: false, itemHeight: 80,
                       inRange: { color: colors } },
          series: [{
            type: "map", map: chart.map.name, nameProperty: "code", roam: false,
            name: chart.columns[column], data: data,
            emphasis: { label: { show: false } }, select: { disabled: true }
          }]
        });
        node.setAttribute("data-map-series", String(column));
      }

      draw(shown);
      node.setAttribute("data-map-ready", chart.map.name);
      instance.on("click", function (params) {
        if (params.data && params.data.link) { window.location.assign(params.data.link); }
      });
      var toggle = document.querySelector('[data-map-toggle="' + chart.name + '"]');
      if (toggle) {
        toggle.addEventListener("click", function (event) {
          var button = event.target.closest("[data-series]");
          if (!button) { return; }
          toggle.querySelectorAll("[data-series]").forEach(function (b) {
            b.classList.toggle("active", b === button);
            b.setAttribute("aria-pressed", b === button ? "true" : "false");
          });
          draw(Number(button.getAttribute("data-series")));
        });
      }
      window.addEventListener("resize", function () { instance.resize(); });
    });
  }
})();
