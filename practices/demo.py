"""Demo practices for ``manage.py seed_demo``, drawn from the activities of the PACTESUR cities.

Every practice is written by its city's demo coordinator through ``practice_create``, submitted
through ``moderation_submit`` and decided by the demo Efus moderator through the moderation
services, so the audit log and the search vector are as they would be. Each is marked
``is_demo`` and says "Demo content" in its summary: these are illustrations, not the cities'
official accounts. Only the cities in ``counts["cities"]`` get practices (their coordinators
are made by ``accounts.demo``; made here the same way if missing); pass all 15 cities for the
whole set. Safe to re-run: a practice whose title exists is skipped, an adoption that exists is
not recorded again. ``counts["practices"]`` adds that many generated practices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.demo import (
    demo_coordinator,
    demo_email,
    demo_moderator,
)
from accounts.models import User
from cities.models import City, Theme
from moderation.models import ModerationEvent, Report, Status, Visibility
from moderation.reports import report_create
from moderation.services import moderation_publish, moderation_request_changes, moderation_submit

from .models import Adoption, Practice
from .services import adoption_create, practice_create, practice_update

DEMO_NOTE = "**Demo content:** an illustration written for the platform's demonstration."

PUBLISHED, SUBMITTED, CHANGES = "published", "submitted", "changes_requested"
OUTCOME, STAGE = Practice.Outcome, Practice.EvaluationStage


@dataclass(frozen=True)
class DemoPractice:
    city: str
    title: str
    summary: str
    problem: str
    mechanism: str
    context: str
    implementation: str
    resources: str
    evaluation: str
    transferability: str
    themes: tuple[str, ...]
    outcome: str
    evaluation_stage: str
    period_start: dt.date
    period_end: dt.date | None = None
    visibility: str = Visibility.PUBLIC
    language: str = "en"
    contact_role: str = "International cooperation unit"
    links: tuple[str, ...] = ()
    state: str = PUBLISHED
    moderator_message: str = ""


PRACTICES: tuple[DemoPractice, ...] = (
    DemoPractice(
        city="liege",
        title="Modular anti-ramming barriers for Christmas markets and festivals",
        summary=(
            "Liège protects its pedestrian squares during the Christmas village and summer "
            "festivals with certified modular barriers that police and the events service can "
            "set up overnight, instead of concrete blocks and parked lorries."
        ),
        problem=(
            "Vehicle-ramming attacks in Nice (2016) and Berlin (2016) showed that crowded "
            "pedestrian events are exposed. Concrete blocks were slow to place, blocked "
            "emergency vehicles and looked hostile; lorries used as barriers tied up staff."
        ),
        mechanism=(
            "Crash-tested modular elements stop or slow a vehicle at the entrances while "
            "letting pedestrians, wheelchairs and pushchairs through.\n\n"
            "- Gates in the line open for fire engines and ambulances in under a minute.\n"
            "- The layout follows a vehicle dynamics assessment of each square: barriers go "
            "where a vehicle could gather speed.\n"
            "- A visible but friendly design keeps the event welcoming."
        ),
        context=(
            "Liège (about 195,000 inhabitants) hosts one of Belgium's largest Christmas "
            "villages. The local police zone works with the city's events service; the "
            "barriers are owned by the city and lent to event organisers."
        ),
        implementation=(
            "1. 2019: vehicle dynamics assessment of the six main squares with the federal "
            "police.\n2. 2020: joint purchase with a neighbouring municipality.\n"
            "3. Each event: an installation plan signed by the police zone, set up the night "
            "before by the city's technical service, checked by a police officer."
        ),
        resources=(
            "About 180 modular elements (around 400,000 EUR over three years, part-funded by "
            "the EU Internal Security Fund). A team of four installs one square in a night."
        ),
        evaluation=(
            "No incident to evaluate, fortunately. Set-up time fell from two days to one night; "
            "the fire service confirmed access times in exercises; traders' complaints about "
            "blocked deliveries fell sharply."
        ),
        transferability=(
            "Needs a vehicle dynamics assessment per site, storage space, and an agreement "
            "with the fire service on the gates. Shared purchasing makes it affordable for "
            "smaller cities."
        ),
        themes=("security-of-public-spaces", "major-events", "eu-resources-and-guidelines"),
        outcome=OUTCOME.WORKED,
        evaluation_stage=STAGE.LOCAL,
        period_start=dt.date(2019, 11, 1),
        language="fr",
        contact_role="Events and public-space protection cell, Zone de police de Liège",
        links=(
            "https://home-affairs.ec.europa.eu/policies/internal-security/counter-terrorism-and-radicalisation/protection_en",
        ),
    ),
    DemoPractice(
        city="xabia",
        title="Wildfire evacuation simulation with drones in a coastal town",
        summary=(
            "Xàbia's local police run a yearly evacuation exercise of a wooded residential "
            "area, using drones to follow traffic and find residents who did not leave."
        ),
        problem=(
            "Xàbia has about 29,000 inhabitants in winter and several times more in summer, "
            "many in villas on forested hillsides with one road out. A wildfire in 2016 showed "
            "how slowly an area empties, and how many visitors do not understand warnings."
        ),
        mechanism=(
            "Practising the evacuation reveals bottlenecks before a real fire does. Drones give "
            "the command post a live picture of roads and gardens that no patrol can see, and "
            "thermal cameras find people who stayed behind."
        ),
        context=(
            "Small local police force working with the regional fire service, civil "
            "protection volunteers and the neighbourhood associations. Drone flights follow "
            "Spanish aviation rules, with a certified pilot in the force."
        ),
        implementation=(
            "- Spring: choose an area, inform residents in Spanish, Valencian, English, "
            "German and Dutch.\n- Exercise day: sirens and text messages, residents drive to "
            "the assembly point, drones film the routes.\n"
            "- Debrief with residents a week later; road works and signs follow."
        ),
        resources=(
            "Two drones (one thermal), about 15,000 EUR; 40 staff and volunteers per exercise."
        ),
        evaluation=(
            "The 2023 exercise emptied the area in 38 minutes instead of 61 in 2021, after a "
            "second exit road was opened and parked cars were banned on the main slope."
        ),
        transferability=(
            "Any town with wildland-urban interface areas. Needs a trained drone pilot and the "
            "fire service on board; multilingual messages matter in tourist towns."
        ),
        themes=("crisis-management", "citizen-participation", "safety-and-tourism"),
        outcome=OUTCOME.PROMISING,
        evaluation_stage=STAGE.LOCAL,
        period_start=dt.date(2021, 5, 1),
        language="es",
        contact_role="Emergency planning unit, Policía Local de Xàbia",
    ),
    DemoPractice(
        city="bologna",
        title="Participatory security: neighbourhood groups that work with the local police",
        summary=(
            "Bologna's local police meet residents' groups in each neighbourhood every month "
            "to agree on priorities, report problems and follow up on what was done."
        ),
        problem=(
            "Residents felt unheard and set up chat groups that spread rumours and sometimes "
            "targeted people by their appearance. Officers lacked local knowledge."
        ),
        mechanism=(
            "A regular, structured meeting turns complaints into shared priorities, with a "
            "named officer answerable for each. Transparency about results builds trust; the "
            "police's presence keeps the groups away from vigilantism."
        ),
        context=(
            "Bologna (about 390,000 inhabitants) has a long tradition of participatory "
            "democracy. The groups have no police powers; a charter forbids patrols and "
            "photographing people."
        ),
        implementation=(
            "Neighbourhood officers were trained in facilitation; each group signs the charter; "
            "meetings happen in libraries and community centres; a public dashboard shows "
            "reported issues and their status."
        ),
        resources="Officers' time (about 8 hours a month each), a part-time coordinator.",
        evaluation=(
            "A survey by the University of Bologna found higher trust in the local police "
            "among participants; reports of anti-social behaviour became more precise."
        ),
        transferability=(
            "Works where residents are already organised. The charter and the facilitation "
            "training are essential to avoid vigilantism."
        ),
        themes=("citizen-participation", "polarisation"),
        outcome=OUTCOME.PROMISING,
        evaluation_stage=STAGE.INDEPENDENT,
        period_start=dt.date(2018, 3, 1),
        language="it",
        contact_role="Community policing unit, Polizia Locale di Bologna",
    ),
    DemoPractice(
        city="tallinn",
        title="Night patrols in the Old Town during the tourist season",
        summary=(
            "Tallinn's municipal police patrol the Old Town on foot on summer weekend nights, "
            "with mediators from the youth services, to calm conflicts around bars."
        ),
        problem=(
            "Stag parties and large groups of visitors caused noise, fights and damage in the "
            "medieval Old Town, where 4,000 people live."
        ),
        mechanism=(
            "A visible, friendly presence at closing time prevents escalation; mediators "
            "talk to groups before officers need to act."
        ),
        context="Municipal police without powers of arrest; the state police handle serious crime.",
        implementation=(
            "Fridays and Saturdays, 22:00 to 04:00, June to August. Joint briefing with the state "
            "police and bar owners; radio link to CCTV operators."
        ),
        resources="Six officers and two mediators per night.",
        evaluation="Noise complaints fell by a quarter between 2022 and 2023 (city figures).",
        transferability=(
            "Needs bar owners' cooperation and a clear split of tasks with the state police."
        ),
        themes=("safe-nightlife", "safety-and-tourism"),
        outcome=OUTCOME.PROMISING,
        evaluation_stage=STAGE.LOCAL,
        period_start=dt.date(2022, 6, 1),
        visibility=Visibility.NETWORK,
        language="et",
        contact_role="Public order department, Tallinna Munitsipaalpolitsei Amet",
        state=SUBMITTED,
    ),
    DemoPractice(
        city="riga",
        title="A tourism police unit for the historic centre",
        summary=(
            "Riga's municipal police created a unit of multilingual officers who help "
            "visitors, prevent scams and pickpocketing, and handle tourists' complaints."
        ),
        problem=(
            "Visitors were targeted by overcharging bars and pickpockets and rarely reported "
            "it; complaints did not reach the police in a usable form."
        ),
        mechanism=(
            "Officers who speak visitors' languages make reporting easy, and their presence in "
            "known hotspots deters scams. Joint inspections with the consumer rights centre "
            "close the worst venues."
        ),
        context="Capital city of about 600,000; a UNESCO-listed Old Town; many short visits.",
        implementation=(
            "Unit of 20 officers, a reporting desk at the tourist information centre, leaflets in"
            " six languages, joint inspections every month."
        ),
        resources="Twenty officers; language training; an interpreter line for rarer languages.",
        evaluation=(
            "Reported scams fell; visitor surveys rate safety higher. Not independently evaluated."
        ),
        transferability=(
            "Cities with a concentrated tourist area. Language skills are the hard part."
        ),
        themes=("safety-and-tourism", "cooperation-with-private-sector"),
        outcome=OUTCOME.WORKED,
        evaluation_stage=STAGE.LOCAL,
        period_start=dt.date(2016, 4, 1),
        language="lv",
        contact_role="Tourism police unit, Rīgas pašvaldības policija",
    ),
    DemoPractice(
        city="nice",
        title="Exchange officers from partner cities at the Nice Carnival",
        summary=(
            "Officers from PACTESUR partner forces join Nice's municipal police for the "
            "Carnival: they observe the security set-up and patrol with Nice officers."
        ),
        problem=(
            "Big events are rare in each city, so officers have little chance to learn how "
            "they are secured; plans stay local."
        ),
        mechanism=(
            "Learning on a real event, alongside peers, transfers practical know-how that "
            "manuals do not: crowd flows, checkpoints, cooperation with private security."
        ),
        context=(
            "The Carnival gathers over a million visitors over two weeks, with screening "
            "points, barriers and private stewards."
        ),
        implementation=(
            "Applications through the coordinators; a two-day briefing; visitors work in "
            "mixed patrols without enforcement powers; a debrief and a field report."
        ),
        resources="Travel and lodging funded by the project; Nice provides mentors.",
        evaluation="Visiting officers' reports fed the planning of events at home (Turin, Riga).",
        transferability=(
            "Any city hosting a large event can host; an agreement on status and insurance is "
            "needed."
        ),
        themes=("major-events", "cooperation-among-police-forces"),
        outcome=OUTCOME.PROMISING,
        evaluation_stage=STAGE.NOT_EVALUATED,
        period_start=dt.date(2024, 2, 1),
        language="fr",
        contact_role="International relations, Police municipale de Nice",
    ),
    DemoPractice(
        city="madrid",
        title="A security perimeter for the Plaza Mayor Christmas market",
        summary=(
            "Madrid's municipal police protect the Plaza Mayor Christmas market with a "
            "perimeter of barriers, counted entry and mixed police and private patrols."
        ),
        problem="Overcrowding at peak hours and the risk of vehicle attacks in a closed square.",
        mechanism=(
            "Controlled entrances keep the crowd below the square's safe capacity; barriers "
            "adapted from Liège's model stop vehicles at the access streets."
        ),
        context=(
            "Historic square with nine arched entrances; over 100 stalls; weeks of high attendance."
        ),
        implementation=(
            "Entry counting with sensors, one-way flows at peak hours, radio link with "
            "stallholders' private security, daily briefing."
        ),
        resources="Barriers (rented), counting sensors, 30 officers per shift at peak times.",
        evaluation="No overcrowding incident since 2022; evaluated locally with attendance data.",
        transferability=(
            "Needs sensors or staff to count, and enough exits; see Liège for the barriers."
        ),
        themes=("major-events", "security-of-public-spaces", "cooperation-with-private-sector"),
        outcome=OUTCOME.WORKED,
        evaluation_stage=STAGE.LOCAL,
        period_start=dt.date(2022, 11, 25),
        visibility=Visibility.POLICE,
        language="es",
        contact_role="Major events unit, Policía Municipal de Madrid",
    ),
    DemoPractice(
        city="madrid",
        title="Text-message warnings to visitors did not reduce pickpocketing",
        summary=(
            "Madrid sent visitors who connected to the city's free wi-fi a warning about "
            "pickpockets, in five languages. Thefts reported in the area did not fall."
        ),
        problem="Pickpocketing on the metro and around Puerta del Sol, mostly of visitors.",
        mechanism=(
            "The idea was that warned visitors would guard their belongings. Most recipients "
            "dismissed the message as advertising, and thieves simply targeted other people."
        ),
        context="Municipal wi-fi with about 40,000 connections a day in the centre.",
        implementation="Six months in 2023; messages on connection, in Spanish, English, French, "
        "German and Chinese; posters at metro exits.",
        resources="Low: message design and translation, about 8,000 EUR.",
        evaluation=(
            "Thefts reported in the area over the six months were within the range of the "
            "three previous years. A short survey found few visitors remembered the message. "
            "Shared as a null result: patrols and plain-clothes teams worked better."
        ),
        transferability=(
            "Lesson for others: a message alone does not change behaviour; if you try it, "
            "pair it with visible patrols and measure recall."
        ),
        themes=("safety-and-tourism",),
        outcome=OUTCOME.DID_NOT_WORK,
        evaluation_stage=STAGE.LOCAL,
        period_start=dt.date(2023, 3, 1),
        period_end=dt.date(2023, 8, 31),
        language="es",
        contact_role="Tourism safety office, Policía Municipal de Madrid",
    ),
    DemoPractice(
        city="turin",
        title="Football-match stewarding with private security around the stadium",
        summary=(
            "Turin's local police and the clubs' private stewards share one plan for match "
            "days: who controls which street, and how supporters reach the stadium."
        ),
        problem="Clashes between supporter groups on the way to the stadium; unclear roles.",
        mechanism="A single plan and a joint control room avoid gaps and duplicated effort.",
        context="Two major clubs; stewards employed by the clubs; state police for public order.",
        implementation=(
            "Joint planning meeting before each high-risk match, shared radio channel, separate "
            "routes for away supporters."
        ),
        resources="Club stewards (paid by clubs), 40 local police officers on high-risk days.",
        evaluation="Fewer incidents on access routes in 2023 than 2022 (match reports).",
        transferability="Needs a formal agreement with the clubs and the prefecture.",
        themes=("major-events", "cooperation-with-private-sector"),
        outcome=OUTCOME.PROMISING,
        evaluation_stage=STAGE.LOCAL,
        period_start=dt.date(2022, 8, 1),
        visibility=Visibility.POLICE,
        language="it",
        contact_role="Major events unit, Polizia Locale di Torino",
        state=CHANGES,
        moderator_message=(
            "Please say on what legal basis the stewards direct supporters in public streets, "
            "and give the number of officers and stewards on a typical high-risk day."
        ),
    ),
    DemoPractice(
        city="brussels",
        title="Nightlife mediators in the city centre (safe.brussels)",
        summary=(
            "Brussels' regional prevention agency funds night mediators who work in nightlife "
            "areas, help people in distress and defuse conflicts before the police are needed."
        ),
        problem=(
            "Harassment, intoxication and conflicts in nightlife areas; reluctance to call the "
            "police."
        ),
        mechanism=(
            "Trained civilians are approachable; they refer serious cases to police and health "
            "services."
        ),
        context=(
            "A regional prevention agency coordinating 19 municipalities; mediators are not police."
        ),
        implementation=(
            "Teams of two from 22:00 to 05:00 on weekends; training on harassment and first aid."
        ),
        resources="Regional prevention budget; about 30 mediators across the region.",
        evaluation="Being evaluated by a university partner (results expected).",
        transferability="Needs a body that can employ civilians and clear referral protocols.",
        themes=("safe-nightlife", "citizen-participation"),
        outcome=OUTCOME.NEW,
        evaluation_stage=STAGE.NOT_EVALUATED,
        period_start=dt.date(2023, 9, 1),
        language="fr",
        contact_role="Nightlife unit, safe.brussels",
    ),
    DemoPractice(
        city="gdansk",
        title="City guards supporting refugee arrivals at the main railway station",
        summary=(
            "In 2022 Gdańsk's city guard organised round-the-clock support at the railway "
            "station for people fleeing the war in Ukraine, with volunteers and NGOs."
        ),
        problem="Thousands of arrivals a day, exploitation risks, and an overwhelmed station.",
        mechanism=(
            "A visible, uniformed point of contact directs people to help and deters predators."
        ),
        context=(
            "City guard (Straż Miejska) without investigative powers; NGOs and volunteers on site."
        ),
        implementation=(
            "Shifts of guards with Ukrainian-speaking volunteers; registration of offers of "
            "transport and lodging; link to the state police for suspicious offers."
        ),
        resources="Guards' overtime; a container office; NGO volunteers.",
        evaluation="Not evaluated; lessons written up after six months.",
        transferability="Stations and ports receiving arrivals. Vetting of private offers is key.",
        themes=("refugee-and-migrant-arrivals", "crisis-management"),
        outcome=OUTCOME.PROMISING,
        evaluation_stage=STAGE.NOT_EVALUATED,
        period_start=dt.date(2022, 2, 26),
        period_end=dt.date(2022, 12, 31),
        visibility=Visibility.NETWORK,
        language="pl",
        contact_role="Prevention department, Straż Miejska w Gdańsku",
        state=CHANGES,
        moderator_message=(
            "Thank you, this is very useful. Please remove the volunteers' names from the "
            "implementation section and add the costs."
        ),
    ),
    DemoPractice(
        city="lisbon",
        title="Multilingual patrols in tourist areas",
        summary=(
            "Lisbon's municipal police patrol Baixa and Alfama with officers who speak "
            "English, Spanish, French and German, and a phone interpretation line."
        ),
        problem="Visitors could not report thefts or scams; officers could not explain rules.",
        mechanism="Being understood makes visitors report and comply; patrols deter pickpockets.",
        context="Tourist areas with narrow streets, trams and viewpoints; seasonal peaks.",
        implementation=(
            "Language assessment of officers, badges showing languages spoken, an interpretation "
            "line for other languages."
        ),
        resources="Language courses for 60 officers; interpretation contract.",
        evaluation="Started in 2024; monitoring of reports by language under way.",
        transferability="Easy to start; needs language courses and a badge system.",
        themes=("safety-and-tourism",),
        outcome=OUTCOME.NEW,
        evaluation_stage=STAGE.NOT_EVALUATED,
        period_start=dt.date(2024, 4, 1),
        language="pt",
        contact_role="Tourism and public-space division, Polícia Municipal de Lisboa",
        state=SUBMITTED,
    ),
    DemoPractice(
        city="budapest-vii",
        title="More CCTV cameras in the party district did not reduce night-time assaults",
        summary=(
            "Erzsébetváros doubled the number of CCTV cameras in its nightlife streets. "
            "Night-time assaults did not fall; the money has since gone to street staff."
        ),
        problem="Assaults and robberies at night in the ruin-bar district.",
        mechanism=(
            "The expectation was deterrence and faster response. In practice, most assaults "
            "happened in crowds or side streets and were impulsive: cameras did not deter them."
        ),
        context=(
            "A dense inner-city district of about 49,000 residents; a public-space inspectorate."
        ),
        implementation=(
            "40 new cameras in 2019 and 2020, monitored from the district's control room."
        ),
        resources="About 600,000 EUR including the control room's staff for two years.",
        evaluation=(
            "Comparing two years before and after with police data, night-time assaults did "
            "not change significantly; footage helped in some investigations. A null result, "
            "shared so others can plan better."
        ),
        transferability=(
            "Lesson for others: pair cameras with people on the street and with venue "
            "licensing; do not expect cameras alone to prevent impulsive violence."
        ),
        themes=("safe-nightlife", "security-of-public-spaces"),
        outcome=OUTCOME.DID_NOT_WORK,
        evaluation_stage=STAGE.LOCAL,
        period_start=dt.date(2019, 3, 1),
        period_end=dt.date(2021, 12, 31),
        language="hu",
        contact_role="Public-space inspectorate, Erzsébetváros",
    ),
)

# (adopting city, practice title, kind, note)
ADOPTIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "madrid",
        "Modular anti-ramming barriers for Christmas markets and festivals",
        Adoption.Kind.ADAPTED,
        "We adapted Liège's layout method for the Plaza Mayor Christmas market in 2022, with "
        "rented barriers and counted entry.",
    ),
    (
        "tallinn",
        "A tourism police unit for the historic centre",
        Adoption.Kind.ADAPTED,
        "Two multilingual officers now join our Old Town summer patrols; scam reports rose "
        "at first, as visitors found it easier to report.",
    ),
    (
        "turin",
        "Exchange officers from partner cities at the Nice Carnival",
        Adoption.Kind.ADOPTED,
        "Our officers joined the Carnival in 2024 and we now host exchange officers on derby days.",
    ),
)


def _data(item: DemoPractice, themes: dict[str, Theme]) -> dict[str, Any]:
    return {
        "title": item.title,
        "summary": f"{item.summary}\n\n{DEMO_NOTE}",
        "problem": item.problem,
        "mechanism": item.mechanism,
        "context": item.context,
        "implementation": item.implementation,
        "resources": item.resources,
        "evaluation": item.evaluation,
        "transferability": item.transferability,
        "outcome": item.outcome,
        "evaluation_stage": item.evaluation_stage,
        "themes": [themes[slug] for slug in item.themes if slug in themes],
        "period_start": item.period_start,
        "period_end": item.period_end,
        "original_language": item.language,
        "contact_role": item.contact_role,
        "links": list(item.links),
        "visibility": item.visibility,
    }


def _create(item: DemoPractice, data: dict[str, Any], author: User, moderator: User) -> Practice:
    practice = practice_create(by=author, data=data, is_demo=True)
    if item.state in (PUBLISHED, SUBMITTED, CHANGES):
        moderation_submit(obj=practice, by=author)
    if item.state == PUBLISHED:
        moderation_publish(obj=practice, by=moderator)
    elif item.state == CHANGES:
        moderation_request_changes(obj=practice, by=moderator, message=item.moderator_message)
    return practice


def generated(n: int, cities: list[str], themes: list[Theme]) -> DemoPractice:
    """The n-th generated practice, for volume (``counts["practices"]``)."""
    theme = themes[n % len(themes)]
    city = cities[n % len(cities)]
    words = theme.name.lower()
    return DemoPractice(
        city=city,
        title=f"Generated demo practice {n}: {theme.name}",
        summary=f"A generated practice on {words}, for volume in the demo.",
        problem=f"A recurring problem of {words} in a busy district.",
        mechanism="Officers and partners act together, earlier, where the problem concentrates.",
        context="A mid-sized city; the local police work with the city's services.",
        implementation="Planning, a pilot in one district, then extension.",
        resources="Officers' time and a small budget.",
        evaluation="Monitored with local figures.",
        transferability="Needs partners willing to share data.",
        themes=(theme.slug,),
        outcome=list(OUTCOME)[n % len(OUTCOME)],
        evaluation_stage=list(STAGE)[n % len(STAGE)],
        period_start=dt.date(2015 + n % 10, 1 + n % 12, 1),
        visibility=list(Visibility)[n % len(Visibility)],
    )


def seed(*, counts: dict[str, Any], stdout: Any) -> None:
    """Create the demo practices and adoptions: see the module's docstring."""
    moderator = demo_moderator()
    themes = {t.slug: t for t in Theme.objects.all()}
    authors: dict[str, User] = {}

    def author(city_slug: str) -> User:
        if city_slug not in authors:
            authors[city_slug] = demo_coordinator(city_slug, moderator)
        return authors[city_slug]

    cities = list(counts.get("cities") or [])
    # Only the chosen cities (``--cities``): seed_demo makes their people, nobody else's.
    items = [item for item in PRACTICES if item.city in cities]
    extra = int(counts.get("practices") or 0)
    if extra:
        theme_list = list(themes.values())
        items += [generated(n, cities or ["nice"], theme_list) for n in range(1, extra + 1)]
    titles = [item.title for item in items]
    existing = set(Practice.objects.filter(title__in=titles).values_list("title", flat=True))
    created = 0
    for item in items:
        if item.title in existing:
            continue
        with transaction.atomic():
            _create(item, _data(item, themes), author(item.city), moderator)
        existing.add(item.title)
        created += 1

    adopted = 0
    for city_slug, title, kind, note in ADOPTIONS:
        if city_slug not in cities:
            continue
        practice = Practice.objects.filter(title=title, status=Status.PUBLISHED).first()
        city = City.objects.get(slug=city_slug)
        if practice is None or Adoption.objects.filter(practice=practice, city=city).exists():
            continue
        adoption_create(practice=practice, by=author(city_slug), kind=kind, outcome_note=note)
        adopted += 1
    stdout.write(
        f"  practices: {created} created, {adopted} adoptions recorded "
        "(the others were already there)"
    )
    stdout.write(f"  moderators' desk: {_desk(cities, author)}")


def _desk(cities: list[str], author: Any) -> str:
    """What an Efus moderator finds on the desk besides the submitted practices: an edit of a
    published practice waiting, a practice reported by members of two other cities (hidden until
    a moderator decides), and one past its review date. Safe to re-run: each is made once."""
    published = list(
        Practice.objects.filter(is_demo=True, status=Status.PUBLISHED, city__slug__in=cities)
        .select_related("city")
        .order_by("published_at", "pk")[:3]
    )
    if len(published) < 3:
        return "not enough published practices"
    edited, reported, overdue = published
    done = []
    if not ModerationEvent.objects.for_object(edited).filter(action="revise").exists():
        practice_update(
            practice=edited,
            by=author(edited.city.slug),
            data={"summary": f"{edited.summary}\n\nUpdated: the scheme now runs all year."},
        )
        done.append(f"an edit of “{edited}”")
    if not Report.objects.for_object(reported).exists():
        others = [slug for slug in cities if slug != reported.city.slug][:2]
        emails = [demo_email(f"officer{i}.{slug}") for i in (1, 2) for slug in others][:3]
        reporters = User.objects.filter(email__in=emails, is_active=True)
        reasons = [Report.Reason.OUTDATED, Report.Reason.INACCURATE, Report.Reason.OUTDATED]
        for reporter, reason in zip(reporters, reasons, strict=False):
            if reporter.is_member:
                report_create(obj=reported, by=reporter, reason=reason, comment="Demo report.")
        done.append(f"reports of “{reported}”")
    today = timezone.localdate()
    # Published today by the demo: its review date is set back, as if 18 months had passed.
    if Practice.objects.filter(pk=overdue.pk, review_by__gte=today).update(
        review_by=today - dt.timedelta(days=30)
    ):
        done.append(f"“{overdue}” past its review date")
    return ", ".join(done) or "already there"
