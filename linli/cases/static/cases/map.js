// Open cases on a map: markers from cases:map_json for the visible bounding box, red when overdue.
(function () {
  "use strict";

  function init(el) {
    if (typeof L === "undefined") return;
    const map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(el.dataset.tileUrl) });
    if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    const b = (el.dataset.bounds || "").split(",").map(Number);
    if (b.length === 4 && b.every((x) => !Number.isNaN(x))) map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    else map.setView([30.66, 104.06], 11);
    const layer = L.layerGroup().addTo(map);
    const note = document.querySelector("[data-map-note]");
    let seq = 0;
    function load() {
      const mine = ++seq;
      const bb = map.getBounds();
      const bbox = [bb.getWest(), bb.getSouth(), bb.getEast(), bb.getNorth()].map((x) => x.toFixed(6)).join(",");
      fetch(el.dataset.jsonUrl + "?bbox=" + bbox, { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .then((data) => {
          if (!data || mine !== seq) return;
          layer.clearLayers();
          data.features.forEach((f) => {
            const p = f.properties;
            const [lng, lat] = f.geometry.coordinates;
            const color = p.overdue ? "#b9302b" : "#0b57d0";
            const marker = L.circleMarker([lat, lng], { radius: 7, color, weight: 2, fillColor: color, fillOpacity: 0.6 });
            const box = document.createElement("div");
            const link = document.createElement("a");
            link.href = p.url;
            link.textContent = p.number + " " + p.title;
            const status = document.createElement("div");
            status.textContent = p.status;
            box.append(link, status);
            marker.bindPopup(box);
            marker.addTo(layer);
          });
          if (note) {
            note.hidden = !data.truncated;
            note.textContent = data.truncated ? el.dataset.truncatedText : "";
          }
          el.setAttribute("data-ready", String(data.features.length));
        })
        .catch(() => {});
    }
    map.on("moveend", load);
    load();
  }

  document.querySelectorAll("[data-case-map]").forEach(init);
})();
