// Region maps: children's polygons (click to drill down) or a grid's buildings as dots.
// The GeoJSON comes from places:region_geojson; no tile layer unless the page names one.
(function () {
  "use strict";

  const STYLES = {
    self: { color: "#656d76", weight: 2, dashArray: "6 4", fill: false },
    child: { color: "#b9302b", weight: 2, fillColor: "#b9302b", fillOpacity: 0.12 },
    building: { radius: 7, color: "#0b57d0", weight: 2, fillColor: "#ffffff", fillOpacity: 0.9 },
  };

  function go(url) {
    if (url) window.location.assign(url);
  }

  // Permanent labels of small neighbouring polygons pile up; hide a label that would overlap one
  // already shown (the table under the map names every region anyway).
  function declutter(el) {
    const shown = [];
    el.querySelectorAll(".map-label").forEach((label) => {
      label.classList.remove("map-label-hidden");
      const r = label.getBoundingClientRect();
      const overlaps = shown.some((s) => r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom);
      if (overlaps) label.classList.add("map-label-hidden");
      else shown.push(r);
    });
  }

  // Names and addresses are data anyone with an edit form can type: never hand them to Leaflet as a
  // string (it sets innerHTML). A text node shows "<img …>" as those characters.
  function text(value) {
    return document.createTextNode(value == null ? "" : String(value));
  }

  function draw(map, el, data) {
    const features = (data && data.features) || [];
    const own = features.filter((f) => f.properties.role === "self");
    const children = features.filter((f) => f.properties.role === "child");
    const buildings = features.filter((f) => f.properties.role === "building");

    // The region's own outline is context only: not interactive, so clicks reach the children.
    const outline = L.geoJSON(own, { interactive: false, style: () => STYLES.self }).addTo(map);
    const childLayer = L.geoJSON(children, {
      style: () => STYLES.child,
      onEachFeature: (feature, layer) => {
        layer.bindTooltip(text(feature.properties.name), {
          permanent: true, direction: "center", className: "map-label",
        });
        layer.on("click", () => go(feature.properties.url));
        layer.on("mouseover", () => layer.setStyle({ fillOpacity: 0.3 }));
        layer.on("mouseout", () => layer.setStyle({ fillOpacity: STYLES.child.fillOpacity }));
      },
    }).addTo(map);
    const buildingLayer = L.geoJSON(buildings, {
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, STYLES.building),
      onEachFeature: (feature, layer) => {
        layer.bindTooltip(text(feature.properties.name), { direction: "top" });
        layer.on("click", () => go(feature.properties.url));
      },
    }).addTo(map);

    const bounds = L.featureGroup([outline, childLayer, buildingLayer]).getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [12, 12] });
    } else {
      map.setView([30.66, 104.06], 11);
      el.setAttribute("data-empty", "");
      const note = document.createElement("p");
      note.className = "map-note";
      note.textContent = el.dataset.emptyText || "";
      el.appendChild(note);
    }
    map.on("zoomend moveend", () => window.requestAnimationFrame(() => declutter(el)));
    declutter(el);
    el.setAttribute("data-ready", String(children.length + buildings.length));
  }

  function init(el) {
    if (typeof L === "undefined") return;
    const map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(el.dataset.tileUrl) });
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    }
    fetch(el.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then((response) => {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then((data) => draw(map, el, data))
      .catch(() => {
        el.setAttribute("data-failed", "");
        const note = document.createElement("p");
        note.className = "map-note";
        note.textContent = el.dataset.errorText || "";
        el.appendChild(note);
      });
  }

  document.querySelectorAll("[data-place-map]").forEach(init);
})();
