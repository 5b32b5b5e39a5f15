/* Back and Forward: one history entry per state the reader chose.
 *
 * A page keeps its state in the URL: drawn from the URL it was opened with, it writes its full query string
 * (every control's value) through the dcc.Location "url", which pushes a history entry. For the first write after
 * a page is drawn (opened, reached by a link, or redrawn by Back/Forward) that push would leave the bare address
 * (/profile) behind the full one (/profile?country=BRA): Back then lands on the bare address, the page writes its
 * full URL again and the entries ahead are lost, so Back never leaves the page and Forward stops working. That
 * write stands for the entry the reader is on, so it replaces it; a write after the reader touched a control adds
 * an entry as before.
 */
(function () {
    "use strict";

    var drawnFromUrl = true; // the page shows what its URL says and the reader has not changed anything since
    var push = window.history.pushState;

    function touched() { drawnFromUrl = false; }
    function redrawn() { drawnFromUrl = true; }

    ["pointerdown", "keydown", "input", "change"].forEach(function (type) {
        window.addEventListener(type, touched, true);
    });
    window.addEventListener("popstate", redrawn);
    // dcc.Link and callback navigation announce a new page with this event; the page router then draws it.
    window.addEventListener("_dashprivate_pushstate", redrawn);

    window.history.pushState = function (state, title, url) {
        var target = url == null ? null : new URL(url, window.location.href);
        if (drawnFromUrl && target && target.origin === window.location.origin &&
            target.pathname === window.location.pathname) {
            return window.history.replaceState(state, title, url);
        }
        return push.apply(this, arguments);
    };
})();
