"""The synthetic population of one wave: offices, staff, municipal leaders and their true answers.

The model, in the order it is built (figures in parameters.yaml):
1. Offices on the real municipality frame: one per municipality, city districts for the largest
   cities, small neighbours of the same county sharing an office until the office count is met.
2. Office traits: leadership model (unified or split), services beyond the legal minimum,
   staff sized by population served; staff are leaders (one, or two under split leadership,
   one per employer) and advisers, each employed by the state or the municipality.
3. One rådmann and one ordfører per municipality.
4. True answers: a latent score per person and item = calibrated intercept(item, group, wave)
   + covariate effects + municipality climate + office climate + logistic noise, cut into the
   item's answer categories; routing decides who is asked; some answer "vet ikke".
5. Response: a logistic model in the weighting variables, calibrated to the response rate;
   a few respondents break off before the first item.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from navpartner.geo import region_of, size_class
from navpartner.synth.items import DONT_KNOW, ITEMS, NOT_ASKED

# Cut points on the latent scale for five-point items: positive (codes 4, 5) above 0.
FIVE_POINT_CUTS = np.array([-2.4, -1.0, 0.0, 1.6])
# Municipality population classes (SSB's usual classes), used for breakdowns of the truth.
SIZE_BOUNDS = [0, 3000, 5000, 10000, 20000, 50000]
SIZE_LABELS = ["under_3000", "3000_4999", "5000_9999", "10000_19999", "20000_49999", "50000_plus"]


@dataclass
class Population:
    wave: int
    offices: pd.DataFrame  # one row per office
    staff: pd.DataFrame  # office survey frame: one row per staff member, answers, response
    leaders: pd.DataFrame  # municipal survey frame: rådmann and ordfører per municipality


def build_population(
    wave: int, municipalities: pd.DataFrame, regions: pd.DataFrame, params: dict
) -> Population:
    """Build the full synthetic population of one wave, deterministically from params['seed']."""
    rng = np.random.default_rng([params["seed"], wave])
    municipalities = _municipality_traits(municipalities, regions, params, rng)
    offices = _build_offices(wave, municipalities, params, rng)
    staff = _build_staff(wave, offices, params, rng)
    leaders = _build_municipal_leaders(municipalities)
    _draw_answers(staff, "kontor", wave, params, rng)
    _draw_answers(leaders, "kommune", wave, params, rng)
    _draw_response(staff, "kontor", wave, params, rng)
    _draw_response(leaders, "kommune", wave, params, rng)
    return Population(wave, offices, staff, leaders)


def _municipality_traits(municipalities, regions, params, rng) -> pd.DataFrame:
    frame = municipalities.copy()
    frame["region"] = region_of(frame["fylkesnummer"], regions)
    frame["size_class"] = size_class(frame["population"], SIZE_BOUNDS, SIZE_LABELS)
    log_pop = np.log(frame["population"].to_numpy(float))
    frame["log_pop"] = (log_pop - log_pop.mean()) / log_pop.std()
    frame["climate"] = rng.normal(0.0, params["attitudes"]["municipality_sd"], len(frame))
    return frame


def _build_offices(wave, municipalities, params, rng) -> pd.DataFrame:
    spec = params["offices"]
    # Each municipality starts as its own office; big cities are split into districts.
    districts = np.where(
        municipalities["population"] >= spec["district_threshold"],
        np.rint(municipalities["population"] / spec["district_population"]).astype(int),
        1,
    )
    host = np.arange(
        len(municipalities)
    )  # host[i]: index of the municipality whose office serves i
    surplus = int(districts.sum()) - spec["target_count"][wave]
    if surplus < 0:
        raise ValueError(f"{wave}: frame gives {districts.sum()} offices, fewer than the target")
    _share_small_offices(
        municipalities, host, surplus, spec["max_municipalities_per_shared_office"], rng
    )

    rows = []
    for index in np.flatnonzero(host == np.arange(len(municipalities))):
        members = np.flatnonzero(host == index)
        served = municipalities.iloc[members]
        for district in range(districts[index]):
            rows.append(
                {
                    "host": index,
                    "kommunenummer": municipalities["kommunenummer"].iat[index],
                    "municipalities": len(members),
                    "district": district,
                    "population_served": served["population"].sum() / districts[index],
                    "climate": served["climate"].mean(),
                }
            )
    offices = pd.DataFrame(rows)
    host_traits = municipalities.iloc[offices["host"]].reset_index(drop=True)
    offices["fylkesnummer"] = host_traits["fylkesnummer"]
    offices["region"] = host_traits["region"]
    offices["size_class"] = host_traits["size_class"]
    offices["log_pop"] = host_traits["log_pop"]
    offices = offices.drop(columns="host")
    offices.insert(0, "office", np.arange(len(offices)))

    n = len(offices)
    offices["unified"] = (rng.random(n) >= spec["split_leadership_share"][wave]).astype(int)
    broader = spec["services_mean"][wave] * np.exp(0.25 * offices["log_pop"])
    offices["services"] = np.minimum(rng.poisson(broader), 6)
    offices["climate"] += rng.normal(0.0, params["attitudes"]["office_sd"], n)
    return offices


def _share_small_offices(municipalities, host, merges_needed, max_members, rng) -> None:
    """Let `merges_needed` small municipalities be served by a neighbour in their county.

    Neighbour means the nearest municipality number in the same county that keeps its own
    office: numbers follow geography closely enough for synthetic data.
    """
    population = municipalities["population"].to_numpy(float)
    county = municipalities["fylkesnummer"].to_numpy()
    # Smaller municipalities are likelier to share; the jitter keeps it from being a strict order.
    order = np.argsort(np.log(population) + rng.normal(0.0, 0.5, len(population)))
    members = np.ones(len(population), dtype=int)
    merged = 0
    for candidate in order:
        if merged == merges_needed:
            return
        if host[candidate] != candidate or members[candidate] > 1:
            continue
        same_county = np.flatnonzero((county == county[candidate]) & (host == np.arange(len(host))))
        same_county = same_county[(same_county != candidate) & (members[same_county] < max_members)]
        if same_county.size == 0:
            continue
        partner = same_county[np.argmin(np.abs(same_county - candidate))]
        host[candidate] = partner
        members[partner] += 1
        merged += 1
    raise ValueError(f"could only share {merged} of {merges_needed} offices")


def _build_staff(wave, offices, params, rng) -> pd.DataFrame:
    spec = params["staff"]
    minimum = spec["minimum_per_office"]
    per_inhabitant = (spec["target_total"][wave] - minimum * len(offices)) / offices[
        "population_served"
    ].sum()
    headcount = minimum + rng.poisson(per_inhabitant * offices["population_served"].to_numpy())
    log_staff = np.log(headcount)
    offices["staff"] = headcount
    offices["log_staff"] = (log_staff - log_staff.mean()) / log_staff.std()

    staff = offices.loc[np.repeat(offices.index, headcount)].reset_index(drop=True)
    position = staff.groupby("office").cumcount().to_numpy()
    n_leaders = np.where(staff["unified"] == 1, 1, 2)
    staff["role"] = np.where(position < n_leaders, "kontorleder", "veileder")

    municipal_leader = rng.random(len(staff)) < params["offices"]["municipal_leader_share"][wave]
    leader_employer = np.where(
        staff["unified"] == 1,
        np.where(municipal_leader, "kommune", "stat"),
        np.where(position == 0, "stat", "kommune"),  # split leadership: one leader per employer
    )
    advisers_municipal = expit(
        logit(spec["municipal_share"][wave])
        + spec["municipal_share_per_service"] * (staff["services"] - staff["services"].mean())
    )
    adviser_employer = np.where(rng.random(len(staff)) < advisers_municipal, "kommune", "stat")
    staff["employer"] = np.where(staff["role"] == "kontorleder", leader_employer, adviser_employer)
    staff.insert(0, "person", np.arange(len(staff)))
    return staff


def _build_municipal_leaders(municipalities) -> pd.DataFrame:
    leaders = pd.concat(
        [municipalities.assign(role="radmann"), municipalities.assign(role="ordforer")],
        ignore_index=True,
    ).sort_values(["kommunenummer", "role"], ignore_index=True)
    leaders.insert(0, "person", np.arange(len(leaders)))
    return leaders


def calibration_group(frame: pd.DataFrame, item: str) -> pd.Series:
    """The group whose population share an item is calibrated to (see parameters.yaml)."""
    if item == "andre_parts_oppgaver":
        return frame["role"] + "_" + frame["employer"]
    return frame["role"]


def _covariates(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    n = len(frame)

    def column(name):
        return frame[name].to_numpy(float) if name in frame else np.zeros(n)

    employer = frame["employer"] if "employer" in frame else pd.Series("", index=frame.index)
    return {
        "log_pop": column("log_pop"),
        "log_staff": column("log_staff"),
        "unified": column("unified"),
        "services": column("services"),
        "municipal": (employer == "kommune").to_numpy(float),
        "radmann": (frame["role"] == "radmann").to_numpy(float),
        "leader": (frame["role"] == "kontorleder").to_numpy(float),
    }


def _draw_answers(frame, survey, wave, params, rng, shifts=None) -> dict:
    """Add one column per item: true answer code, DONT_KNOW, or NOT_ASKED.

    Each group's latent scale is shifted so the target share lies above 0; `shifts` (as
    returned) reuses earlier shifts instead, so that shares vary from draw to draw.
    """
    used = {}
    attitudes = params["attitudes"]
    covariates = _covariates(frame)
    climate = frame["climate"].to_numpy()
    dont_know_rate = frame["role"].map(attitudes["dont_know"]).to_numpy(float)
    for item in ITEMS.values():
        if survey not in item.surveys:
            continue
        asked = item.asked(frame, wave)
        structure = climate + sum(
            effect * covariates[name] for name, effect in attitudes["effects"][item.name].items()
        )
        latent = structure + rng.logistic(size=len(frame))
        groups = calibration_group(frame, item.name)
        for group, target in attitudes["targets"][item.name].items():
            members = asked & (groups == group).to_numpy()
            if members.any() and wave in target:
                # Shift so that exactly the target share of the group lies above 0.
                key = (item.name, group)
                if shifts is None:
                    used[key] = np.quantile(latent[members], 1.0 - target[wave])
                else:
                    used[key] = shifts[key]
                latent[members] -= used[key]
        if item.scale == "yesno":
            answer = (latent > 0).astype(int)
        else:
            answer = np.searchsorted(FIVE_POINT_CUTS, latent, side="left") + 1
        dont_know = rng.random(len(frame)) < dont_know_rate
        answer = np.where(dont_know, DONT_KNOW, answer)
        frame[item.name] = np.where(asked, answer, NOT_ASKED)
    return used


def _draw_response(frame, survey, wave, params, rng) -> None:
    """Add `responds` (answered the survey) and `breakoff` (answered, but no item)."""
    spec = params["response"]
    model = spec[survey]
    region = frame["region"].map(model["region"]).to_numpy(float)
    if survey == "kontor":
        office_effect = rng.normal(0.0, model["office_sd"], frame["office"].max() + 1)
        score = (
            model["leader"] * (frame["role"] == "kontorleder")
            + model["municipal_employee"] * (frame["employer"] == "kommune")
            + model["log_office_staff"] * np.log(frame["staff"])
            + region
            + office_effect[frame["office"]]
        ).to_numpy(float, copy=True)
    else:
        score = (
            model["radmann"] * (frame["role"] == "radmann")
            + model["log_population"] * np.log(frame["population"])
            + region
        ).to_numpy(float, copy=True)
    score += _intercept_for_rate(score, spec["rate"][survey][wave])
    frame["response_probability"] = expit(score)
    frame["responds"] = rng.random(len(frame)) < frame["response_probability"]
    frame["breakoff"] = frame["responds"] & (rng.random(len(frame)) < spec["breakoff_share"])


def _intercept_for_rate(score: np.ndarray, rate: float) -> float:
    """The shift c with mean(expit(score + c)) == rate, by bisection (monotone in c)."""
    low, high = -20.0, 20.0
    for _ in range(100):
        middle = (low + high) / 2
        if expit(score + middle).mean() < rate:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def answer_shifts(population: Population, params: dict) -> dict[str, dict]:
    """Per survey, latent shifts that give the population's climates its target shares."""
    return {
        survey: _draw_answers(
            frame.copy(), survey, population.wave, params, np.random.default_rng(0)
        )
        for frame, survey in ((population.staff, "kontor"), (population.leaders, "kommune"))
    }


def redraw(
    population: Population, params: dict, shifts: dict[str, dict], rng: np.random.Generator
) -> Population:
    """A new draw from the model behind a population: same municipalities, offices and staff;
    new climates, answers and response, with the latent shifts held fixed.

    The population shares then vary from draw to draw around the model's expectation: the
    quantity an interval from a with-replacement clustered design is about.
    """
    attitudes = params["attitudes"]
    municipal = rng.normal(0.0, attitudes["municipality_sd"], 10_000)  # by kommunenummer
    office = rng.normal(0.0, attitudes["office_sd"], population.staff["office"].max() + 1)
    staff, leaders = population.staff.copy(), population.leaders.copy()
    staff["climate"] = municipal[staff["kommunenummer"].astype(int)] + office[staff["office"]]
    leaders["climate"] = municipal[leaders["kommunenummer"].astype(int)]
    for frame, survey in ((staff, "kontor"), (leaders, "kommune")):
        _draw_answers(frame, survey, population.wave, params, rng, shifts[survey])
        _draw_response(frame, survey, population.wave, params, rng)
    return Population(population.wave, population.offices, staff, leaders)
