"""Short human labels for facts: what the sources table and the lapse notices call them."""

from __future__ import annotations

from ..content.models import Airport, Emergency, Fact, Item, PointFact, Population, Sourced

_SINGULAR = {
    "specialisations": "Specialisation",
    "companies": "Company",
    "landmarks": "Landmark",
    "port": "Port",
}
ESSENTIAL_LABELS = {
    "currency": "Currency",
    "time_zone": "Time zone",
    "dialling_code": "Dialling code",
    "plugs": "Plugs",
    "voltage": "Voltage",
    "languages": "Languages",
    "entry": "Entry",
}


def fact_label(loc: str, fact: Sourced) -> str:
    """A short human label for a fact found at `loc`."""
    head = loc.split(".")[0]
    if isinstance(fact, Population):
        return "Population"
    if isinstance(fact, Airport):
        return f"Airport: {fact.code}"
    if isinstance(fact, PointFact):
        return f"Point: {fact.title}"
    if isinstance(fact, Emergency):
        return f"Emergency number: {fact.service}"
    if isinstance(fact, Item):
        return f"{_SINGULAR.get(head, head.title())}: {fact.name}"
    if isinstance(fact, Fact):
        name = loc.split(".")[-1]
        return ESSENTIAL_LABELS.get(name, fact.value)
    return head.replace("_", " ").capitalize()
