"""Word lists and a fast generator of varied, realistic practice text (titles, summaries, sections).

Sentences come from templates whose ``{slots}`` are filled from word lists; they are pooled once
per section, and each practice then picks a few sentences from each pool: varied enough for
stemming and ranking to do real work, fast enough for 100,000 practices in a few seconds.
"""

from __future__ import annotations

import random
import re

# Planted words, never in the templates or word lists (``check_planted_words`` makes sure).
# Each RARE word is in exactly RARE_ROWS practices: the "selective" search.
RARE_WORDS = (
    "halcyon",
    "marigold",
    "tamarisk",
    "quillon",
    "zephyr",
    "saffron",
    "juniper",
    "osprey",
)
RARE_ROWS = 10
# Each THIRD word is in one practice out of three: the search matching a third of the rows.
THIRD_WORDS = ("waterfront", "ombudsman", "curfew")


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.split("|") if w.strip()]


WORDS = {
    "adjective": _words(
        """Modular | Mobile | Joint | Community | Night-time | Seasonal | Participatory |
        Integrated | Preventive | Multi-agency | Temporary | Permanent | Digital | Rapid |
        Neighbourhood | Cross-border | Low-cost | Volunteer | Targeted | Coordinated"""
    ),
    "measure": _words(
        """anti-ramming barriers | foot patrols | bicycle patrols | mediation teams |
        street lighting | video protection | drone surveillance | safety walks | outreach workers |
        crowd management | tourist police | harm reduction | early warning | evacuation drills |
        hot-spot policing | problem-solving partnership | safety audits | reporting app |
        liaison officers | victim support desk | parking enforcement | noise mediation |
        youth outreach | school liaison | crisis simulation | wildfire exercise |
        emergency shelters | training academy | officer exchange | recruitment campaign |
        mentoring scheme | interpreter service"""
    ),
    "place": _words(
        """the old town | pedestrian squares | the central station | night-time districts |
        the seafront promenade | covered markets | school surroundings | city parks |
        the Christmas market | football match routes | tourist hotspots | bus interchanges |
        the carnival parade | summer festivals | shopping streets | residential estates |
        metro platforms | the harbour | university campuses | riverside paths |
        reception centres | the airport area | suburban housing | cycle lanes"""
    ),
    "actor": _words(
        """The municipal police | Local officers | A joint team of police and social workers |
        Neighbourhood mediators | The city's prevention service | Volunteer residents |
        Event organisers | Private security staff | Transport operators | The night mayor |
        Youth workers | Shopkeepers' associations | The fire brigade | Public-space inspectors |
        Street coaches | Community wardens | The civil protection unit | Tourist guides"""
    ),
    "verb": _words(
        """patrol | monitor | redesign | map | coordinate the safety of | secure | inspect |
        light | survey | protect | reclaim | animate | clean up | close off to traffic |
        mediate conflicts in | walk through | plan events in | assess risks in"""
    ),
    "means": _words(
        """with removable barriers | using drones | on foot in pairs | with a mobile reporting app |
        with brighter lighting | after training staff of bars and clubs |
        with cameras checked by operators | through monthly residents' meetings |
        with interpreters | with mounted units | through a shared radio channel |
        using a risk matrix | with temporary planters | with plain-clothes officers |
        through a hotline | with community volunteers | by mapping incidents weekly |
        with body-worn cameras | with a public dashboard"""
    ),
    "time": _words(
        """during the summer season | on Friday and Saturday nights | during major events |
        all year round | during school terms | at weekends | during the holiday season |
        after dark | on market days | during heatwaves | on match days | in the morning rush hour"""
    ),
    "problem": _words(
        """pickpocketing | vehicle ramming risks | alcohol-related violence | noise complaints |
        drug dealing | vandalism | harassment of women | illegal street trading | overcrowding |
        fires in dry scrubland | tensions between groups | fear of crime | antisocial behaviour |
        traffic accidents | thefts from tourists | aggressive begging | littering |
        unauthorised gatherings | low trust in the police | staff shortages"""
    ),
    "partner": _words(
        """the regional police | the national police | the public prosecutor | a local university |
        the transport company | hotel owners | residents' committees | the chamber of commerce |
        football clubs | the red cross | schools | social services | the port authority |
        nightlife venues | a private security firm | the fire service | an NGO for migrants |
        the tourist office | street artists | the health service"""
    ),
    "funding": _words(
        """the city budget | EU funds | a regional grant | sponsorship by local businesses |
        the Internal Security Fund | a national prevention programme | existing staff time"""
    ),
    "power": _words("traffic | public order | events | street trading | noise | parking"),
    "period": _words("week | fortnight | month | quarter"),
}
CONTACT_ROLES = _words(
    """International cooperation unit | Prevention service | Head of public-space unit |
    Events and crowd safety desk | Community policing coordinator | Training academy office"""
)

TEMPLATES = {
    "title": [
        "{Adjective} {measure} in {place}",
        "{Adjective} {measure} for {place}",
        "{Measure} against {problem}",
        "{Adjective} {measure} {time}",
    ],
    "summary": [
        "{Measure} in {place} {time}: {actor_lower} {verb} {place} {means}.",
        "{Actor} {verb} {place} {means}, against {problem} {time}.",
    ],
    "problem": [
        "Residents complained about {problem} in {place} {time}.",
        "{Problem} had grown in {place} for several years.",
        "Officers lacked the tools to deal with {problem} and {problem}.",
        "Surveys showed that {problem} kept visitors away from {place}.",
    ],
    "mechanism": [
        "{Actor} {verb} {place} {means} {time}.",
        "Visible presence and quick contact reduce {problem} before it escalates.",
        "{Measure} make offending harder and help {partner} act early.",
        "{Actor} work {means} so that problems are solved where they start.",
    ],
    "context": [
        "The city has about {n}000 inhabitants and many visitors {time}.",
        "Partners were {partner}, {partner} and {partner}.",
        "The municipal police used its powers over {power}.",
        "The scheme covers {place} and {place}.",
    ],
    "implementation": [
        "In the first {m} months {actor_lower} tested it in {place}.",
        "A steering group with {partner} met every {period}.",
        "{Actor} were trained {means} before the launch.",
        "The roll-out followed a written plan with {m} steps and named partners.",
        "{Partner} provided staff {time}.",
    ],
    "resources": [
        "The budget was about {n}000 euros, covered by {funding}.",
        "It takes {m} officers and {m} civilian staff.",
        "Equipment costs were low; most of the cost is staff time funded by {funding}.",
    ],
    "evaluation": [
        "Reported thefts fell by {m} percent in the first year.",
        "Response times dropped by {m} minutes on average.",
        "Noise complaints fell by {m} percent compared with the year before.",
        "{n} officers were trained and now run the scheme themselves.",
        "Residents' sense of safety rose by {m} points in the city survey.",
        "Injuries at events fell by {m} percent.",
        "The number of incidents stayed the same, which we report as a null result.",
        "Footfall in the evening rose by {m} percent.",
        "A university study found no displacement of crime to nearby streets.",
        "Calls to the hotline doubled, mostly from women and older residents.",
    ],
    "transferability": [
        "Another force needs {partner} and {partner} on board to copy it.",
        "It transfers well to cities of {n}000 inhabitants or more.",
        "The legal powers used exist in most member states.",
        "The main condition is a dedicated coordinator for at least {m} months.",
        "Smaller cities can start with a pilot in {place}.",
        "The training material is available in several languages on request.",
    ],
}
# How many sentences each section gets (at least, at most).
SECTIONS = {
    "problem": (1, 3),
    "mechanism": (2, 4),
    "context": (1, 3),
    "implementation": (2, 4),
    "resources": (1, 2),
    "evaluation": (1, 3),
    "transferability": (1, 2),
}
SLOT = re.compile(r"\{(\w+)\}")


def fill(template: str, r: random.Random) -> str:
    """Fill each ``{slot}``: a word list's name (``{Name}``: the word capitalised),
    ``actor_lower``, ``n`` (20..900) or ``m`` (2..60)."""

    def one(match: re.Match) -> str:
        slot = match.group(1)
        if slot == "n":
            return str(r.randint(20, 900))
        if slot == "m":
            return str(r.randint(2, 60))
        if slot == "actor_lower":
            return r.choice(WORDS["actor"]).lower()
        word = r.choice(WORDS[slot.lower()])
        return word[:1].upper() + word[1:] if slot[0].isupper() else word

    return SLOT.sub(one, template)


class TextPools:
    """Pools of generated titles, summaries and section sentences, for ``practice_text``."""

    def __init__(self, seed: int = 2025, size: int = 4000) -> None:
        r = random.Random(seed)
        self.pools = {
            name: [fill(r.choice(templates), r) for _ in range(size)]
            for name, templates in TEMPLATES.items()
        }

    def practice_text(self, r: random.Random) -> dict[str, str]:
        text = {"title": r.choice(self.pools["title"]), "summary": r.choice(self.pools["summary"])}
        for name, (low, high) in SECTIONS.items():
            text[name] = " ".join(r.choices(self.pools[name], k=r.randint(low, high)))
        return text


def check_planted_words() -> None:
    """The planted words must occur nowhere in the templates or word lists."""
    corpus = " ".join(
        [*(w for words in WORDS.values() for w in words), *CONTACT_ROLES]
        + [t for templates in TEMPLATES.values() for t in templates]
    ).lower()
    clashes = [w for w in (*RARE_WORDS, *THIRD_WORDS) if w in corpus]
    if clashes:
        raise ValueError(f"planted words found in the word lists: {clashes}")
