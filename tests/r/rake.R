# Rake with R's survey package, the field's reference implementation.
# Usage: Rscript rake.R respondents.csv margins.csv out.csv
#   respondents.csv: column `w` (base weight) and one column per margin variable
#   margins.csv:     columns variable, level, count (population count per level)
#   out.csv:         column `weight`, the raked weight of each respondent, in input order
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
respondents <- read.csv(args[1], colClasses = "character")
respondents$w <- as.numeric(respondents$w)
margins <- read.csv(args[2], colClasses = c("character", "character", "numeric"))
variables <- unique(margins$variable)
design <- svydesign(ids = ~1, weights = ~w, data = respondents)
population <- lapply(variables, function(v) {
  m <- margins[margins$variable == v, c("level", "count")]
  names(m) <- c(v, "Freq")
  m
})
formulas <- lapply(variables, function(v) as.formula(paste0("~", v)))
# epsilon is R's stopping rule on the change in margin totals between sweeps; small enough that
# R stops at the same fixed point our margin-error rule (1e-10 relative) reaches.
raked <- rake(design, formulas, population, control = list(maxit = 1000, epsilon = 1e-11))
write.csv(data.frame(weight = sprintf("%.17g", weights(raked))), args[3], row.names = FALSE)
