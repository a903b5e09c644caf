/* The leaders' dashboard: draws the charts of governance/dashboard.py's chart_data with ECharts.
   Every point carries the address it opens (the drill-down); the tables under each chart show the
   same numbers without script. Loaded from static/ only (Content-Security-Policy). */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var screen = document.body.classList.contains("dashboard-screen");
  var text = screen ? "#e8eef7" : "#333";
  var charts = [];
  var TONES = { good: "#1e8e3e", warn: "#f2a600", bad: "#d93025" };

  function open(params) {
    var url = params.data && params.data.url;
    if (url) window.location.href = url;
  }

  function draw(name, option) {
    var element = document.querySelector('[data-chart="' + name + '"]');
    if (!element) return;
    var chart = echarts.init(element, null, { renderer: "svg" });
    option.textStyle = { color: text };
    option.animation = !window.matchMedia("print").matches;
    chart.setOption(option);
    chart.on("click", open);
    charts.push(chart);
  }

  function axisText() { return { color: text }; }

  var trend = data.trend;
  draw("trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, right: 0, textStyle: { color: text } },
    grid: { left: 48, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: trend.categories, axisLabel: axisText() },
    yAxis: { type: "value", name: trend.unit, axisLabel: axisText() },
    series: trend.series.map(function (s, i) {
      return {
        name: s.name, type: "line", smooth: true, connectNulls: false,
        lineStyle: i ? { type: "dashed" } : {},
        data: s.points,
        cursor: "pointer",
      };
    }),
  });

  var rank = data.rank;
  if (rank.categories.length) {
    draw("rank", {
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: rank.categories, axisLabel: { color: text, interval: 0, rotate: rank.categories.length > 8 ? 40 : 0 } },
      yAxis: { type: "value", max: 100, axisLabel: axisText() },
      series: [{
        type: "bar", data: rank.points, cursor: "pointer",
        // The bands are data (ScoreBand): each point carries its band's tone.
        itemStyle: { color: function (p) { return TONES[p.data.tone] || "#9aa0a6"; } },
        label: { show: true, position: "top", color: text },
      }],
    });
  }

  ["category", "channel"].forEach(function (name) {
    draw(name, {
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { type: "scroll", bottom: 0, textStyle: { color: text } },
      series: [{
        type: "pie", radius: ["40%", "68%"], center: ["50%", "44%"], data: data[name], cursor: "pointer",
        label: { color: text, formatter: "{b} {c}" },
      }],
    });
  });

  var opened = data.open;
  draw("open", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, textStyle: { color: text } },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", axisLabel: axisText() },
    yAxis: { type: "category", data: opened.places, axisLabel: axisText(), inverse: true },
    series: opened.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "open", itemStyle: { color: s.colour }, data: s.points, cursor: "pointer" };
    }),
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
