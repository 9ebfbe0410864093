"""The config is validated by its JSON schema and by the rules that span keys."""

import copy

import pytest
from navpartner.config import check_config, survey_waves, wave_spec
from navpartner.config.consistency import check_survey_sources
from navpartner.config.overlay import merged_config, remove_nulls
from navpartner.errors import ConfigError


def test_shipped_config_is_valid(config):
    assert survey_waves(config) == [
        ("kommune", 2011),
        ("kommune", 2019),
        ("kontor", 2011),
        ("kontor", 2019),
    ]


def broken(config, change):
    config = copy.deepcopy(config)
    change(config)
    return config


CASES = [
    # (change, words the message must hold)
    (
        lambda c: c["surveys"]["kontor"]["waves"][2019].update(dont_knw=[6]),
        ["surveys.kontor.waves.2019", "dont_knw"],
    ),
    (
        lambda c: c["surveys"]["kontor"]["waves"][2019]["items"]["likeverdig"].update(revers=True),
        ["surveys.kontor.waves.2019.items.likeverdig", "revers"],
    ),
    (lambda c: c["geography"].update(region="x.csv"), ["geography", "region"]),
    (
        lambda c: c["surveys"]["kommune"]["waves"][2011].update(format="xlsx"),
        ["surveys.kommune.waves.2011.format", "xlsx"],
    ),
    (
        lambda c: c["items"]["likeverdig"].update(scale="agreee"),
        ["items.likeverdig.scale", "agreee"],
    ),
    (
        lambda c: c["surveys"]["kontor"]["waves"][2011].update(absent=[]),
        ["surveys.kontor.waves.2011", "teammal_klare", "neither mapped"],
    ),
    (
        lambda c: c["surveys"]["kontor"]["waves"][2011]["background"]["role"].update(
            codes={1: "kontorleder", 2: "veilder"}
        ),
        ["surveys.kontor.waves.2011.background.role.codes.2", "veilder"],
    ),
    (
        lambda c: c["surveys"]["kontor"]["waves"][2019]["items"]["team_blandet"].update(
            codes={1: 1, 2: 2}
        ),
        ["items.team_blandet.codes.2", "[0, 1]"],
    ),
    (
        lambda c: c["surveys"]["kontor"]["waves"][2019]["items"]["team_blandet"].update(
            reverse=True
        ),
        ["team_blandet.reverse", "five-point"],
    ),
    (
        lambda c: c["surveys"]["kommune"]["waves"][2019]["background"].pop("kommunenummer"),
        ["surveys.kommune.waves.2019.background", "kommunenummer"],
    ),
    (
        lambda c: c["surveys"]["kontor"]["waves"][2019]["background"].pop("leadership"),
        ["surveys.kontor", "different background fields"],
    ),
    (
        lambda c: c["surveys"]["kommune"]["waves"][2019].update(format="csv"),
        ["kommune.waves.2019", "codebook"],
    ),
    (
        lambda c: c["geography"]["office_size"].update(lower_bounds=[0, 25, 10, 50]),
        ["geography.office_size"],
    ),
    # Bounds edited without the labels: respondents classed by the bounds, margins counted by
    # the labels' classes.
    (
        lambda c: c["geography"]["office_size"].update(lower_bounds=[0, 10, 25, 53]),
        ["geography.office_size", "'50_plus' names the class [50, ...)", "[53, ...)"],
    ),
    # A misspelt value beside a right one would quietly narrow the population.
    (
        lambda c: c["indicators"]["samarbeid_kommunale_tjenester"]["respondents"].update(
            role=["kontorleder", "veilder"]
        ),
        ["indicators.samarbeid_kommunale_tjenester.respondents.role", "'veilder'"],
    ),
    (
        lambda c: c["indicators"]["samarbeid_kommunale_ordforere"]["respondents"].update(
            region=["nord_norge", "vestlandt"]
        ),
        ["samarbeid_kommunale_ordforere.respondents.region", "'vestlandt'", "vestlandet"],
    ),
    # A copied line whose source was not changed: two items read one variable.
    (
        lambda c: c["surveys"]["kontor"]["waves"][2019]["items"]["tettere_samarbeid"].update(
            source="samarb_kommunale"
        ),
        ["surveys.kontor.waves.2019", "items.tettere_samarbeid", "'samarb_kommunale'"],
    ),
    # A claim about a group its indicator has no respondents in is published unestimated.
    (
        lambda c: c["claims"]["statements"]["samarbeid_kommunale_bedre"]["test"].update(
            group="radmann"
        ),
        ["claims.statements.samarbeid_kommunale_bedre.test.group", "'radmann'", "veileder"],
    ),
    # A sentence that leaves the group out (or misspells it) names no group in the report.
    (
        lambda c: c["publication"]["breakdowns"]["office_size"]["in_sentence"].update(
            nb="på kontorer med ansatte"
        ),
        ["publication.breakdowns.office_size.in_sentence.nb", "{group}"],
    ),
    (
        lambda c: c["publication"]["breakdowns"]["office_size"]["in_sentence"].update(
            en="in offices with {gruppe}"
        ),
        ["publication.breakdowns.office_size.in_sentence.en", "gruppe"],
    ),
    # A reference group an indicator cannot have would drop its contrasts without a word.
    (
        lambda c: c["estimation"]["contrasts"]["reference"].update(role="radmann"),
        ["estimation.contrasts.reference.role", "'radmann'", "samarbeid_kommunale_tjenester"],
    ),
    # An indicator whose item no wave asks has nothing to estimate.
    (
        lambda c: _absent_everywhere(c, "kontor", "tettere_samarbeid"),
        ["tettere_samarbeid", "no wave"],
    ),
    (
        lambda c: c["models"]["likeverdig_kontorledere"]["reference"].update(employer="statt"),
        ["models.likeverdig_kontorledere.reference.employer", "'statt'"],
    ),
    # Listed twice: a figure would show one indicator where it promises two; a breakdown
    # twice stops publication with a pandas error.
    (
        lambda c: c["publication"]["figures"]["likeverdighet_grupper"].update(
            indicators=["likeverdig_radmenn", "likeverdig_radmenn"]
        ),
        ["publication.figures.likeverdighet_grupper.indicators", "non-unique"],
    ),
    (
        lambda c: c["indicators"]["team_blandet"]["breakdowns"].append("employer"),
        ["indicators.team_blandet.breakdowns", "non-unique"],
    ),
    # A figure without a breakdown over an indicator without total: named, not a KeyError.
    (
        lambda c: c["indicators"]["likeverdig_radmenn"].update(breakdowns=["size_class", "region"]),
        ["publication.figures", "likeverdig_radmenn", "'total'"],
    ),
]


def _absent_everywhere(config, survey, item):
    for wave in config["surveys"][survey]["waves"].values():
        if wave["items"].pop(item, None):
            wave["absent"].append(item)


@pytest.mark.bad_input
@pytest.mark.parametrize(("change", "words"), CASES)
def test_a_mistake_is_named(config, change, words):
    with pytest.raises(ConfigError) as error:
        check_config(broken(config, change))
    for word in words:
        assert word in str(error.value), str(error.value)


def test_wave_spec_applies_wave_defaults_and_item_overrides(config):
    spec = wave_spec(config, "kontor", "2011")
    assert spec.items["likeverdig"].reverse is True
    assert spec.items["likeverdig"].dont_know == (8.0,)
    assert spec.items["likeverdig"].missing == (9.0,)
    assert spec.background["role"].codes == {1.0: "kontorleder", 2.0: "veileder"}
    assert spec.absent == ("teammal_klare", "fornoyd_teamarbeid", "tettere_samarbeid")
    with pytest.raises(ConfigError, match="no survey 'kontor' with wave '2015'"):
        wave_spec(config, "kontor", 2015)


def test_a_misspelt_survey_source_is_named_and_a_dropped_survey_keeps_its_own(config):
    misspelt = copy.deepcopy(config)
    sources = misspelt["publication"]["survey_sources"]
    sources["kontr"] = sources.pop("kontor")
    with pytest.raises(ConfigError, match=r"publication\.survey_sources\.kontr.*kommune, kontor"):
        check_survey_sources(misspelt, config, source="overlay.yaml")
    dropped = copy.deepcopy(config)
    del dropped["surveys"]["kontor"]  # an overlay ran one survey: its source line stays valid
    check_survey_sources(dropped, config)


def test_an_overlay_merges_key_by_key_and_config_yaml_stays_the_base(config):
    base = copy.deepcopy(config)
    overlay = {"surveys": {"kontor": None}, "publication": {"min_cell_size": 7}}
    effective = merged_config(base, overlay)
    remove_nulls(effective)
    assert "kontor" not in effective["surveys"] and "kommune" in effective["surveys"]
    assert effective["publication"]["min_cell_size"] == 7
    assert effective["publication"]["source"] == config["publication"]["source"]  # kept
    assert base == config  # untouched: the survey sources are checked against it
    check_survey_sources(effective, base)  # the dropped survey keeps its own source line
    assert list(effective) == list(config)  # config.yaml's order (it is meaning)


@pytest.mark.parametrize(
    ("override", "where", "expected"),
    [
        ("estimation={confidence_level: 0.9}", ("estimation", "confidence_level"), 0.9),
        ("publication={strict_prose: true}", ("publication", "strict_prose"), True),
        ("publication={min_cell_size: 7}", ("publication", "min_cell_size"), 7),
        (  # the bounds its labels state (under_10, 10_24, ...)
            "geography={office_size: {lower_bounds: [0, 10, 25, 50]}}",
            ("geography", "office_size", "lower_bounds"),
            [0, 10, 25, 50],
        ),
        (
            "indicators={likeverdig_radmenn: {positive: [5]}}",
            ("indicators", "likeverdig_radmenn", "positive"),
            [5],
        ),
        # text stays text where the schema allows text: a label, a size class's name
        ("publication={language: en}", ("publication", "language"), "en"),
        (  # a wave's year and a raw code are keys as text there
            "surveys={kommune: {waves: {2019: {missing: [99, 98]}}}}",
            ("surveys", "kommune", "waves", 2019, "missing"),
            [99, 98],
        ),
        (  # YAML 1.1 would read 3000_4999 as the number 30004999
            "indicators={likeverdig_radmenn: {respondents: {size_class: [3000_4999]}}}",
            ("indicators", "likeverdig_radmenn", "respondents", "size_class"),
            ["3000_4999"],
        ),
    ],
)
def test_a_command_line_value_is_read_as_the_schema_types_it(config, override, where, expected):
    """Snakemake's --config leaves every value inside a mapping as text (YAML's base loader);
    the numbers and booleans the schema asks for are read back from it."""
    from snakemake.cli import parse_config

    effective = merged_config(config, parse_config([override]))
    for key in where:
        effective = effective[key]
    assert effective == expected and type(effective) is type(expected)
    check_config(merged_config(config, parse_config([override])))


@pytest.mark.bad_input
@pytest.mark.parametrize("text", [".nan", "nan", ".inf", "1e400", "ja", "0,9"])
def test_a_command_line_value_that_is_no_number_is_refused_naming_its_key(config, text):
    from snakemake.cli import parse_config

    effective = merged_config(config, parse_config([f"estimation={{confidence_level: {text}}}"]))
    with pytest.raises(ConfigError, match=r"estimation\.confidence_level"):
        check_config(effective)
