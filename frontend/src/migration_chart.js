// Migration progress: users migrated (line, cumulative) over logins per day by store and failures by reason (bars).
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement,
  Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement,
  PointElement, Tooltip);

const FAILURE_COLOURS = ["#dc3545", "#fd7e14", "#6f42c1", "#d63384", "#795548", "#adb5bd"];

function datasets(data) {
  const failures = Object.entries(data.failures).map(([reason, counts], i) => ({
    type: "bar", label: `failed: ${reason}`, data: counts, stack: "failures",
    backgroundColor: FAILURE_COLOURS[i % FAILURE_COLOURS.length], yAxisID: "logins",
  }));
  return [
    { type: "line", label: "users migrated (total)", data: data.migrated_total, borderColor: "#0d6efd",
      backgroundColor: "#0d6efd", yAxisID: "users", tension: 0.2 },
    { type: "bar", label: "logins answered locally", data: data.logins_local, stack: "logins",
      backgroundColor: "#198754", yAxisID: "logins" },
    { type: "bar", label: "logins answered by the legacy store", data: data.logins_legacy, stack: "logins",
      backgroundColor: "#ffc107", yAxisID: "logins" },
    ...failures,
    // Only once the admin gave the legacy population: how many listed users are still to migrate.
    ...(data.remaining && data.remaining.length ? [{ type: "line", label: "listed users not migrated yet",
      data: data.remaining, borderColor: "#6c757d", backgroundColor: "#6c757d", borderDash: [6, 4],
      yAxisID: "users", tension: 0.2 }] : []),
  ];
}

const canvas = document.getElementById("migration-chart");
const source = document.getElementById("migration-data");
if (canvas && source) {
  const data = JSON.parse(source.textContent);
  // Kept on the element so tests (and curious admins in the console) can read what is drawn.
  canvas.chart = new Chart(canvas, {
    data: { labels: data.labels, datasets: datasets(data) },
    options: {
      maintainAspectRatio: false, animation: false, interaction: { mode: "index", intersect: false },
      scales: {
        logins: { position: "left", beginAtZero: true, stacked: true, title: { display: true, text: "logins per day" },
          ticks: { precision: 0 } },
        users: { position: "right", beginAtZero: true, title: { display: true, text: "users migrated" },
          grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
        x: { stacked: true },
      },
    },
  });
}
