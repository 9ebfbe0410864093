# Replicate-weight (bootstrap) SEs of domain proportions with R's survey package, from given
# Rao-Wu replicate factors: the reference for estimation.variance: bootstrap.
# Usage: Rscript bootstrap.R data.csv margins.csv factors.csv out.csv
#   data.csv:    y (0/1, empty = no valid answer), domain (empty = in no domain), w (base
#                weight), and one column per calibration variable
#   margins.csv: variable, level, count
#   factors.csv: one column per replicate, one row per respondent (the PSU's factor)
#   out.csv:     per domain and centre (replicate_mean: mse = FALSE; full_sample: mse = TRUE):
#                estimate and se
# The design is as.svrepdesign(type = "subbootstrap")'s, scale 1/(R-1) and rscales 1 as
# subbootweights() returns them, with our factors passed in; calibrate(calfun = "raking") rakes
# the full sample and every replicate.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], colClasses = "character", na.strings = "")
data$y <- as.numeric(data$y)
data$w <- as.numeric(data$w)
factors <- as.matrix(read.csv(args[3]))
margins <- read.csv(args[2], colClasses = c("character", "character", "numeric"))
variables <- unique(margins$variable)
population <- lapply(variables, function(v) {
  m <- margins[margins$variable == v, c("level", "count")]
  names(m) <- c(v, "Freq")
  m
})
formulas <- lapply(variables, function(v) as.formula(paste0("~", v)))
replicates <- ncol(factors)
rows <- list()
for (centre in c("replicate_mean", "full_sample")) {
  design <- svrepdesign(data = data, repweights = factors, weights = ~w,
                        type = "bootstrap", combined.weights = FALSE,
                        scale = 1 / (replicates - 1), rscales = rep(1, replicates),
                        mse = centre == "full_sample")
  design <- calibrate(design, formulas, population, calfun = "raking",
                      epsilon = 1e-13, maxit = 1000, compress = FALSE)
  inside <- !is.na(data$domain) & !is.na(data$y)
  # A replicate design's subset keeps each row's replicate weights: a domain estimate.
  result <- svyby(~y, ~domain, subset(design, inside), svymean)
  rows[[centre]] <- data.frame(domain = result$domain, centre = centre,
                               estimate = coef(result), se = SE(result))
}
out <- do.call(rbind, rows)
out[] <- lapply(out, function(col) if (is.numeric(col)) sprintf("%.17g", col) else col)
write.csv(out, args[4], row.names = FALSE)
