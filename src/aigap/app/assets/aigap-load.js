/* A light first load (see src/aigap/app/http.py, which writes the two <meta> tags read here).
 *
 * 1. dcc.Graph fetches plotly.js from window._dashPlotlyJSURL when window.Plotly is absent, and Dash's renderer
 *    points that at the full plotly.min.js (4.8 MB). Keep it on aigap's partial bundle (meta aigap:plotly), fetched
 *    only when a page first draws a graph.
 * 2. Each page is served with the component bundles it uses only. In-app navigation (dcc.Link, NavLink, a callback
 *    writing a dcc.Location) pushes history; a push to a page that needs a bundle this document lacks (meta
 *    aigap:full-load) becomes a full page load instead, so that page gets its bundles.
 */
(function () {
    "use strict";

    function meta(name) {
        var el = document.querySelector('meta[name="' + name + '"]');
        return el ? el.getAttribute("content") : "";
    }

    var plotly = meta("aigap:plotly");
    if (plotly) {
        Object.defineProperty(window, "_dashPlotlyJSURL", {
            get: function () { return plotly; },
            set: function () {},
        });
    }

    var fullLoad = meta("aigap:full-load").split(" ").filter(Boolean);
    var push = window.history.pushState;
    window.history.pushState = function (state, title, url) {
        var target = url == null ? null : new URL(url, window.location.href);
        if (target && target.origin === window.location.origin && fullLoad.indexOf(target.pathname) >= 0) {
            window.location.assign(target.href);
            return undefined;
        }
        return push.apply(this, arguments);
    };
})();
