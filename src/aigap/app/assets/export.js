/* Publication export of a chart: the PNG/SVG buttons under each chart (components.chart_about) download the figure
   as plotly.js holds it, with its title, subtitle, source lines (licence, period) and notes drawn into the image.
   The words come from the server as data-* attributes of the buttons' container; the figure is copied with room
   above and below for them (margins fixed, so the plot keeps its on-screen size and place), and handed to
   Plotly.downloadImage (the partial bundle on the page). */
(function () {
  'use strict';
  var PAD = 10;
  var TITLE = 16, SUBTITLE = 12, FOOT = 11;  // font sizes, px
  var LINE = 1.3;  // line height, as a multiple of the font size

  function escape(text) {
    return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }

  // Words onto lines of at most `chars` characters (plotly does not wrap text).
  function wrap(text, chars) {
    var lines = [], line = '';
    String(text).split(/\s+/).filter(Boolean).forEach(function (word) {
      if (line && (line + ' ' + word).length > chars) { lines.push(line); line = word; }
      else { line = line ? line + ' ' + word : word; }
    });
    if (line) lines.push(line);
    return lines;
  }

  // A deep copy of figure data: plain objects and arrays copied, typed arrays sliced, the rest kept.
  function copy(value) {
    if (Array.isArray(value)) return value.map(copy);
    if (ArrayBuffer.isView(value)) return value.slice();
    if (value && typeof value === 'object') {
      var out = {};
      Object.keys(value).forEach(function (k) { out[k] = copy(value[k]); });
      return out;
    }
    return value;
  }

  function parse(json) {
    try { return JSON.parse(json || '[]'); } catch (e) { return []; }
  }

  function figure(gd, box, format) {
    var full = gd._fullLayout, size = full._size, width = full.width, height = full.height;
    var chars = function (font) { return Math.max(30, Math.floor((width - 2 * PAD) / (font * 0.55))); };
    var title = wrap(box.dataset.title || '', chars(TITLE));
    var subtitle = wrap(box.dataset.subtitle || '', chars(SUBTITLE));
    var foot = [];
    parse(box.dataset.sources).concat(parse(box.dataset.notes)).forEach(function (text) {
      foot = foot.concat(wrap(text, chars(FOOT)));
    });
    var titleH = title.length * TITLE * LINE, subH = subtitle.length * SUBTITLE * LINE;
    var top = PAD + titleH + subH + (title.length || subtitle.length ? PAD : 0);
    var bottom = foot.length * FOOT * LINE + 2 * PAD;
    var h = size.h;  // plot area height: unchanged, so paper coordinates keep their pixel places
    var layout = copy(gd.layout);
    var margin = {l: size.l, r: size.r, t: size.t + top, b: size.b + bottom, pad: size.p, autoexpand: false};
    var x = (PAD - size.l) / size.w;  // the image's left edge, in paper units
    var y = function (fromTop) { return 1 + (margin.t - fromTop) / h; };
    var note = function (lines, font, fromTop, bold) {
      return {text: lines.map(function (l) { return bold ? '<b>' + escape(l) + '</b>' : escape(l); }).join('<br>'),
              xref: 'paper', yref: 'paper', x: x, y: y(fromTop), xanchor: 'left', yanchor: 'top', align: 'left',
              showarrow: false, font: {size: font, color: '#222222'}};
    };
    var added = [];
    if (title.length) added.push(note(title, TITLE, PAD, true));
    if (subtitle.length) added.push(note(subtitle, SUBTITLE, PAD + titleH));
    if (foot.length) added.push(note(foot, FOOT, margin.t + h + size.b + PAD));
    layout.annotations = (layout.annotations || []).concat(added);
    layout.title = {text: ''};
    layout.margin = margin;
    layout.width = width;
    layout.height = height + top + bottom;
    layout.paper_bgcolor = layout.paper_bgcolor || '#ffffff';
    return {data: copy(gd.data), layout: layout,
            config: {topojsonURL: (gd._context && gd._context.topojsonURL) || '/assets/topojson/'}};
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-export]');
    if (!button || !window.Plotly) return;
    var box = button.closest('[data-export-for]');
    var holder = box && document.getElementById(box.dataset.exportFor);
    var gd = holder && holder.querySelector('.js-plotly-plot');
    if (!gd || !gd._fullLayout) return;
    var format = button.dataset.export, fig = figure(gd, box, format);
    window.Plotly.downloadImage(fig, {format: format, scale: format === 'png' ? 2 : 1,
                                      width: fig.layout.width, height: fig.layout.height,
                                      filename: box.dataset.filename || 'aigap_chart'});
  });
})();
