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

// Progress of a background export. The page shows the state at load time
// and works without this file. This part polls the job's JSON status
// every second and updates the bar until the job is done or failed.
(function () {
  "use strict";
  const job = document.getElementById("export-job");
  if (!job) return;
  const bar = document.getElementById("export-progress");
  const status = document.getElementById("export-status");
  const count = document.getElementById("export-count");
  const failure = document.getElementById("export-error");
  const download = document.getElementById("export-download");
  const link = document.getElementById("export-file");
  const size = document.getElementById("export-size");

  function show(s) {
    job.dataset.status = s.status;
    status.textContent = s.status;
    bar.value = s.percent;
    bar.textContent = s.percent + "%";
    if (s.status === "done") {
      count.textContent = s.rows + " rows written";
      size.textContent = s.rows + " rows, " + (s.file_bytes / 1e6).toFixed(1) + " MB";
      link.textContent = "Download " + s.file_name;
      download.hidden = false;
    } else {
      count.textContent = s.processed + " of about " + s.total + " comparisons read";
    }
    if (s.error) {
      failure.textContent = s.error;
      failure.hidden = false;
    }
  }

  function poll() {
    if (job.dataset.status === "done" || job.dataset.status === "failed") return;
    fetch(job.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) { show(s); setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
