# navpartner: raw survey files -> harmonised data -> weights -> indicators -> report.
from snakemake.utils import min_version

from navpartner.yamlfile import read_yaml
from navpartner.config import (
    check_config,
    check_config_files,
    check_paths,
    follow_order,
    remove_nulls,
)

min_version("8.20")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# The effective config: config.yaml, then --configfile overlays and --config overrides merged
# over it in order; an entry an overlay sets to null is removed. Strict YAML first (a key
# defined twice, an alias), then the JSON schema (workflow/schemas/config.schema.yaml: names
# the misspelt key and where), then the rules that span several keys, then where the input paths
# lead. The project's named errors (ValueError) are shown as they are, without a stack.
CONFIG_SOURCE = " + ".join(map(str, workflow.configfiles)) or "config"
try:
    check_config_files(workflow.configfiles)
    follow_order(config, read_yaml("config.yaml"))
    remove_nulls(config)
    check_config(config, source=CONFIG_SOURCE)
    check_paths(config, source=CONFIG_SOURCE)
except ValueError as error:
    raise WorkflowError(str(error)) from None


include: "workflow/rules/common.smk"
include: "workflow/rules/harmonise.smk"
include: "workflow/rules/weights.smk"
include: "workflow/rules/replicates.smk"
include: "workflow/rules/indicators.smk"
include: "workflow/rules/findings.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/publish.smk"
include: "workflow/rules/manifest.smk"
include: "workflow/rules/document.smk"


# Read by the report's front page (workflow/report/workflow.rst), which sees only the config;
# not configuration, so it is left out of the config parts the steps read. Worked out only when
# the report asks.
config["report_synthetic"] = WhenAsked(is_synthetic_input)


rule all:
    default_target: True
    input:
        get_final_outputs(),
        MANIFEST,
