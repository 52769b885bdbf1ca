// The dashboard's one date format, "YYYY-MM-DD HH:MM:SS <zone>", in the viewer's own time zone. Pages render
// UTC (the `when` template filter); this rewrites each <time data-local-time> and leaves its UTC title.
const parts = new Intl.DateTimeFormat("en-US", {
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  hourCycle: "h23", timeZoneName: "short",
});

export function formatLocal(date) {
  const p = Object.fromEntries(parts.formatToParts(date).map(({ type, value }) => [type, value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName}`;
}

export function formatUtc(date) {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

// A <time> element for `iso`, as the `when` filter renders it, already in local time.
export function timeElement(iso) {
  const time = document.createElement("time");
  time.dateTime = iso;
  localize(time);
  return time;
}

function localize(time) {
  const date = new Date(time.dateTime);
  if (Number.isNaN(date.getTime())) return;
  time.title = formatUtc(date);
  time.textContent = formatLocal(date);
}

export function localizeTimes(root = document) {
  root.querySelectorAll("time[data-local-time]").forEach(localize);
}
