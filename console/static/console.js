// The console's own behaviour: charts (Chart.js draws them), the course import's drag and drop
// and progress, and the launch page's onward navigation. Loaded from this origin only (CSP).
"use strict";

function drawCharts() {
  if (!window.Chart) return;
  for (const canvas of document.querySelectorAll("canvas[id^='chart-']")) {
    const source = document.getElementById(canvas.id + "-data");
    if (!source) continue;
    const data = JSON.parse(source.textContent);
    canvas.chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: "statements", data: data.counts, backgroundColor: "#2f6db5" }] },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxRotation: 0, autoSkip: true } } },
      },
    });
  }
}

function setupImport() {
  const form = document.getElementById("import");
  if (!form) return;
  const input = form.querySelector("input[type=file]");
  const zone = document.getElementById("dropzone");
  const box = document.getElementById("import-progress");
  const bar = document.getElementById("import-bar");
  const phase = document.getElementById("import-phase");
  const result = document.getElementById("import-result");

  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add("dragging"); });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (!event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    form.requestSubmit();
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!input.files.length) return;
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    box.hidden = false;
    bar.value = 0;
    phase.textContent = "Uploading " + input.files[0].name;
    result.textContent = "";
    result.className = "";
    request.upload.addEventListener("progress", (progress) => {
      if (progress.lengthComputable) bar.value = Math.round((progress.loaded / progress.total) * 100);
    });
    request.upload.addEventListener("load", () => {
      // Uploaded: the server now checks and stores the package, for as long as that takes.
      phase.textContent = "Processing (checking and storing the package)";
      bar.removeAttribute("value");
    });
    request.addEventListener("load", () => {
      let body = {};
      try { body = JSON.parse(request.responseText); } catch (error) { body = {}; }
      if (request.status === 201) {
        bar.value = 100;
        phase.textContent = "Imported";
        result.className = "done";
        result.textContent = body.kind + " course “" + body.title + "” imported with " + body.units + " AUs: ";
        const link = document.createElement("a");
        link.href = body.location;
        link.textContent = "open it";
        result.append(link);
        input.value = "";
      } else {
        bar.value = 0;
        phase.textContent = "Refused";
        result.className = "problem";
        result.textContent = "Not imported: " + (body.detail || body.error || request.statusText);
      }
    });
    request.addEventListener("error", () => {
      phase.textContent = "Failed";
      result.className = "problem";
      result.textContent = "The upload did not reach the server.";
    });
    request.send(new FormData(form));
  });
}

function followLaunch() {
  const link = document.querySelector("a[data-go]");
  if (link) window.location.replace(link.href);
}

document.addEventListener("DOMContentLoaded", () => {
  drawCharts();
  setupImport();
  followLaunch();
});
