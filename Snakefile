# navpartner: raw survey files -> harmonised data -> weights -> indicators -> report.
from snakemake.utils import min_version, validate

from navpartner.config import check_consistency, with_string_keys

min_version("8.20")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# JSON schema first (names the misspelt key), then the rules that span several keys.
validate(with_string_keys(config), "workflow/schemas/config.schema.yaml")
check_consistency(config, source="config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/harmonise.smk"
include: "workflow/rules/weights.smk"
include: "workflow/rules/replicates.smk"
include: "workflow/rules/indicators.smk"
include: "workflow/rules/findings.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/publish.smk"


rule all:
    default_target: True
    input:
        get_final_outputs(),
