/* Accessibility repairs of two Dash 4.4 components whose markup cannot be set from Python (see components.py).
 *
 * dcc.Dropdown puts an aria-hidden, focusable <input> in the tab order that forwards focus to its real control,
 * a <button tabindex=-1> named by our <label for>. Here the button itself is the tab stop and the stand-in is
 * made inert (neither focusable nor exposed), so keyboard and screen-reader users meet one labelled control.
 *
 * Its open list renders each option as label[role=option] around a native radio or check box (an interactive
 * element inside another): the options become the plain labelled inputs they are, in a group, and the popover
 * (role=dialog) and the group are named after the dropdown's label.
 *
 * dcc.Slider's thumb (role=slider) has no name and the component has no prop for one: a slider wrapped by
 * components.labelled_slider carries data-slider-label, the id of its visible label, set here as aria-labelledby.
 */
(function () {
  function repair(root) {
    root.querySelectorAll(".dash-dropdown-focus-target:not([inert])").forEach(function (stand_in) {
      stand_in.setAttribute("inert", "");
    });
    root.querySelectorAll(".dash-dropdown-focus-target + button[tabindex='-1']").forEach(function (button) {
      button.tabIndex = 0;
    });
    root.querySelectorAll(".dash-dropdown-focus-target + button[aria-controls]").forEach(function (button) {
      var popover = document.getElementById(button.getAttribute("aria-controls"));
      if (!popover) { return; }
      var label = button.id ? document.querySelector("label[for='" + CSS.escape(button.id) + "']") : null;
      var name = label ? label.textContent.trim() : "Options";
      if (!popover.hasAttribute("aria-label")) { popover.setAttribute("aria-label", name); }
      popover.querySelectorAll(".dash-options-list[role=listbox]").forEach(function (list) {
        list.setAttribute("role", "group");
        list.setAttribute("aria-label", name);
      });
      popover.querySelectorAll("label[role=option], label[aria-selected]").forEach(function (option) {
        option.removeAttribute("role");
        option.removeAttribute("aria-selected");
      });
    });
    root.querySelectorAll("[data-slider-label]").forEach(function (wrapper) {
      var label = wrapper.getAttribute("data-slider-label");
      wrapper.querySelectorAll("[role=slider]:not([aria-labelledby])").forEach(function (thumb) {
        thumb.setAttribute("aria-labelledby", label);
      });
    });
  }
  var pending = false;
  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; repair(document); });
  }
  function start() {
    repair(document);
    new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true, attributes: true,
                                                        attributeFilter: ["role", "aria-selected", "aria-controls"]});
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
