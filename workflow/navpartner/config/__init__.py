"""The configuration, one module per job:

- `overlay`: the effective config, overlays and --config values merged over config.yaml;
- `schema`: the JSON schema check; `consistency`: the rules that span several keys;
  `paths`: where the configured inputs lead; `check`: all of them in order;
- `parts`: the part of the effective config each step reads, written under results/config/;
- `load`: read a config file (or a part) for a step, checked;
- `views`: typed views of a checked config (a wave's crosswalk, survey waves, themes).

The names most modules use are here too.
"""

from navpartner.config.check import check_config
from navpartner.config.load import read_config
from navpartner.config.paths import configured_inputs, protected_paths
from navpartner.config.views import (
    BACKGROUND_KINDS,
    CATEGORY_VALUES,
    OFFICE_TRAITS,
    FieldSource,
    ItemSource,
    WaveSpec,
    change_figures,
    distribution_figures,
    group_values,
    item_wording,
    survey_waves,
    theme_comparisons,
    theme_indicators,
    wave_spec,
)

__all__ = [
    "BACKGROUND_KINDS",
    "CATEGORY_VALUES",
    "OFFICE_TRAITS",
    "FieldSource",
    "ItemSource",
    "WaveSpec",
    "change_figures",
    "check_config",
    "configured_inputs",
    "distribution_figures",
    "group_values",
    "item_wording",
    "protected_paths",
    "read_config",
    "survey_waves",
    "theme_comparisons",
    "theme_indicators",
    "wave_spec",
]
