rule survey_harmonise:
    input:
        raw=get_raw_inputs,
        config=get_config_part("harmonise"),
    output:
        data="results/harmonised/{survey}_{wave}.parquet",
        audit="results/harmonised/{survey}_{wave}.audit.json",
        crosswalk="results/harmonised/{survey}_{wave}.crosswalk.csv",
    log:
        "logs/survey_harmonise/{survey}_{wave}.log",
    conda:
        "../envs/navpartner.yaml"
    shell:
        "navpartner harmonise --config {input.config} --survey {wildcards.survey}"
        " --wave {wildcards.wave} --output {output.data} --audit {output.audit}"
        " --crosswalk {output.crosswalk:q} 2> {log}"
