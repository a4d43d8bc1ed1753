/*
 * Cascade host script (embed API version 1), for the page that embeds Cascade. No dependencies.
 *
 *   <iframe data-cascade src="https://cascade.example/?embed=1&host=https://blog.example"></iframe>
 *   <script src="https://cascade.example/cascade-host.js"></script>
 *
 * - Sizes every iframe marked `data-cascade` to its content's height (unless it also has
 *   `data-cascade-fixed`), from the embed's `height` messages.
 * - Scroll-driven steps: an element with `data-cascade-send='{"type": "seek", "time_s": 8}'`
 *   (one message or a list) sends it to the embed when it reaches the middle of the window.
 *   `data-cascade-target="ID"` picks the iframe (default: the first Cascade iframe). The step in
 *   view gets the class `cascade-active`.
 * - Every message from an embed is also dispatched on its iframe as a `cascade` event (the
 *   message in `event.detail`), and `Cascade.send(iframe, message)` sends one.
 * The embed only listens to this page if its address says `host=` this page's origin.
 */
(function () {
  "use strict";
  var VERSION = 1;

  function frames() {
    return Array.prototype.slice.call(document.querySelectorAll("iframe[data-cascade]"));
  }

  function originOf(frame) {
    try {
      return new URL(frame.src, location.href).origin;
    } catch (error) {
      return null;
    }
  }

  function send(frame, message) {
    var origin = originOf(frame);
    if (!frame || !frame.contentWindow || !origin) return false;
    var copy = {};
    for (var key in message) copy[key] = message[key];
    copy.cascade = VERSION;
    frame.contentWindow.postMessage(copy, origin);
    return true;
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || data.cascade !== VERSION) return;
    frames().forEach(function (frame) {
      if (frame.contentWindow !== event.source || originOf(frame) !== event.origin) return;
      if (data.type === "height" && !frame.hasAttribute("data-cascade-fixed") && data.px > 0) {
        frame.style.height = Math.ceil(data.px) + "px";
      }
      if (data.type === "ready") {
        frame.setAttribute("data-cascade-ready", "");
        // A step already in view when the embed starts is sent now.
        if (active && targetOf(active) === frame) sendStep(active);
      }
      frame.dispatchEvent(new CustomEvent("cascade", { detail: data }));
    });
  });

  function targetOf(step) {
    var id = step.getAttribute("data-cascade-target");
    return id ? document.getElementById(id) : frames()[0];
  }

  var active = null;

  function sendStep(step) {
    var messages;
    try {
      messages = JSON.parse(step.getAttribute("data-cascade-send"));
    } catch (error) {
      console.warn("Cascade: data-cascade-send is not JSON:", step);
      return;
    }
    var frame = targetOf(step);
    [].concat(messages).forEach(function (message) { send(frame, message); });
  }

  function activate(step) {
    if (step === active) return;
    if (active) active.classList.remove("cascade-active");
    active = step;
    step.classList.add("cascade-active");
    if (targetOf(step) && targetOf(step).hasAttribute("data-cascade-ready")) sendStep(step);
  }

  function watchSteps() {
    var steps = document.querySelectorAll("[data-cascade-send]");
    if (!steps.length || !("IntersectionObserver" in window)) return;
    // A thin band across the middle of the window: the step crossing it is the current one.
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) { if (entry.isIntersecting) activate(entry.target); });
    }, { rootMargin: "-45% 0px -45% 0px" });
    Array.prototype.forEach.call(steps, function (step) { observer.observe(step); });
  }

  frames().forEach(function (frame) {
    if (!/[?&]host=/.test(frame.src)) {
      console.warn("Cascade: add host=" + location.origin + " to this embed's address, or it will not follow the page:", frame);
    }
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watchSteps);
  else watchSteps();

  window.Cascade = { version: VERSION, send: send };
})();
