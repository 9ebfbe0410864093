# Bootstrap replicate weights (estimation.variance: bootstrap): each survey wave's replicates are
# raked in estimation.bootstrap.chunks jobs, which a cluster runs side by side, then joined into
# one file beside the final weights.
rule weights_replicate:
    input:
        harmonised="results/harmonised/{survey}_{wave}.parquet",
        margins=get_margins_file,
        config=get_config_part("replicate"),
    output:
        "results/weights/replicates/{survey}_{wave}_{chunk}.parquet",
    log:
        "logs/weights_replicate/{survey}_{wave}_{chunk}.log",
    benchmark:
        "benchmarks/weights_replicate/{survey}_{wave}_{chunk}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
    group:
        ESTIMATES_JOB
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(800),
        runtime=10,
    shell:
        "navpartner replicate-weights --config {input.config:q} --survey {wildcards.survey:q}"
        " --wave {wildcards.wave:q} --harmonised {input.harmonised:q}"
        " --margins {input.margins:q} --chunk {wildcards.chunk:q} --output {output:q}"
        " 2> {log:q}"


rule weights_replicates_combine:
    input:
        chunks=get_replicate_chunks,
        config=get_config_part("replicate"),
    output:
        "results/weights/{survey}_{wave}.replicates.parquet",
    log:
        "logs/weights_replicates_combine/{survey}_{wave}.log",
    benchmark:
        "benchmarks/weights_replicates_combine/{survey}_{wave}.tsv"
    group:
        ESTIMATES_JOB
    conda:
        "../envs/navpartner.yaml"
    threads: 1
    resources:
        mem_mb=memory_mb(800),
        runtime=5,
    shell:
        "navpartner combine-replicates {input.chunks:q} --config {input.config:q}"
        " --output {output:q} 2> {log:q}"
