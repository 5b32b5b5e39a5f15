/* Draws the chart of an /embed page (src/aigap/app/embed.py): the figure and the graph config are JSON data blocks
 * in the page (the CSP allows no inline script), plotly.js is aigap's partial bundle, loaded before this file.
 * Kept in assets/vendor so that Dash does not load it on every dashboard page.
 */
(function () {
    "use strict";

    function data(id) {
        return JSON.parse(document.getElementById(id).textContent);
    }

    var figure = data("figure");
    window.Plotly.newPlot(document.getElementById("chart"), figure.data, figure.layout, data("graph-config"));
})();
