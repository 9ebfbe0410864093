"""The R-indicator and the partial indicators of the response (Schouten, Cobben & Bethlehem
2009; Schouten, Shlomo & Skinner 2011): closed forms, an independent logistic fit
(statsmodels, on the frame's units) and the spread of redrawn responses."""

import numpy as np
import pandas as pd
import pytest
from navpartner.errors import InputError
from navpartner.representativity import cell_table, r_indicators
from numpy.testing import assert_allclose
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM


def by_key(rows):
    return {(r["indicator"], r["variable"], r["category"]): r for r in rows}


def test_one_variable_gives_the_closed_form():
    # A single variable saturates the model: each category's propensity is its response rate.
    frame, respondents = np.array([100.0, 300, 600]), np.array([50.0, 90, 120])
    rows = by_key(r_indicators(frame, respondents, {"size": np.array(["a", "b", "c"])}, 20))
    rates, mean = respondents / frame, respondents.sum() / frame.sum()
    between = (frame * (rates - mean) ** 2).sum()
    assert_allclose(rows["R", "", ""]["value"], 1 - 2 * np.sqrt(between / (frame.sum() - 1)))
    assert_allclose(rows["partial_unconditional", "size", ""]["value"], np.sqrt(between / 1000))
    assert_allclose(
        rows["partial_unconditional", "size", "a"]["value"], np.sqrt(0.1) * (0.5 - mean)
    )


def test_propensities_equal_an_independent_logistic_fit_on_the_units():
    rng = np.random.default_rng(8)
    cells = pd.MultiIndex.from_product([["a", "b", "c"], ["x", "y"], ["p", "q", "r", "s"]])
    frame = rng.integers(20, 200, len(cells)).astype(float)
    true = 1 / (1 + np.exp(-rng.normal(-0.7, 0.6, len(cells))))
    respondents = rng.binomial(frame.astype(int), true).astype(float)
    levels = {f"v{i}": cells.get_level_values(i).to_numpy(str) for i in range(3)}
    rows = by_key(r_indicators(frame, respondents, levels, 10))
    # statsmodels on one row per frame member: responded or not, main effects of v0-v2
    units = pd.DataFrame(levels).loc[np.repeat(np.arange(len(cells)), frame.astype(int))]
    answered = np.concatenate(
        [
            np.r_[np.ones(int(r)), np.zeros(int(n - r))]
            for n, r in zip(frame, respondents, strict=True)
        ]
    )
    design = pd.get_dummies(units, drop_first=True).astype(float).assign(const=1.0)
    rho = GLM(answered, design, family=families.Binomial()).fit(tol=1e-13).fittedvalues
    expected = 1 - 2 * np.std(rho, ddof=1)
    assert_allclose(rows["R", "", ""]["value"], expected, rtol=1e-9)
    by_v1 = pd.Series(np.asarray(rho)).groupby(units["v1"].to_numpy()).mean()
    share = units["v1"].value_counts(normalize=True).sort_index()
    assert_allclose(
        rows["partial_unconditional", "v1", "y"]["value"],
        np.sqrt(share["y"]) * (by_v1["y"] - np.mean(rho)),
        rtol=1e-9,
    )


def test_the_standard_error_is_the_spread_of_redrawn_responses():
    frame = np.array([400.0, 400, 400, 400])
    true = np.array([0.2, 0.3, 0.4, 0.5])
    levels = {"group": np.array(["a", "b", "c", "d"])}
    respondents = np.round(frame * true)
    rows = by_key(r_indicators(frame, respondents, levels, 400, seed=1))
    rng = np.random.default_rng(99)
    spread = np.std(
        [
            by_key(r_indicators(frame, rng.binomial(400, true).astype(float), levels, 0))[
                "R", "", ""
            ]["value"]
            for _ in range(1000)
        ],
        ddof=1,
    )
    assert 0.85 < rows["R", "", ""]["se"] / spread < 1.15


@pytest.mark.bad_input
def test_respondents_outside_the_frames_cells_are_named():
    population = pd.DataFrame({"role": ["a", "b"], "count": [10.0, 10.0]})
    respondents = pd.DataFrame({"role": ["a", "c"]})
    with pytest.raises(InputError, match=r"m\.csv: variable 'role' - respondents in a cell"):
        cell_table(population, respondents, ["role"], "m.csv")
    with pytest.raises(InputError, match="more respondents than the frame counts"):
        cell_table(
            population.assign(count=[1.0, 1.0]),
            pd.DataFrame({"role": ["a"] * 2}),
            ["role"],
            "m.csv",
        )
