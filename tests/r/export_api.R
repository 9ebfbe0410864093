# Run once to make the api test data from R's survey package (Rscript tests/r/export_api.R, from
# the root): tests/data/api_clus1.csv, the one-stage cluster sample apiclus1, with the population
# counts of school type and of meeting the school-wide growth target used by its raking example
# (?rake); tests/data/api_strat.csv, the stratified sample apistrat.
suppressMessages(library(survey))
data(api)
write.csv(apiclus1[, c("cds", "dnum", "pw", "stype", "sch.wide", "awards", "comp.imp")],
          "tests/data/api_clus1.csv", row.names = FALSE)
write.csv(data.frame(variable = c(rep("stype", 3), rep("sch.wide", 2)),
                     level = c("E", "H", "M", "No", "Yes"),
                     count = c(4421, 755, 1018, 1072, 5122)),
          "tests/data/api_clus1_margins.csv", row.names = FALSE)
write.csv(apistrat[, c("cds", "stype", "pw", "sch.wide", "awards", "comp.imp", "cname")],
          "tests/data/api_strat.csv", row.names = FALSE)
