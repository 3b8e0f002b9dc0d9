// Keyboard shortcuts for the labeling form. The form works without this
// file; it only adds keys.
(function () {
  "use strict";
  const form = document.getElementById("judgment");
  if (!form) return;
  const keys = document.getElementById("keys");

  function typing(el) {
    return el && (el.tagName === "TEXTAREA" ||
      (el.tagName === "INPUT" && el.type !== "radio" && el.type !== "checkbox") ||
      el.tagName === "SELECT");
  }

  let sent = false;
  form.addEventListener("submit", function (e) {
    // A second submit while the first is in flight is dropped here; the
    // server stores one judgment either way.
    if (sent) { e.preventDefault(); return; }
    sent = true;
  });

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (e.key === "?") {
      keys.open = !keys.open;
      e.preventDefault();
      return;
    }
    const radio = form.querySelector('input[name="verdict"][data-key="' + e.key + '"]');
    if (radio) {
      radio.checked = true;
      radio.focus();
      e.preventDefault();
      return;
    }
    if (e.key === "u") {
      const undo = document.getElementById("undo");
      if (undo) { e.preventDefault(); undo.requestSubmit(); }
      return;
    }
    if (e.key === "Enter") {
      e.preventDefault();
      form.requestSubmit();
    }
  });
})();
