# gwasflow normalization as an includable Snakemake module.
#
#     include: "path/to/gwasflow/workflows/rules/gwasflow.smk"
#
# gives rules that build the relatedness matrix (optionally SNP-QC first, and in parts merged
# when `grm_parts` > 1), its eigendecomposition, and the normalized phenotypes of every trait
# group under every schedule. Downstream rules ask for
#
#     gwasflow_pheno(group, schedule)      {outdir}/{group}/{schedule}.pheno.txt  (GEMMA layout)
#     gwasflow_pheno_tsv(group, schedule)  {outdir}/{group}/{schedule}.pheno.tsv  (PLINK 2 / REGENIE)
#     gwasflow_eigen_prefix()              {outdir}/grm/grm  (.eigenD.txt / .eigenU.txt, GEMMA -d/-u)
#     gwasflow_grm_file()                  {outdir}/grm/grm.cXX.txt
#
# Only the `gwasflow` binary is called (config key `gwasflow`: a path or a name on PATH).
# Config keys (see workflows/config.yaml for the documented full set): bfile, outdir,
# trait_groups, schedules, grm_parts, grm_kind, grm, qc, normalize, covar, pcs, n_pcs, resources.
# QC writes {outdir}/qc/qc.snplist and qc.qc.tsv; grm and assoc have no SNP-list option yet, so
# the list is reported, not applied (their own --maf/--geno/--miss filters go in grm.extra and
# assoc.extra).
# workflows/README.md shows a GEMMA association step written on top of this module.

import os

GWASFLOW_BIN = config.get("gwasflow", "gwasflow")
GWASFLOW_OUT = config.get("outdir", "results")
GWASFLOW_LOGS = os.path.join(GWASFLOW_OUT, "logs")
GWASFLOW_BFILE = config["bfile"]
GWASFLOW_COVAR = config.get("covar") or ""
GWASFLOW_GRM_PARTS = int(config.get("grm_parts", 1))
GWASFLOW_GRM_KIND = config.get("grm_kind", "centered")
GWASFLOW_QC = config.get("qc") or {}
GWASFLOW_GRM = config.get("grm") or {}
GWASFLOW_NORMALIZE = config.get("normalize") or {}
GWASFLOW_GROUPS = config.get("trait_groups") or {}
GWASFLOW_SCHEDULES = list(config.get("schedules", ["baseline", "alternating"]))
GWASFLOW_SEED = int(config.get("seed", 1))

wildcard_constraints:
    group="[A-Za-z0-9_.-]+",
    schedule="baseline|grid|alternating|joint",
    part="[0-9]+",


def gwasflow_flag(value):
    """A config switch: YAML booleans, or the strings `--config key=false` gives (Snakemake parses
    nested --config values as text)."""
    return str(value).strip().lower() not in ("false", "0", "no", "off", "")


def gwasflow_resource(rule_name, key):
    """threads / mem_mb / runtime (minutes) of a rule: resources.<rule> in the config, else resources.default."""
    table = config.get("resources") or {}
    fallback = {"threads": 1, "mem_mb": 2000, "runtime": 60}
    rule_values = table.get(rule_name) or {}
    default_values = table.get("default") or {}
    return rule_values.get(key, default_values.get(key, fallback[key]))


def gwasflow_grm_file():
    suffix = "cXX" if GWASFLOW_GRM_KIND == "centered" else "sXX"
    return os.path.join(GWASFLOW_OUT, "grm", f"grm.{suffix}.txt")


def gwasflow_eigen_prefix():
    return os.path.join(GWASFLOW_OUT, "grm", "grm")


def gwasflow_eigen_files():
    prefix = gwasflow_eigen_prefix()
    return [prefix + ".eigenD.txt", prefix + ".eigenU.txt"]


def gwasflow_pheno(group, schedule):
    return os.path.join(GWASFLOW_OUT, group, f"{schedule}.pheno.txt")


def gwasflow_pheno_tsv(group, schedule):
    return os.path.join(GWASFLOW_OUT, group, f"{schedule}.pheno.tsv")


def gwasflow_qc_outputs():
    """The QC tables (kept SNP list and per-SNP statistics), or [] when QC is off."""
    if not gwasflow_flag(GWASFLOW_QC.get("enabled", False)):
        return []
    prefix = os.path.join(GWASFLOW_OUT, "qc", "qc")
    return [prefix + ".snplist", prefix + ".qc.tsv"]


def gwasflow_columns_option(group):
    columns = GWASFLOW_GROUPS[group].get("columns")
    if not columns:
        return ""
    if isinstance(columns, (list, tuple)):
        columns = ",".join(str(c) for c in columns)
    return f"--columns {columns}"


def gwasflow_covar_option():
    return f"--covar {GWASFLOW_COVAR}" if GWASFLOW_COVAR else ""


def gwasflow_relatedness_option():
    """How normalize models relatedness: the GRM and its eigendecomposition, or k PCs (low rank)."""
    if GWASFLOW_NORMALIZE.get("relatedness", "grm") == "pcs":
        return f"--pcs {config['pcs']} --n-pcs {int(config.get('n_pcs', 40))}"
    return f"--grm {gwasflow_grm_file()} --eigen {gwasflow_eigen_prefix()}"


def gwasflow_relatedness_inputs():
    if GWASFLOW_NORMALIZE.get("relatedness", "grm") == "pcs":
        return [config["pcs"]]
    return [gwasflow_grm_file()] + gwasflow_eigen_files()


def gwasflow_bfile_inputs():
    return [GWASFLOW_BFILE + ext for ext in (".bed", ".bim", ".fam")]


if gwasflow_flag(GWASFLOW_QC.get("enabled", False)):

    rule gwasflow_qc:
        input:
            gwasflow_bfile_inputs(),
        output:
            gwasflow_qc_outputs(),
        params:
            prefix=os.path.join(GWASFLOW_OUT, "qc", "qc"),
            options=" ".join(
                [f"--maf {GWASFLOW_QC['maf']}" if "maf" in GWASFLOW_QC else "",
                 f"--geno {GWASFLOW_QC['geno']}" if "geno" in GWASFLOW_QC else "",
                 f"--hwe {GWASFLOW_QC['hwe']}" if "hwe" in GWASFLOW_QC else "",
                 f"--indep-pairwise {GWASFLOW_QC['indep_pairwise']}" if "indep_pairwise" in GWASFLOW_QC else ""]),
        threads: gwasflow_resource("qc", "threads")
        resources:
            mem_mb=gwasflow_resource("qc", "mem_mb"),
            runtime=gwasflow_resource("qc", "runtime"),
        log:
            os.path.join(GWASFLOW_LOGS, "qc.log"),
        shell:
            "{GWASFLOW_BIN} qc --bfile {GWASFLOW_BFILE} {params.options} --threads {threads} --quiet"
            " --out {params.prefix} > {log} 2>&1"


if GWASFLOW_GRM_PARTS > 1:

    rule gwasflow_grm_part:
        input:
            gwasflow_bfile_inputs(),
        output:
            os.path.join(GWASFLOW_OUT, "grm", "parts", "grm.part{part}of" + str(GWASFLOW_GRM_PARTS) + ".grmpart"),
        params:
            # grm --part I/N --out P writes P.partIofN.grmpart (and P.partIofN.log).
            prefix=os.path.join(GWASFLOW_OUT, "grm", "parts", "grm"),
            options=GWASFLOW_GRM.get("extra", ""),
            parts=GWASFLOW_GRM_PARTS,
        threads: gwasflow_resource("grm_part", "threads")
        resources:
            mem_mb=gwasflow_resource("grm_part", "mem_mb"),
            runtime=gwasflow_resource("grm_part", "runtime"),
        log:
            os.path.join(GWASFLOW_LOGS, "grm", "part{part}.log"),
        shell:
            "{GWASFLOW_BIN} grm --bfile {GWASFLOW_BFILE} --kind {GWASFLOW_GRM_KIND} {params.options}"
            " --part {wildcards.part}/{params.parts} --threads {threads} --quiet --out {params.prefix} > {log} 2>&1"

    rule gwasflow_grm_merge:
        input:
            expand(os.path.join(GWASFLOW_OUT, "grm", "parts", "grm.part{part}of{parts}.grmpart"),
                   part=range(1, GWASFLOW_GRM_PARTS + 1), parts=GWASFLOW_GRM_PARTS),
        output:
            gwasflow_grm_file(),
        params:
            prefix=os.path.join(GWASFLOW_OUT, "grm", "grm"),
        threads: gwasflow_resource("grm_merge", "threads")
        resources:
            mem_mb=gwasflow_resource("grm_merge", "mem_mb"),
            runtime=gwasflow_resource("grm_merge", "runtime"),
        log:
            os.path.join(GWASFLOW_LOGS, "grm", "merge.log"),
        shell:
            "{GWASFLOW_BIN} grm-merge {input} --threads {threads} --quiet --out {params.prefix} > {log} 2>&1"

else:

    rule gwasflow_grm:
        input:
            gwasflow_bfile_inputs(),
        output:
            gwasflow_grm_file(),
        params:
            prefix=os.path.join(GWASFLOW_OUT, "grm", "grm"),
            options=GWASFLOW_GRM.get("extra", ""),
        threads: gwasflow_resource("grm", "threads")
        resources:
            mem_mb=gwasflow_resource("grm", "mem_mb"),
            runtime=gwasflow_resource("grm", "runtime"),
        log:
            os.path.join(GWASFLOW_LOGS, "grm", "grm.log"),
        shell:
            "{GWASFLOW_BIN} grm --bfile {GWASFLOW_BFILE} --kind {GWASFLOW_GRM_KIND} {params.options}"
            " --threads {threads} --quiet --out {params.prefix} > {log} 2>&1"


rule gwasflow_eigen:
    input:
        gwasflow_grm_file(),
    output:
        gwasflow_eigen_files(),
    params:
        prefix=gwasflow_eigen_prefix(),
    threads: gwasflow_resource("eigen", "threads")
    resources:
        mem_mb=gwasflow_resource("eigen", "mem_mb"),
        runtime=gwasflow_resource("eigen", "runtime"),
    log:
        os.path.join(GWASFLOW_LOGS, "grm", "eigen.log"),
    shell:
        "{GWASFLOW_BIN} eigen --grm {input} --threads {threads} --quiet --out {params.prefix} > {log} 2>&1"


rule gwasflow_normalize:
    input:
        pheno=lambda w: GWASFLOW_GROUPS[w.group]["pheno"],
        genotypes=gwasflow_bfile_inputs(),
        relatedness=gwasflow_relatedness_inputs(),
    output:
        pheno=os.path.join(GWASFLOW_OUT, "{group}", "{schedule}.pheno.txt"),
        pheno_tsv=os.path.join(GWASFLOW_OUT, "{group}", "{schedule}.pheno.tsv"),
        model=os.path.join(GWASFLOW_OUT, "{group}", "{schedule}.model.json"),
        lambdas=os.path.join(GWASFLOW_OUT, "{group}", "{schedule}.lambda.tsv"),
        diagnostics=os.path.join(GWASFLOW_OUT, "{group}", "{schedule}.diagnostics.tsv"),
    params:
        prefix=lambda w: os.path.join(GWASFLOW_OUT, w.group, w.schedule),
        columns=lambda w: gwasflow_columns_option(w.group),
        covar=gwasflow_covar_option(),
        relatedness=gwasflow_relatedness_option(),
        extra=GWASFLOW_NORMALIZE.get("extra", ""),
    threads: gwasflow_resource("normalize", "threads")
    resources:
        mem_mb=gwasflow_resource("normalize", "mem_mb"),
        runtime=gwasflow_resource("normalize", "runtime"),
    log:
        os.path.join(GWASFLOW_LOGS, "{group}", "normalize.{schedule}.log"),
    shell:
        "{GWASFLOW_BIN} normalize --pheno {input.pheno} {params.columns} --bfile {GWASFLOW_BFILE}"
        " {params.covar} {params.relatedness} --schedule {wildcards.schedule} {params.extra}"
        " --seed {GWASFLOW_SEED} --threads {threads} --quiet --out {params.prefix} > {log} 2>&1"
