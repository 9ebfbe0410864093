# R's survey package on the standard benchmark data: raking by calibrate(calfun = "raking"),
# then svymean of the ten outcomes with raking-aware SEs. Run by compare.py.
# Usage: Rscript survey.R data.csv margins.csv out.csv
#   out.csv: stage, seconds (load, design, rake, estimate) and outcome, estimate, se
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
elapsed <- function(start) as.numeric(Sys.time() - start, units = "secs")

start <- Sys.time()
data <- read.csv(args[1])
margins <- read.csv(args[2], colClasses = c("character", "character", "numeric"))
variables <- unique(margins$variable)
for (v in variables) data[[v]] <- factor(data[[v]], levels = margins$level[margins$variable == v])
load <- elapsed(start)

start <- Sys.time()
design <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = data, nest = TRUE)
design_seconds <- elapsed(start)

start <- Sys.time()
population <- lapply(variables, function(v) {
  m <- margins[margins$variable == v, c("level", "count")]
  names(m) <- c(v, "Freq")
  m[[v]] <- factor(m[[v]], levels = m[[v]])
  m
})
formulas <- lapply(variables, function(v) as.formula(paste0("~", v)))
raked <- calibrate(design, formulas, population, calfun = "raking", epsilon = 1e-10, maxit = 1000)
rake_seconds <- elapsed(start)

start <- Sys.time()
outcomes <- grep("^y[0-9]+$", names(data), value = TRUE)
means <- svymean(reformulate(outcomes), raked)
estimate_seconds <- elapsed(start)

stages <- data.frame(kind = "stage", name = c("load", "design", "rake", "estimate"),
                     estimate = c(load, design_seconds, rake_seconds, estimate_seconds), se = NA)
results <- data.frame(kind = "outcome", name = outcomes, estimate = as.vector(coef(means)),
                      se = as.vector(SE(means)))
out <- rbind(stages, results)
out$estimate <- sprintf("%.17g", out$estimate)
out$se <- sprintf("%.17g", out$se)
write.csv(out, args[3], row.names = FALSE)
