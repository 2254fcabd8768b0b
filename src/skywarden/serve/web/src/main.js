// The Skywarden operator map: the live air picture over a plain offline basemap of the
// site, alerts to acknowledge, track details, sensor health, and a timeline that replays
// the stored history. Everything comes from the service's API and WebSocket; nothing is
// fetched from the internet unless a tile URL is configured.
import maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import "./style.css";

const TOKEN_KEY = "skywarden.token";
const TRAIL_POINTS = 90;
const LABEL_LIMIT = 80;
const CLASS_COLOUR = { drone: "#ffa94d", aircraft: "#74c0fc", bird: "#8ce99a", unknown: "#adb5bd" };
const SEVERITY_COLOUR = { critical: "#ff2d55", high: "#ff453a", medium: "#ff922b", low: "#fab005", info: "#74c0fc" };
const SEVERITY_RANK = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

const $ = (id) => document.getElementById(id);

const state = {
  token: localStorage.getItem(TOKEN_KEY),
  me: null,
  site: null,
  tracks: new Map(),
  trails: new Map(),
  alerts: new Map(),
  sensors: [],
  zones: new Map(),
  selected: null,
  pictureT: null,
  mode: "live",
  socket: null,
  labels: new Map(),
  sensorMarkers: new Map(),
  zoneMarkers: new Map(),
  convoyMarkers: new Map(),
  replay: { t0: 0, t1: 0, cache: [], cacheFrom: 0, cacheTo: 0, timer: null },
};

// --- API ------------------------------------------------------------------------------

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${state.token}`, "Content-Type": "application/json", ...(options.headers || {}) },
  });
  if (response.status === 401) {
    signOut("Your token was refused.");
    throw new Error("unauthorised");
  }
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

// --- sign in --------------------------------------------------------------------------

function signOut(message) {
  localStorage.removeItem(TOKEN_KEY);
  state.token = null;
  if (state.socket) state.socket.close();
  $("login").hidden = false;
  $("login-error").hidden = !message;
  $("login-error").textContent = message || "";
}

async function signIn(token) {
  state.token = token;
  try {
    state.me = await api("/api/me");
  } catch {
    return;
  }
  localStorage.setItem(TOKEN_KEY, token);
  $("login").hidden = true;
  $("who").textContent = `${state.me.name} · ${state.me.role}`;
  await start();
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  signIn($("login-token").value.trim());
});
$("logout").addEventListener("click", () => signOut(""));

// --- geometry helpers -----------------------------------------------------------------

function circlePolygon(lat, lon, radiusM, steps = 72) {
  const ring = [];
  const dLat = radiusM / 111320;
  const dLon = radiusM / (111320 * Math.cos((lat * Math.PI) / 180));
  for (let i = 0; i <= steps; i += 1) {
    const a = (2 * Math.PI * i) / steps;
    ring.push([lon + dLon * Math.sin(a), lat + dLat * Math.cos(a)]);
  }
  return { type: "Polygon", coordinates: [ring] };
}

const speedOf = (v) => Math.hypot(v[0], v[1]);
const headingOf = (v) => ((Math.atan2(v[0], v[1]) * 180) / Math.PI + 360) % 360;
const fmtTime = (t) => (t ? new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z" : "—");
const ago = (t) => {
  const s = Math.max(0, Date.now() / 1000 - t);
  return s < 90 ? `${Math.round(s)} s ago` : `${Math.round(s / 60)} min ago`;
};

// --- the map --------------------------------------------------------------------------

function drawIcon(kind) {
  const size = 48;
  const canvas = document.createElement("canvas");
  canvas.width = size;
  canvas.height = size;
  const g = canvas.getContext("2d");
  g.translate(size / 2, size / 2);
  g.strokeStyle = "#0b1520";
  g.fillStyle = "#0b1520";
  g.lineWidth = 3.5;
  g.lineCap = "round";
  if (kind === "drone") {
    for (const [x, y] of [[-9, -9], [9, -9], [-9, 9], [9, 9]]) {
      g.beginPath(); g.moveTo(0, 0); g.lineTo(x, y); g.stroke();
      g.beginPath(); g.arc(x, y, 4.2, 0, 2 * Math.PI); g.stroke();
    }
  } else if (kind === "aircraft") {
    g.beginPath();
    g.moveTo(0, -13); g.lineTo(2.5, -4); g.lineTo(13, 2); g.lineTo(13, 5); g.lineTo(2.5, 1);
    g.lineTo(2, 9); g.lineTo(6, 12); g.lineTo(-6, 12); g.lineTo(-2, 9); g.lineTo(-2.5, 1);
    g.lineTo(-13, 5); g.lineTo(-13, 2); g.lineTo(-2.5, -4); g.closePath(); g.fill();
  } else if (kind === "bird") {
    g.beginPath(); g.moveTo(-12, -3); g.quadraticCurveTo(-6, -8, 0, 2);
    g.quadraticCurveTo(6, -8, 12, -3); g.stroke();
  } else {
    g.beginPath(); g.moveTo(0, -6); g.lineTo(0, 3); g.stroke();
    g.beginPath(); g.arc(0, 9, 1.5, 0, 2 * Math.PI); g.fill();
  }
  return g.getImageData(0, 0, size, size);
}

const emptyCollection = () => ({ type: "FeatureCollection", features: [] });

function createMap(site) {
  const style = {
    version: 8,
    sources: {},
    layers: [{ id: "background", type: "background", paint: { "background-color": "#0e1a26" } }],
  };
  if (site.tile_url) {
    style.sources.tiles = { type: "raster", tiles: [site.tile_url], tileSize: 256 };
    style.layers.push({ id: "tiles", type: "raster", source: "tiles", paint: { "raster-opacity": 0.55, "raster-saturation": -0.8 } });
  }
  const map = new maplibregl.Map({
    container: "map",
    style,
    center: [site.origin.lon, site.origin.lat],
    zoom: 14,
    attributionControl: false,
    preserveDrawingBuffer: true,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: true }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  return new Promise((resolve) => map.on("load", () => resolve(map)));
}

function addLayers(map) {
  for (const id of ["city", "zones", "routes", "convoy", "trails", "tracks", "launch", "selection"]) {
    map.addSource(id, { type: "geojson", data: emptyCollection() });
  }
  for (const kind of ["drone", "aircraft", "bird", "unknown"]) map.addImage(`icon-${kind}`, drawIcon(kind), { pixelRatio: 2 });

  map.addLayer({ id: "city-fill", type: "fill", source: "city", paint: {
    "fill-color": ["interpolate", ["linear"], ["coalesce", ["get", "height_m"], 10], 0, "#1a2a3a", 30, "#22384d", 80, "#2d4a64"],
    "fill-opacity": 0.95 } });
  map.addLayer({ id: "city-line", type: "line", source: "city", paint: { "line-color": "#34506b", "line-width": 0.6 } });
  map.addLayer({ id: "zones-fill", type: "fill", source: "zones", paint: { "fill-color": "#ff453a", "fill-opacity": 0.2 } });
  map.addLayer({ id: "zones-line", type: "line", source: "zones", paint: { "line-color": "#ff6b5f", "line-width": 2, "line-dasharray": [3, 2] } });
  map.addLayer({ id: "routes-line", type: "line", source: "routes", paint: { "line-color": "#3bc9db", "line-width": 3, "line-opacity": 0.8, "line-dasharray": [2, 1.5] } });
  map.addLayer({ id: "launch-fill", type: "fill", source: "launch", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#e64980", "fill-opacity": 0.15 } });
  map.addLayer({ id: "launch-line", type: "line", source: "launch", paint: { "line-color": "#f783ac", "line-width": 1.5, "line-dasharray": [2, 2] } });
  map.addLayer({ id: "launch-point", type: "circle", source: "launch", filter: ["==", ["geometry-type"], "Point"], paint: { "circle-radius": 4, "circle-color": "#f783ac" } });
  map.addLayer({ id: "convoy-fill", type: "fill", source: "convoy", paint: { "fill-color": "#3bc9db", "fill-opacity": 0.12 } });
  map.addLayer({ id: "convoy-line", type: "line", source: "convoy", paint: { "line-color": "#3bc9db", "line-width": 1.5 } });
  map.addLayer({ id: "trails", type: "line", source: "trails", layout: { "line-cap": "round", "line-join": "round" },
    paint: { "line-color": ["get", "colour"], "line-width": 2, "line-opacity": 0.55 } });
  map.addLayer({ id: "track-threat", type: "circle", source: "tracks", filter: ["has", "threat"],
    paint: { "circle-radius": 17, "circle-color": ["get", "threat"], "circle-opacity": 0.28, "circle-stroke-color": ["get", "threat"], "circle-stroke-width": 1.5 } });
  map.addLayer({ id: "track-dark", type: "circle", source: "tracks", filter: ["==", ["get", "dark"], true],
    paint: { "circle-radius": 14, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#ff2d55", "circle-stroke-width": 3.5 } });
  map.addLayer({ id: "track-authorised", type: "circle", source: "tracks", filter: ["==", ["get", "authorised"], true],
    paint: { "circle-radius": 14, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#40c057", "circle-stroke-width": 3 } });
  map.addLayer({ id: "track-spoof", type: "circle", source: "tracks", filter: ["==", ["get", "spoof"], true],
    paint: { "circle-radius": 22, "circle-color": "rgba(230,73,128,0.12)", "circle-stroke-color": "#f06595", "circle-stroke-width": 3, "circle-stroke-opacity": 0.95 } });
  map.addLayer({ id: "selection", type: "circle", source: "selection",
    paint: { "circle-radius": 20, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } });
  map.addLayer({ id: "track-body", type: "circle", source: "tracks",
    paint: { "circle-radius": 10, "circle-color": ["get", "colour"], "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.2 } });
  map.addLayer({ id: "track-icon", type: "symbol", source: "tracks",
    layout: { "icon-image": ["concat", "icon-", ["get", "cls"]], "icon-size": 0.7, "icon-rotate": ["get", "heading"],
      "icon-rotation-alignment": "map", "icon-allow-overlap": true, "icon-ignore-placement": true } });

  map.on("click", "track-body", (event) => select(event.features[0].properties.track_id));
  map.on("mouseenter", "track-body", () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "track-body", () => { map.getCanvas().style.cursor = ""; });
}

// --- drawing the picture --------------------------------------------------------------

function openAlertsByTrack() {
  const byTrack = new Map();
  for (const alert of state.alerts.values()) {
    if (alert.state === "closed") continue;
    const best = byTrack.get(alert.track_id);
    if (!best || SEVERITY_RANK[alert.severity] > SEVERITY_RANK[best.severity]) byTrack.set(alert.track_id, alert);
  }
  return byTrack;
}

// The reasons identification gives for not believing a track's Remote ID, each
// "kind: reason" split into its check and its explanation (tracks stored before the
// reasons were carried have none).
function spoofReasons(track) {
  return (track.spoof || []).map((entry) => {
    const cut = entry.indexOf(": ");
    return cut < 0 ? { kind: "", reason: entry } : { kind: entry.slice(0, cut), reason: entry.slice(cut + 2) };
  });
}

function isSpoof(track) {
  if (spoofReasons(track).length) return true;
  for (const alert of state.alerts.values()) {
    if (alert.track_id === track.track_id && alert.state !== "closed" && /spoof/i.test(alert.rule)) return true;
  }
  return false;
}

function isAuthorised(track) {
  return track.authorised === true && !isSpoof(track);
}

function isDark(track) {
  if (track.dark) return true;
  for (const alert of state.alerts.values()) {
    if (alert.track_id === track.track_id && alert.state !== "closed" && alert.rule === "dark_drone") return true;
  }
  return false;
}

function trackColour(track, threat) {
  if (threat) return SEVERITY_COLOUR[threat.severity] || SEVERITY_COLOUR.high;
  return CLASS_COLOUR[track.class] || CLASS_COLOUR.unknown;
}

function drawPicture(map, tracks, trails) {
  const threats = openAlertsByTrack();
  const features = tracks.map((track) => {
    const threat = threats.get(track.track_id);
    const properties = {
      track_id: track.track_id,
      cls: CLASS_COLOUR[track.class] ? track.class : "unknown",
      colour: trackColour(track, threat),
      heading: headingOf(track.vel_enu_mps),
      dark: isDark(track),
      spoof: isSpoof(track),
      authorised: isAuthorised(track),
    };
    if (threat) properties.threat = SEVERITY_COLOUR[threat.severity];
    return { type: "Feature", geometry: { type: "Point", coordinates: [track.lon, track.lat] }, properties };
  });
  map.getSource("tracks").setData({ type: "FeatureCollection", features });
  map.getSource("trails").setData({
    type: "FeatureCollection",
    features: [...trails.entries()].filter(([, points]) => points.length > 1).map(([id, points]) => ({
      type: "Feature",
      geometry: { type: "LineString", coordinates: points },
      properties: { colour: CLASS_COLOUR[(tracks.find((t) => t.track_id === id) || {}).class] || CLASS_COLOUR.unknown },
    })),
  });
  drawLabels(map, tracks, threats);
  drawConvoys(map, state.mode === "live" ? Date.now() / 1000 : state.replay.at || Date.now() / 1000);
  drawSelection(map);
  drawCounters(tracks);
}

function drawLabels(map, tracks, threats) {
  const wanted = tracks
    .filter((t) => threats.has(t.track_id) || isDark(t) || t.track_id === state.selected || t.class === "drone")
    .slice(0, LABEL_LIMIT);
  const keep = new Set(wanted.map((t) => t.track_id));
  for (const [id, marker] of state.labels) {
    if (!keep.has(id)) { marker.remove(); state.labels.delete(id); }
  }
  for (const track of wanted) {
    let marker = state.labels.get(track.track_id);
    if (!marker) {
      const element = document.createElement("div");
      element.className = "track-label";
      marker = new maplibregl.Marker({ element, anchor: "left" }).setLngLat([track.lon, track.lat]).addTo(map);
      state.labels.set(track.track_id, marker);
    }
    const element = marker.getElement();
    element.classList.toggle("threat", threats.has(track.track_id));
    element.classList.toggle("spoof", isSpoof(track));
    element.classList.toggle("authorised", isAuthorised(track));
    const identity = track.remote_id || track.icao || (isDark(track) ? "DARK" : "");
    const flag = isSpoof(track) ? " SPOOFED ID" : isAuthorised(track) ? " ✓ AUTHORISED" : "";
    element.textContent = `${track.track_id} ${Math.round(track.alt_m)} m${identity ? ` ${identity}` : ""}${flag}`;
    marker.setLngLat([track.lon, track.lat]);
  }
}

function drawCounters(tracks) {
  $("count-tracks").textContent = tracks.length;
  $("count-drones").textContent = tracks.filter((t) => t.class === "drone").length;
  $("count-dark").textContent = tracks.filter(isDark).length;
  $("count-alerts").textContent = [...state.alerts.values()].filter((a) => a.state !== "closed").length;
}

function drawSelection(map) {
  const track = state.selected && currentTracks().find((t) => t.track_id === state.selected);
  map.getSource("selection").setData(track
    ? { type: "FeatureCollection", features: [{ type: "Feature", geometry: { type: "Point", coordinates: [track.lon, track.lat] }, properties: {} }] }
    : emptyCollection());
  const launchFeatures = [];
  if (track) {
    const alert = [...state.alerts.values()].find((a) => a.track_id === track.track_id && a.launch_point);
    if (alert) {
      const lp = alert.launch_point;
      launchFeatures.push({ type: "Feature", geometry: circlePolygon(lp.lat, lp.lon, lp.sigma_m), properties: {} });
      launchFeatures.push({ type: "Feature", geometry: { type: "Point", coordinates: [lp.lon, lp.lat] }, properties: {} });
      launchFeatures.push({ type: "Feature", geometry: { type: "LineString", coordinates: [[lp.lon, lp.lat], [track.lon, track.lat]] }, properties: {} });
    }
  }
  map.getSource("launch").setData({ type: "FeatureCollection", features: launchFeatures });
  drawDetail(track);
}

function currentTracks() {
  return state.mode === "live" ? [...state.tracks.values()] : state.replay.shown || [];
}

function drawDetail(track) {
  $("track-detail").hidden = !track;
  if (!track) return;
  $("detail-id").textContent = track.track_id;
  const alerts = [...state.alerts.values()].filter((a) => a.track_id === track.track_id && a.state !== "closed");
  const launch = alerts.find((a) => a.launch_point);
  const v = track.vel_enu_mps;
  const rows = [
    ["class", `${track.class} (${Math.round((track.class_conf || 0) * 100)} %)`],
    ["identity", track.remote_id ? `Remote ID ${track.remote_id}${isSpoof(track) ? " (not believed)" : ""}` : track.icao ? `ICAO ${track.icao}` : track.dark ? "none — dark" : "none"],
    ...(track.remote_id ? [["authentication", track.remote_id_auth
      ? `${track.remote_id_auth.replaceAll("_", " ")} broadcast, signature not verified`
      : "none broadcast"]] : []),
    ["sources", (track.sources || []).join(", ") || "—"],
    ["speed", `${speedOf(v).toFixed(1)} m/s (${(speedOf(v) * 3.6).toFixed(0)} km/h)`],
    ["heading", `${headingOf(v).toFixed(0)}°`],
    ["altitude", `${track.alt_m.toFixed(0)} m (climb ${v[2].toFixed(1)} m/s)`],
    ["position", `${track.lat.toFixed(5)}, ${track.lon.toFixed(5)} ± ${track.pos_sigma_m.toFixed(0)} m`],
    ["launch point", launch ? `${launch.launch_point.lat.toFixed(5)}, ${launch.launch_point.lon.toFixed(5)} ± ${launch.launch_point.sigma_m.toFixed(0)} m` : "unknown"],
    ["alerts", alerts.map((a) => `${a.severity} ${a.rule}`).join("; ") || "none"],
    ["updated", fmtTime(track.t)],
  ];
  drawFlags(track);
  const list = $("detail-fields");
  list.replaceChildren(...rows.flatMap(([k, value]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dd.dataset.field = k;
    return [dt, dd];
  }));
}

// The authorised badge and the spoofed Remote ID warning at the head of the track detail.
function drawFlags(track) {
  $("detail-authorised").hidden = !isAuthorised(track);
  const reasons = spoofReasons(track);
  const spoofed = isSpoof(track);
  $("detail-spoof").hidden = !spoofed;
  $("detail-spoof-reasons").replaceChildren(...(reasons.length ? reasons : [{ kind: "", reason: "a spoofing alert is open on this track" }])
    .map(({ kind, reason }) => {
      const item = document.createElement("li");
      if (kind) {
        const name = document.createElement("b");
        name.textContent = `${kind.replaceAll("_", " ")}: `;
        item.append(name);
      }
      item.append(reason);
      return item;
    }));
}

function select(trackId) {
  state.selected = trackId;
  if (state.map) drawPicture(state.map, currentTracks(), state.mode === "live" ? state.trails : state.replay.trails || new Map());
}
$("detail-close").addEventListener("click", () => select(null));

// --- alerts ---------------------------------------------------------------------------

function drawAlerts() {
  const list = $("alerts");
  const now = Date.now() / 1000;
  // Closed alerts stay a few minutes; acknowledged ones of an earlier run of the service
  // (whose tracks ended with it) leave the panel, unacknowledged ones stay until seen.
  const shown = [...state.alerts.values()]
    .filter((a) => (a.state !== "closed" || now - (a.closed_t || a.t) < 300)
      && !(a.ack && a.run_id !== undefined && state.run !== undefined && a.run_id !== state.run))
    .sort((a, b) => (a.state === "closed") - (b.state === "closed") || Boolean(a.ack) - Boolean(b.ack)
      || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.t - a.t);
  // Rebuild the list only when an alert changed, so that a button under the operator's
  // pointer is never replaced; otherwise only the ages move on.
  const key = JSON.stringify(shown.map((a) => [a.alert_id, a.state, a.severity, a.message, a.ack && a.ack.by]))
    + (state.me ? state.me.role : "");
  if (key === state.alertsKey) {
    for (const item of list.children) {
      const alert = state.alerts.get(item.dataset.alertId);
      if (alert && alert.state !== "closed") item.querySelector(".alert-when").textContent = ago(alert.opened_t || alert.t);
    }
    return;
  }
  state.alertsKey = key;
  list.replaceChildren(...shown.map((alert) => {
    const item = document.createElement("li");
    item.dataset.alertId = alert.alert_id;
    item.className = `sev-${alert.severity}${alert.ack ? "" : " unacked"}${alert.state === "closed" ? " closed" : ""}`;
    const top = document.createElement("div");
    top.className = "alert-top";
    const sev = document.createElement("span");
    sev.className = "alert-sev";
    sev.style.color = SEVERITY_COLOUR[alert.severity];
    sev.textContent = `${alert.severity} · ${alert.rule.replaceAll("_", " ")}`;
    const when = document.createElement("span");
    when.className = "alert-meta alert-when";
    when.textContent = alert.state === "closed" ? "closed" : ago(alert.opened_t || alert.t);
    top.append(sev, when);
    const message = document.createElement("div");
    message.className = "alert-msg";
    message.textContent = alert.message;
    const meta = document.createElement("div");
    meta.className = "alert-meta";
    meta.textContent = `${alert.alert_id} · track ${alert.track_id}${alert.zone ? ` · zone ${alert.zone}` : ""}${alert.asset ? ` · asset ${alert.asset}` : ""} · ${Math.round(alert.alt_m)} m`;
    const foot = document.createElement("div");
    foot.className = "alert-ack";
    if (alert.ack) {
      const acked = document.createElement("span");
      acked.className = "acked";
      acked.textContent = `✓ acknowledged by ${alert.ack.by}`;
      foot.append(acked);
    } else if (state.me && state.me.role !== "viewer") {
      const button = document.createElement("button");
      button.className = "ack";
      button.textContent = "Acknowledge";
      button.addEventListener("click", (event) => { event.stopPropagation(); acknowledge(alert.alert_id, button); });
      foot.append(button);
    }
    item.append(top, message, meta, foot);
    item.addEventListener("click", () => {
      select(alert.track_id);
      if (state.map) state.map.easeTo({ center: [alert.lon, alert.lat], duration: 500 });
    });
    return item;
  }));
  $("alerts-empty").hidden = shown.length > 0;
  const unacked = shown.filter((a) => !a.ack && a.state !== "closed").length;
  $("alerts-unacked").hidden = unacked === 0;
  $("alerts-unacked").textContent = `${unacked} unacknowledged`;
}

async function acknowledge(alertId, button) {
  button.disabled = true;
  try {
    const alert = await api(`/api/alerts/${encodeURIComponent(alertId)}/ack`, { method: "POST", body: JSON.stringify({ note: "" }) });
    state.alerts.set(alert.alert_id, alert);
    drawAlerts();
  } catch (error) {
    button.disabled = false;
    console.error(error);
  }
}

// --- sensors, zones, site -------------------------------------------------------------

const SENSOR_ABBREVIATION = { radar: "RAD", rf: "RF", acoustic: "AC", eo: "EO", remoteid: "RID", adsb: "ADS" };

function drawSensors(map) {
  const list = $("sensors");
  list.replaceChildren(...state.sensors.map((s) => {
    const item = document.createElement("li");
    item.dataset.sensorId = s.id;
    const dot = document.createElement("span");
    dot.className = `dot status-${s.status}`;
    dot.title = s.status;
    const name = document.createElement("span");
    name.textContent = s.id;
    const kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = s.type;
    const rate = document.createElement("span");
    rate.className = "rate";
    rate.textContent = `${s.status} · ${s.report_rate_hz.toFixed(1)}/s`;
    item.append(dot, kind, name, rate);
    item.title = s.detail || "";
    return item;
  }));
  const placed = new Set();
  for (const s of state.sensors) {
    if (s.lat === null) continue;
    placed.add(s.id);
    let marker = state.sensorMarkers.get(s.id);
    if (!marker) {
      const element = document.createElement("div");
      element.append(document.createElement("span"));
      marker = new maplibregl.Marker({ element, anchor: "center" }).setLngLat([s.lon, s.lat]).addTo(map);
      state.sensorMarkers.set(s.id, marker);
    }
    const badge = marker.getElement().firstChild;
    badge.className = `sensor-marker status-border-${s.status}`;
    badge.textContent = SENSOR_ABBREVIATION[s.type] || "SEN";
    badge.title = `${s.id} (${s.type}): ${s.status}, ${s.report_rate_hz.toFixed(1)} reports/s`;
    marker.setLngLat([s.lon, s.lat]);
  }
  for (const [id, marker] of state.sensorMarkers) {
    if (!placed.has(id)) { marker.remove(); state.sensorMarkers.delete(id); }
  }
}

function drawZones(map) {
  map.getSource("zones").setData({
    type: "FeatureCollection",
    features: [...state.zones.values()].map((z) => ({
      type: "Feature",
      geometry: { type: "Polygon", coordinates: [[...z.polygon, z.polygon[0]]] },
      properties: { id: z.id, name: z.name },
    })),
  });
  for (const marker of state.zoneMarkers.values()) marker.remove();
  state.zoneMarkers.clear();
  for (const z of state.zones.values()) {
    const lon = z.polygon.reduce((sum, p) => sum + p[0], 0) / z.polygon.length;
    const lat = Math.max(...z.polygon.map((p) => p[1]));
    const element = document.createElement("div");
    element.className = "zone-label";
    element.textContent = `${z.name} · ${Math.round(z.ceiling_m)} m`;
    state.zoneMarkers.set(z.id, new maplibregl.Marker({ element, anchor: "bottom" }).setLngLat([lon, lat]).addTo(map));
  }
}

// Where a timetabled asset (a convoy) is at time t: along its route at its speed.
function assetPosition(asset, t) {
  if (asset.speed_mps == null || asset.start_t == null || asset.route.length < 2) return asset.route[0];
  let left = Math.max(0, (t - asset.start_t) * asset.speed_mps);
  for (let i = 1; i < asset.route.length; i += 1) {
    const [lon0, lat0] = asset.route[i - 1];
    const [lon1, lat1] = asset.route[i];
    const dx = (lon1 - lon0) * 111320 * Math.cos((lat0 * Math.PI) / 180);
    const dy = (lat1 - lat0) * 111320;
    const length = Math.hypot(dx, dy);
    if (left <= length) return [lon0 + ((lon1 - lon0) * left) / length, lat0 + ((lat1 - lat0) * left) / length];
    left -= length;
  }
  return asset.route[asset.route.length - 1];
}

function drawConvoys(map, t) {
  const features = [];
  for (const asset of state.site.assets) {
    const [lon, lat] = assetPosition(asset, t);
    features.push({ type: "Feature", geometry: circlePolygon(lat, lon, asset.radius_m), properties: { id: asset.id } });
    let marker = state.convoyMarkers.get(asset.id);
    if (!marker) {
      const element = document.createElement("div");
      element.className = "convoy-marker";
      element.textContent = asset.name;
      marker = new maplibregl.Marker({ element, anchor: "center" }).setLngLat([lon, lat]).addTo(map);
      state.convoyMarkers.set(asset.id, marker);
    }
    marker.setLngLat([lon, lat]);
  }
  map.getSource("convoy").setData({ type: "FeatureCollection", features });
}

function drawRoutes(map, site) {
  map.getSource("routes").setData({
    type: "FeatureCollection",
    features: site.assets.filter((a) => a.route.length > 1).map((a) => ({
      type: "Feature", geometry: { type: "LineString", coordinates: a.route }, properties: { id: a.id },
    })),
  });
}

function fitSite(map, site) {
  const bounds = new maplibregl.LngLatBounds();
  for (const s of site.sensors) bounds.extend([s.lon, s.lat]);
  for (const z of state.zones.values()) for (const p of z.polygon) bounds.extend(p);
  for (const a of site.assets) for (const p of a.route) bounds.extend(p);
  if (!bounds.isEmpty()) map.fitBounds(bounds, { padding: 60, duration: 0, maxZoom: 16 });
}

// --- live stream ----------------------------------------------------------------------

function remember(track) {
  state.tracks.set(track.track_id, track);
  const trail = state.trails.get(track.track_id) || [];
  trail.push([track.lon, track.lat]);
  if (trail.length > TRAIL_POINTS) trail.shift();
  state.trails.set(track.track_id, trail);
}

function onMessage(message) {
  if (message.type === "snapshot") {
    state.tracks.clear();
    const seeded = state.trails;
    state.trails = new Map([...seeded].filter(([id]) => message.tracks.some((t) => t.track_id === id)));
    for (const track of message.tracks) remember(track);
    state.alerts = new Map(message.alerts.map((a) => [a.alert_id, a]));
    state.sensors = message.sensors;
    state.zones = new Map(message.zones.map((z) => [z.id, z]));
    state.pictureT = message.t;
    state.run = message.run;
    drawZones(state.map);
  } else if (message.type === "tracks") {
    const live = new Set(message.tracks.map((t) => t.track_id));
    for (const id of [...state.tracks.keys()]) {
      if (!live.has(id)) { state.tracks.delete(id); state.trails.delete(id); }
    }
    for (const track of message.tracks) remember(track);
    state.pictureT = message.t;
  } else if (message.type === "alert") {
    state.alerts.set(message.alert.alert_id, message.alert);
    drawAlerts();
    return;
  } else if (message.type === "sensors") {
    state.sensors = message.sensors;
    drawSensors(state.map);
    return;
  } else if (message.type === "zone") {
    state.zones.set(message.zone.id, message.zone);
    drawZones(state.map);
    return;
  }
  drawAlerts();
  drawSensors(state.map);
  if (state.mode === "live") {
    drawPicture(state.map, [...state.tracks.values()], state.trails);
    $("timeline-time").textContent = fmtTime(state.pictureT);
  }
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(state.token)}`);
  state.socket = socket;
  socket.onopen = () => $("link").classList.replace("off", "on");
  socket.onmessage = (event) => onMessage(JSON.parse(event.data));
  socket.onclose = (event) => {
    $("link").classList.replace("on", "off");
    if (event.code === 4401) { signOut("Your token was refused."); return; }
    if (state.token) setTimeout(connect, 2000);
  };
}

// --- timeline replay ------------------------------------------------------------------

async function replayAt(t) {
  const r = state.replay;
  if (t < r.cacheFrom + 60 || t > r.cacheTo) {
    r.cacheFrom = t - 90;
    r.cacheTo = t + 120;
    r.cache = (await api(`/api/history?t0=${r.cacheFrom}&t1=${r.cacheTo}`)).tracks;
  }
  const latest = new Map();
  const trails = new Map();
  for (const s of r.cache) {
    if (s.t > t) break;
    if (s.t < t - TRAIL_POINTS) continue;
    latest.set(s.track_id, s);
    const trail = trails.get(s.track_id) || [];
    trail.push([s.lon, s.lat]);
    trails.set(s.track_id, trail);
  }
  const shown = [...latest.values()].filter((s) => s.t >= t - 1.5);
  r.at = t;
  r.shown = shown;
  r.trails = trails;
  drawPicture(state.map, shown, trails);
  $("timeline-time").textContent = fmtTime(t);
}

function setMode(mode) {
  state.mode = mode;
  $("live-button").classList.toggle("active", mode === "live");
  $("replay-button").classList.toggle("active", mode === "replay");
  $("timeline-slider").disabled = mode === "live";
  $("play-button").disabled = mode === "live";
  if (state.replay.timer) { clearInterval(state.replay.timer); state.replay.timer = null; $("play-button").textContent = "▶"; }
  if (mode === "live") {
    drawPicture(state.map, [...state.tracks.values()], state.trails);
  }
}

async function enterReplay() {
  const span = await api("/api/history/span");
  if (span.t0 === null) return;
  const hours = Number($("replay-hours").value);
  const r = state.replay;
  r.t1 = Math.floor(span.t1);
  r.t0 = Math.max(Math.floor(span.t0), r.t1 - hours * 3600);
  r.cacheFrom = 0;
  r.cacheTo = 0;
  const slider = $("timeline-slider");
  slider.min = r.t0;
  slider.max = r.t1;
  slider.value = r.t0;
  setMode("replay");
  await replayAt(r.t0);
}

$("live-button").addEventListener("click", () => setMode("live"));
$("replay-button").addEventListener("click", enterReplay);
$("replay-hours").addEventListener("change", () => { if (state.mode === "replay") enterReplay(); });
$("timeline-slider").addEventListener("input", (event) => replayAt(Number(event.target.value)));
$("play-button").addEventListener("click", () => {
  const r = state.replay;
  if (r.timer) { clearInterval(r.timer); r.timer = null; $("play-button").textContent = "▶"; return; }
  $("play-button").textContent = "❚❚";
  r.timer = setInterval(() => {
    const slider = $("timeline-slider");
    const next = Math.min(Number(slider.value) + 1, r.t1);
    slider.value = next;
    replayAt(next);
    if (next >= r.t1) { clearInterval(r.timer); r.timer = null; $("play-button").textContent = "▶"; }
  }, 250);
});

// --- start ----------------------------------------------------------------------------

async function start() {
  if (state.map) { connect(); return; }
  state.site = await api("/api/site");
  $("site-name").textContent = state.site.name;
  const map = await createMap(state.site);
  state.map = map;
  addLayers(map);
  if (state.site.city) {
    try {
      map.getSource("city").setData(await api(state.site.city));
    } catch (error) {
      console.warn("no city data", error);
    }
  }
  state.zones = new Map((await api("/api/zones")).map((z) => [z.id, z]));
  drawZones(map);
  drawRoutes(map, state.site);
  fitSite(map, state.site);
  await seedTrails();
  connect();
}

// Trails start from the stored history, so that a reload keeps the recent paths.
async function seedTrails() {
  const now = Date.now() / 1000;
  const history = await api(`/api/history?t0=${now - TRAIL_POINTS}&t1=${now}`);
  for (const s of history.tracks) {
    const trail = state.trails.get(s.track_id) || [];
    trail.push([s.lon, s.lat]);
    state.trails.set(s.track_id, trail);
  }
}

setInterval(() => { $("clock").textContent = new Date().toISOString().slice(11, 19) + "Z"; }, 500);

if (state.token) signIn(state.token);
else signOut("");
