# navpartner: raw survey files -> harmonised data -> weights -> indicators -> report.
from snakemake.utils import min_version, validate

from navpartner.config import (
    check_config_files,
    check_consistency,
    check_paths,
    with_string_keys,
)

min_version("8.20")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# Strict YAML first (a key defined twice, an alias), then the JSON schema (names the misspelt
# key), then the rules that span several keys, then where the input paths lead. The project's
# named errors (ValueError) are shown as they are, without a stack.
try:
    check_config_files(workflow.configfiles)
    validate(with_string_keys(config), "workflow/schemas/config.schema.yaml")
    check_consistency(config, source="config.yaml")
    check_paths(config, source="config.yaml")
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
# set after every rule has compared the config with its file (get_config_file).
config["report_synthetic"] = is_synthetic_input()


rule all:
    default_target: True
    input:
        get_final_outputs(),
        MANIFEST,
