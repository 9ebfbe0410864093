# Provenance: the fingerprint of the config and raw inputs, and the checksum of every output
# made from them. A report of outputs that are not those of the current config and inputs
# (e.g. after a failed run) is refused.
rule results_manifest:
    input:
        outputs=get_final_outputs(),
        raw=get_configured_inputs(),
        config=get_config_part("all"),
    output:
        manifest=MANIFEST,
        html=report(
            "results/report/provenance.html",
            caption="../report/provenance.rst",
            category=get_provenance_category,
        ),
    log:
        "logs/results_manifest/manifest.log",
    benchmark:
        "benchmarks/results_manifest/manifest.tsv"
    priority: ON_THE_LONGEST_PATH
    localrule: True
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(500),
        runtime=5,
    shell:
        "navpartner manifest {input.outputs:q} --config {input.config:q}"
        " --manifest {output.manifest:q} --html {output.html:q} 2> {log:q}"
