# Run once to make tests/data/api_clus1.csv, the standard raking example of R's survey package
# (?rake): the one-stage cluster sample apiclus1 raked to the population counts of school type
# and of meeting the school-wide growth target. Rscript tests/r/export_api.R (from the root).
suppressMessages(library(survey))
data(api)
write.csv(apiclus1[, c("cds", "dnum", "pw", "stype", "sch.wide")],
          "tests/data/api_clus1.csv", row.names = FALSE)
write.csv(data.frame(variable = c(rep("stype", 3), rep("sch.wide", 2)),
                     level = c("E", "H", "M", "No", "Yes"),
                     count = c(4421, 755, 1018, 1072, 5122)),
          "tests/data/api_clus1_margins.csv", row.names = FALSE)
