"""Publication of the findings: p-values as printed, the diverging layout, suppression of
distributions and contrasts, flags and n in figures, the wave colours, the model's terms."""

import copy

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from navpartner.config import distribution_figures, theme_indicators
from navpartner.config.views import DISTRIBUTION_PANELS
from navpartner.publish import figures
from navpartner.publish.findings import (
    distribution_figure,
    model_term_label,
    p_text,
    published_contrasts,
    published_distributions,
    scale_layout,
)
from navpartner.publish.labels import Labels


@pytest.fixture(scope="module")
def english(config):
    changed = copy.deepcopy(config)
    changed["publication"]["language"] = "en"
    return changed


def test_p_values_print_below_a_thousandth_as_less_than(config, english):
    nb, en = Labels(config), Labels(english)
    assert p_text(nb, 0.0000004) == "< 0,001"
    assert p_text(en, 0.0004) == "< 0.001"
    assert p_text(nb, 0.0123) == "0,012"
    assert p_text(en, 0.001) == "0.001"
    assert p_text(nb, float("nan")) == ""


def test_scales_split_around_their_middle():
    assert scale_layout([1, 2, 3, 4, 5]) == ([1, 2], 3, [4, 5])
    assert scale_layout([0, 1]) == ([0], None, [1])
    assert scale_layout([4, 1, 3, 2]) == ([1, 2], None, [3, 4])


def distribution_rows(n_by_group: dict[str, int]) -> pd.DataFrame:
    rows = []
    for group, n in n_by_group.items():
        for category, share in ((1, 0.2), (5, 0.7), (9, 0.1)):
            rows.append(
                {
                    "indicator": "likeverdig_kontorledere",
                    "survey": "kontor",
                    "wave": 2019,
                    "breakdown": "leadership" if group != "total" else "total",
                    "group": group,
                    "category": category,
                    "n": n,
                    "n_category": round(n * share),
                    "estimate": share,
                    "se": 0.05,
                    "ci_low": share - 0.1,
                    "ci_high": share + 0.1,
                    "df": 30,
                    "method": "korn_graubard",
                    "unanswered": 1,
                    "estimate_unweighted": share,
                    "n_effective": 40,
                    "flagged": category == 9,
                }
            )
    return pd.DataFrame(rows)


def test_a_small_group_hides_its_distribution_and_one_more(config):
    table = published_distributions(
        distribution_rows({"total": 60, "enhetlig": 3, "todelt": 57}), config
    )
    marks = table.drop_duplicates("group").set_index("group")["suppressed"]
    assert marks.to_dict() == {"total": "", "enhetlig": "primary", "todelt": "secondary"}
    hidden = table[table["suppressed"] != ""]
    assert hidden[["n", "percent", "ci_low", "ci_high", "unanswered"]].isna().all().all()
    assert not hidden["flagged"].any()
    shown = table[table["group"] == "total"]
    assert list(shown["percent"]) == [20.0, 70.0, 10.0]
    assert list(shown["category_label"]) == ["Helt uenig", "Helt enig", "Vet ikke"]
    assert list(shown["flagged"]) == [False, False, True]


def test_distribution_labels_follow_the_language(english):
    table = published_distributions(distribution_rows({"total": 60}), english)
    assert list(table["category_label"]) == ["Strongly disagree", "Strongly agree", "Don't know"]


def test_contrasts_are_hidden_where_a_compared_cell_is(config):
    published = pd.DataFrame(
        {
            "indicator": "likeverdig_kontorledere",
            "wave": 2019,
            "breakdown": "leadership",
            "group": ["enhetlig", "todelt"],
            "suppressed": ["", "primary"],
        }
    )
    contrasts = pd.DataFrame(
        {
            "kind": "group",
            "indicator": "likeverdig_kontorledere",
            "indicator_reference": "likeverdig_kontorledere",
            "survey": "kontor",
            "wave": 2019,
            "wave_reference": 2019,
            "breakdown": "leadership",
            "group": "todelt",
            "reference": "enhetlig",
            "estimate": [0.5],
            "estimate_reference": [0.4],
            "difference": [0.1],
            "se": [0.05],
            "df": [30.0],
            "ci_low": [0.0],
            "ci_high": [0.2],
            "p_value": [0.05],
            "p_adjusted": [0.1],
            "method": "linearised",
        }
    )
    table = published_contrasts(contrasts, published, config)
    assert table["suppressed"].iloc[0] == "primary"
    assert table[["difference", "p_value", "p_adjusted"]].isna().all().all()
    shown = published_contrasts(contrasts, published.assign(suppressed=""), config)
    assert shown["difference"].iloc[0] == 10.0


def test_secondary_suppression_is_named_as_such_in_figures(config):
    labels = Labels(config)
    cells = {2011: {"suppressed": "secondary"}, 2019: {"suppressed": "primary"}}
    marks = figures._cell_marks(cells, [2011, 2019], labels)
    assert "2011: vises ikke (:) – skjult for å verne en liten celle" in marks
    assert "2019: vises ikke (:) – n < 5" in marks


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of a colour against white."""
    rgb = np.array(mcolors.to_rgb(colour))
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    luminance = linear @ [0.2126, 0.7152, 0.0722]
    return 1.05 / (luminance + 0.05)


def test_every_wave_colour_is_visible_on_white_and_the_waves_differ(config):
    colours = figures.wave_colours(config)
    markers = figures.wave_markers(config)
    assert len(set(colours.values())) == len(colours)
    assert len(set(markers.values())) == len(markers)  # apart in greyscale too
    for colour in colours.values():
        assert contrast_with_white(colour) >= 2.0, colour
    # The old first wave (a light blue) failed this.
    assert contrast_with_white("#9ecae1") < 2.0


def test_model_terms_are_named_for_readers(config, english):
    nb, en = Labels(config), Labels(english)
    assert model_term_label(config, nb, "employer[kommune]") == "Arbeidsgiver: Kommunalt ansatte"
    assert model_term_label(english, en, "wave[2019]") == "Year: 2019"
    assert model_term_label(config, nb, "respondent_group[likeverdig_radmenn]") == "Rådmenn"
    assert model_term_label(english, en, "intercept") == "Intercept"


def test_a_theme_of_many_items_is_split_into_charts_of_few_panels(config):
    theme = "resultater"  # thirteen indicators on five items
    charts = distribution_figures(config, theme)
    assert all(len(indicators) <= DISTRIBUTION_PANELS for _, indicators in charts)
    assert [i for _, indicators in charts for i in indicators] == theme_indicators(config, theme)
    assert len(charts) == -(-len(theme_indicators(config, theme)) // DISTRIBUTION_PANELS)
    for _, indicators in charts:  # an item's indicators stay in one chart
        items = [config["indicators"][i]["item"] for i in indicators]
        others = [
            config["indicators"][i]["item"]
            for name, rest in charts
            if rest is not indicators
            for i in rest
        ]
        assert not set(items) & set(others)
    assert [name for name, _ in charts] == [f"distribution_{theme}_{k}" for k in (1, 2, 3, 4)]
    assert distribution_figures(config, "merarbeid") == [
        ("distribution_merarbeid", ["adm_merarbeid"])
    ]


def totals_of(config: dict, indicators: list[str]) -> pd.DataFrame:
    """Every answer of the indicators' items in two waves, as the estimates give them."""
    rows = []
    for name in indicators:
        spec = config["indicators"][name]
        codes = [*map(int, config["scales"][config["items"][spec["item"]]["scale"]]), 9]
        for wave in (2011, 2019):
            for category in codes:
                share = 1 / len(codes)
                rows.append(
                    {
                        "indicator": name,
                        "survey": spec["survey"],
                        "wave": wave,
                        "breakdown": "total",
                        "group": "total",
                        "category": category,
                        "n": 400,
                        "n_category": 400 * share,
                        "estimate": share,
                        "se": 0.02,
                        "ci_low": share - 0.04,
                        "ci_high": share + 0.04,
                        "df": 60,
                        "method": "korn_graubard",
                        "unanswered": 3,
                        "estimate_unweighted": share,
                        "n_effective": 300,
                        "flagged": False,
                    }
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("language", ["nb", "en"])
def test_answer_chart_panels_keep_their_titles_clear_of_everything(config, language):
    """Each panel's title inside the figure, above its legend and clear of the panel above
    (its bars, ticks and labels) and of its own "vet ikke" column."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    changed = copy.deepcopy(config)
    changed["publication"]["language"] = language
    theme = "samarbeid"  # long titles, one wrapped over two lines
    for k, (_, indicators) in enumerate(distribution_figures(changed, theme), start=1):
        table = published_distributions(totals_of(changed, indicators), changed)
        fig = distribution_figure(table, theme, changed, True, indicators, (k, 2))
        renderer = FigureCanvasAgg(fig).get_renderer()
        width = fig.bbox.width
        axes = [fig.axes[i : i + 2] for i in range(0, len(fig.axes), 2)]
        above = None
        for bars, dont_know in axes:
            title_text = bars._left_title  # the figures' style sets titles on the left
            title = title_text.get_window_extent(renderer)
            assert title.x0 >= 0 and title.x1 <= width, title_text.get_text()
            assert not title.overlaps(dont_know.get_tightbbox(renderer)), title_text.get_text()
            legend = bars.get_legend()
            if legend:
                assert title.y0 >= legend.get_window_extent(renderer).y1 - 1
            if above is not None:
                assert title.y1 < above.get_tightbbox(renderer).y0, title_text.get_text()
            above = bars


def test_a_long_figure_title_wraps_inside_the_figure_above_its_subtitle(config):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    title = "Rådmenn og ordførere som mener kontorets samarbeid med andre kommunale tjenester "
    title += "fungerer godt"
    fig, _ = figures.new_figure((figures.WIDTH, 3.0))
    figures._frame(fig, title, "Prosent, rådmenn og ordførere", [], True, Labels(config))
    renderer = FigureCanvasAgg(fig).get_renderer()
    heading, subtitle = fig.texts[0], fig.texts[1]
    assert "\n" in heading.get_text()
    box = heading.get_window_extent(renderer)
    assert box.x1 <= fig.bbox.width
    assert box.y0 > subtitle.get_window_extent(renderer).y1


def test_an_answer_chart_notes_the_dagger_and_the_colon_only_where_it_shows_them(config):
    indicators = ["likeverdig_radmenn", "likeverdig_kontorledere"]
    rows = totals_of(config, indicators)
    labels = Labels(config)
    dagger = labels.flag_note()
    colon = labels.text("suppressed_note", minimum=config["publication"]["min_cell_size"])

    def notes(rows) -> str:
        table = published_distributions(rows, config)
        fig = distribution_figure(table, "likeverdighet", config, True, indicators)
        return " ".join(text.get_text().replace("\n", " ") for text in fig.texts)

    plain = notes(rows)
    assert " ".join(dagger.split()) not in plain and " ".join(colon.split()) not in plain
    rows.loc[0, "flagged"] = True
    assert " ".join(dagger.split()) in notes(rows)
