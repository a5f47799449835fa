// 上报问题: category search over the select's options, and a point on the map (or a building dot).
(function () {
  "use strict";

  function initCategorySearch(input) {
    const select = document.getElementById(input.dataset.categorySearch);
    const results = input.parentElement.querySelector("[data-category-results]");
    if (!select || !results) return;
    const options = Array.from(select.options).filter((o) => o.value);
    function choose(option) {
      select.value = option.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = option.textContent;
      results.hidden = true;
      results.replaceChildren();
    }
    input.addEventListener("input", () => {
      const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      results.replaceChildren();
      if (!words.length) { results.hidden = true; return; }
      const hits = options.filter((o) => {
        const text = (o.textContent + " " + (o.dataset.keywords || "") + " " + (o.parentElement.label || "")).toLowerCase();
        return words.every((w) => text.includes(w));
      });
      hits.slice(0, 30).forEach((o) => {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.categoryOption = o.value;
        button.textContent = o.textContent;
        const group = document.createElement("small");
        group.textContent = o.parentElement.label || "";
        button.appendChild(group);
        button.addEventListener("click", () => choose(o));
        li.appendChild(button);
        results.appendChild(li);
      });
      results.hidden = hits.length === 0;
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();  // Enter picks the first match instead of submitting the report
        const first = results.querySelector("button");
        if (first) first.click();
      }
    });
  }

  function initMap(el) {
    if (typeof L === "undefined") return;
    const form = el.closest("form");
    const lng = form.querySelector("input[name=lng]");
    const lat = form.querySelector("input[name=lat]");
    const building = form.querySelector("select[name=building]");
    const house = form.querySelector("select[name=house]");
    const picked = form.querySelector("[data-map-picked]");
    const coords = form.querySelector("[data-map-coords]");
    const map = L.map(el, { zoomSnap: 0.25, attributionControl: Boolean(el.dataset.tileUrl) });
    if (el.dataset.tileUrl) L.tileLayer(el.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    const b = (el.dataset.bounds || "").split(",").map(Number);
    if (b.length === 4 && b.every((x) => !Number.isNaN(x))) {
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [8, 8] });
    } else {
      map.setView([30.66, 104.06], 12);
    }
    let marker = null;
    function setPoint(latlng) {
      if (marker) marker.setLatLng(latlng);
      else marker = L.marker(latlng).addTo(map);
      lng.value = latlng.lng.toFixed(6);
      lat.value = latlng.lat.toFixed(6);
      coords.textContent = "(" + lng.value + ", " + lat.value + ")";
      picked.hidden = false;
      if (building) building.value = "";
      if (house) house.value = "";
    }
    function clearPoint() {
      if (marker) { map.removeLayer(marker); marker = null; }
      lng.value = "";
      lat.value = "";
      picked.hidden = true;
    }
    map.on("click", (event) => setPoint(event.latlng));
    form.querySelector("[data-map-clear]").addEventListener("click", clearPoint);
    [building, house].forEach((s) => s && s.addEventListener("change", () => { if (s.value) clearPoint(); }));
    if (lng.value && lat.value) setPoint(L.latLng(Number(lat.value), Number(lng.value)));
    if (el.dataset.geojsonUrl) {
      fetch(el.dataset.geojsonUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then((r) => (r.ok ? r.json() : null))
        .then((data) => {
          if (!data) return;
          L.geoJSON(data.features || [], {
            interactive: true,
            style: () => ({ color: "#656d76", weight: 1, fillOpacity: 0.04 }),
            pointToLayer: (feature, latlng) => L.circleMarker(latlng, { radius: 7, color: "#0b57d0", weight: 2, fillColor: "#fff", fillOpacity: 0.9 }),
            onEachFeature: (feature, layer) => {
              const p = feature.properties || {};
              if (p.role === "building") {
                layer.bindTooltip(document.createTextNode(p.name || ""), { direction: "top" });  // text, never HTML
                layer.on("click", (event) => {
                  L.DomEvent.stopPropagation(event);
                  if (building && building.querySelector('option[value="' + p.id + '"]')) {
                    clearPoint();
                    building.value = String(p.id);
                    building.dispatchEvent(new Event("change", { bubbles: true }));
                  } else {
                    setPoint(event.latlng);
                  }
                });
              } else {
                layer.on("click", (event) => setPoint(event.latlng));
              }
            },
          }).addTo(map);
          el.setAttribute("data-ready", "");
        })
        .catch(() => {});
    } else {
      el.setAttribute("data-ready", "");
    }
  }

  document.querySelectorAll("[data-category-search]").forEach(initCategorySearch);
  document.querySelectorAll("[data-report-map]").forEach(initMap);
})();
